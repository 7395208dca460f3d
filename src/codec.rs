//! Bounds-checked big-endian reading and writing over byte slices, and the base64 engines.

/// A cursor over untrusted bytes. Every read is bounds-checked and returns `None` past the end.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) const fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, tail) = self.rest.split_at_checked(n)?;
        self.rest = tail;
        Some(head)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    pub(crate) fn u8(&mut self) -> Option<u8> {
        self.array::<1>().map(|[b]| b)
    }

    pub(crate) fn i32(&mut self) -> Option<i32> {
        self.array().map(i32::from_be_bytes)
    }

    pub(crate) fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_be_bytes)
    }

    pub(crate) fn i64(&mut self) -> Option<i64> {
        self.array().map(i64::from_be_bytes)
    }

    pub(crate) const fn rest(&self) -> &'a [u8] {
        self.rest
    }
}

/// A cursor that writes into a caller-owned buffer. Every write is bounds-checked.
#[derive(Debug)]
pub(crate) struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    pub(crate) fn put(&mut self, bytes: &[u8]) -> Option<()> {
        let end = self.pos.checked_add(bytes.len())?;
        self.buf.get_mut(self.pos..end)?.copy_from_slice(bytes);
        self.pos = end;
        Some(())
    }

    pub(crate) fn u8(&mut self, v: u8) -> Option<()> {
        self.put(&[v])
    }

    pub(crate) fn i32(&mut self, v: i32) -> Option<()> {
        self.put(&v.to_be_bytes())
    }

    pub(crate) fn i64(&mut self, v: i64) -> Option<()> {
        self.put(&v.to_be_bytes())
    }

    pub(crate) const fn position(&self) -> usize {
        self.pos
    }
}

/// Fast table-driven base64 engines for non-secret text (tokens). Secrets use `base64ct`.
pub(crate) mod b64 {
    use base64::alphabet;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

    const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent);

    /// Standard alphabet; encodes with padding, decodes with or without it.
    pub(crate) const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);

    /// URL alphabet; encodes without padding, decodes with or without it.
    pub(crate) const URL: GeneralPurpose =
        GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT.with_encode_padding(false));
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    #[test]
    fn reader_stops_at_end() {
        let mut r = Reader::new(&[0, 0, 0, 7, 1]);
        assert_eq!(r.i32(), Some(7));
        assert_eq!(r.i32(), None);
        assert_eq!(r.u8(), Some(1));
        assert_eq!(r.u8(), None);
    }

    #[test]
    fn writer_refuses_overflow() {
        let mut buf = [0u8; 5];
        let mut w = Writer::new(&mut buf);
        assert_eq!(w.i32(-2), Some(()));
        assert_eq!(w.i32(1), None);
        assert_eq!(w.position(), 4);
    }

    #[test]
    fn cross_sdk_base64url_vectors() {
        let cases: [(&[u8], &str); 3] = [
            (&[0xff, 0xe0, 0x88, 0xff, 0xee, 0x99, 0x99], "_-CI_-6ZmQ"),
            (&[0xff, 0xe0, 0x88, 0xff, 0xee, 0x99, 0x99, 0x99], "_-CI_-6ZmZk"),
            (&[0xff, 0xe0, 0x88, 0xff, 0xee, 0x99], "_-CI_-6Z"),
        ];
        for (bytes, text) in cases {
            let mut out = [0u8; 16];
            let n = b64::URL.encode_slice(bytes, &mut out).unwrap();
            assert_eq!(&out[..n], text.as_bytes());
            let n = b64::URL.decode_slice(text, &mut out).unwrap();
            assert_eq!(&out[..n], bytes);
        }
    }
}
