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

    pub(crate) fn i32(&mut self) -> Option<i32> {
        self.array().map(i32::from_be_bytes)
    }

    pub(crate) fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_be_bytes)
    }

    pub(crate) fn i64(&mut self) -> Option<i64> {
        self.array().map(i64::from_be_bytes)
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

/// AES-256-GCM without associated data, in place, on the `nonce ‖ ciphertext ‖ tag` layout that
/// tokens and envelopes share.
///
/// Two implementations sit behind one small trait: RustCrypto's `aes-gcm` (always there, no_std)
/// and, with the `aws-lc` or `ring` feature, that library's assembly AES-GCM for the ciphers
/// that keys prepare at load ([`TokenCipher`]); `aws-lc` wins when both are on.
pub(crate) mod gcm {
    use aes_gcm::{AeadInOut as _, Aes256Gcm};

    /// Nonce (IV) length.
    pub(crate) const NONCE: usize = 12;
    /// Tag length.
    pub(crate) const TAG: usize = 16;

    /// Why a blob did not open.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(crate) enum OpenError {
        /// Shorter than a nonce and a tag.
        TooShort,
        /// The tag did not verify (wrong key, or the bytes were changed).
        Tag,
    }

    /// A prepared AES-256-GCM key.
    pub(crate) trait Aead {
        /// Checks `tag` over `ct` and decrypts `ct` in place. On failure `ct` holds no plaintext.
        fn open_detached(
            &self,
            nonce: &[u8; NONCE],
            ct: &mut [u8],
            tag: &[u8; TAG],
        ) -> Result<(), ()>;
        /// Encrypts `pt` in place and returns the tag; `None` when `pt` is too long for GCM.
        fn seal_detached(&self, nonce: &[u8; NONCE], pt: &mut [u8]) -> Option<[u8; TAG]>;
    }

    impl Aead for Aes256Gcm {
        #[inline]
        fn open_detached(
            &self,
            nonce: &[u8; NONCE],
            ct: &mut [u8],
            tag: &[u8; TAG],
        ) -> Result<(), ()> {
            // Verifies the tag before it decrypts anything.
            self.decrypt_inout_detached(nonce.into(), &[], ct.into(), tag.into())
                .map_err(|_| ())
        }

        #[inline]
        fn seal_detached(&self, nonce: &[u8; NONCE], pt: &mut [u8]) -> Option<[u8; TAG]> {
            let tag = self
                .encrypt_inout_detached(nonce.into(), &[], pt.into())
                .ok()?;
            Some(tag.into())
        }
    }

    /// The cipher a key prepares at load for token decryption and encryption.
    #[cfg(not(any(feature = "aws-lc", feature = "ring")))]
    pub(crate) type TokenCipher = Aes256Gcm;

    /// The cipher a key prepares at load for token decryption and encryption.
    #[cfg(feature = "aws-lc")]
    pub(crate) type TokenCipher = aws::Gcm;

    /// The cipher a key prepares at load for token decryption and encryption.
    #[cfg(all(feature = "ring", not(feature = "aws-lc")))]
    pub(crate) type TokenCipher = ring::Gcm;

    /// A prepared token cipher for `key` (never fails with the pure-Rust AES-GCM).
    #[cfg(not(any(feature = "aws-lc", feature = "ring")))]
    #[expect(
        clippy::unnecessary_wraps,
        reason = "the same signature as the aws-lc and ring builds, whose key setup can fail"
    )]
    pub(crate) fn token_cipher(key: &[u8; 32]) -> Option<TokenCipher> {
        use aes_gcm::aead::KeyInit as _;
        Some(Aes256Gcm::new(key.into()))
    }

    /// A prepared token cipher for `key`, or `None` when the crypto library cannot set it up.
    #[cfg(any(feature = "aws-lc", feature = "ring"))]
    pub(crate) fn token_cipher(key: &[u8; 32]) -> Option<TokenCipher> {
        TokenCipher::new(key)
    }

    /// An AES-256-GCM backend on a crate with ring's `aead::LessSafeKey` interface (ring and
    /// aws-lc-rs share it).
    #[cfg(any(feature = "aws-lc", feature = "ring"))]
    macro_rules! less_safe_key_gcm {
        (
            $module:ident,
            $krate:ident,
            $doc:literal,
            |$key:ident, $nonce:ident, $tag:ident, $ct:ident| $open:expr
        ) => {
            #[doc = $doc]
            mod $module {
                extern crate alloc;

                use alloc::sync::Arc;

                use zeroize::Zeroize as _;
                use $krate::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};

                use super::{Aead, NONCE, TAG};

                /// A prepared AES-256-GCM key, shared by the clones of its [`Key`](crate::Key).
                #[derive(Clone)]
                pub(crate) struct Gcm(Arc<LessSafeKey>);

                impl Gcm {
                    /// `None` when the library cannot set the key up (a 32-byte key always
                    /// suits AES_256_GCM, so only when it cannot allocate).
                    pub(crate) fn new(key: &[u8; 32]) -> Option<Self> {
                        let key = UnboundKey::new(&AES_256_GCM, key).ok()?;
                        Some(Self(Arc::new(LessSafeKey::new(key))))
                    }
                }

                impl Aead for Gcm {
                    #[inline]
                    fn open_detached(
                        &self,
                        nonce: &[u8; NONCE],
                        ct: &mut [u8],
                        tag: &[u8; TAG],
                    ) -> Result<(), ()> {
                        let ($key, $nonce, $tag, $ct) =
                            (&self.0, Nonce::assume_unique_for_key(*nonce), tag, &mut *ct);
                        if $open.is_ok() {
                            Ok(())
                        } else {
                            // The library decrypts before it compares tags: wipe what it wrote.
                            ct.zeroize();
                            Err(())
                        }
                    }

                    #[inline]
                    fn seal_detached(
                        &self,
                        nonce: &[u8; NONCE],
                        pt: &mut [u8],
                    ) -> Option<[u8; TAG]> {
                        let nonce = Nonce::assume_unique_for_key(*nonce);
                        let tag = self
                            .0
                            .seal_in_place_separate_tag(nonce, Aad::empty(), pt)
                            .ok()?;
                        <[u8; TAG]>::try_from(tag.as_ref()).ok()
                    }
                }
            }
        };
    }

    #[cfg(feature = "aws-lc")]
    less_safe_key_gcm!(
        aws,
        aws_lc_rs,
        "AWS-LC's assembly AES-256-GCM. AWS-LC keeps the expanded key in memory it allocated and \
         wipes it when the last clone drops.",
        |key, nonce, tag, ct| key.open_in_place_separate_tag(nonce, Aad::empty(), tag, ct)
    );

    #[cfg(all(feature = "ring", not(feature = "aws-lc")))]
    less_safe_key_gcm!(
        ring,
        ring,
        "ring's assembly AES-256-GCM. ring does not wipe the expanded key when it drops (the raw \
         key bytes in [`Secret`](crate::Secret) are wiped as always).",
        |key, nonce, tag, ct| {
            let tag = ::ring::aead::Tag::from(*tag);
            key.open_in_place_separate_tag(nonce, Aad::empty(), tag, ct, 0..)
        }
    );

    /// Opens `nonce ‖ ciphertext ‖ tag` in place and returns the plaintext (the ciphertext's
    /// bytes).
    pub(crate) fn open<'a>(
        cipher: &impl Aead,
        blob: &'a mut [u8],
    ) -> Result<&'a mut [u8], OpenError> {
        let (nonce, rest) = blob
            .split_at_mut_checked(NONCE)
            .ok_or(OpenError::TooShort)?;
        let ct_len = rest.len().checked_sub(TAG).ok_or(OpenError::TooShort)?;
        let (ct, tag) = rest.split_at_mut(ct_len);
        let nonce = <&[u8; NONCE]>::try_from(&*nonce).map_err(|_| OpenError::TooShort)?;
        let tag = <&[u8; TAG]>::try_from(&*tag).map_err(|_| OpenError::TooShort)?;
        cipher
            .open_detached(nonce, ct, tag)
            .map_err(|()| OpenError::Tag)?;
        Ok(ct)
    }

    /// Encrypts `plaintext` in place under `nonce` and returns the tag; `None` only when the
    /// plaintext exceeds what AES-GCM can encrypt.
    pub(crate) fn seal(
        cipher: &impl Aead,
        nonce: &[u8; NONCE],
        plaintext: &mut [u8],
    ) -> Option<[u8; TAG]> {
        cipher.seal_detached(nonce, plaintext)
    }
}

/// SIMD base64 for the token hot path (runtime CPU detection with the `std` feature, portable
/// code otherwise). Each function answers `None` when its strict form does not apply (other
/// alphabet, missing padding, bad length, output too small); callers then use the lenient
/// [`b64`] engines, so the accepted inputs and decoded bytes are the same either way.
pub(crate) mod fast {
    use base64_simd::{Out, STANDARD, URL_SAFE_NO_PAD};

    /// Unpadded base64url.
    pub(crate) fn decode_url(text: &[u8], out: &mut [u8]) -> Option<usize> {
        let needed = URL_SAFE_NO_PAD.decoded_length(text).ok()?;
        if needed > out.len() {
            return None;
        }
        URL_SAFE_NO_PAD
            .decode(text, Out::from_slice(out))
            .ok()
            .map(|d| d.len())
    }

    /// Padded standard base64.
    pub(crate) fn decode_std(text: &[u8], out: &mut [u8]) -> Option<usize> {
        let needed = STANDARD.decoded_length(text).ok()?;
        if needed > out.len() {
            return None;
        }
        STANDARD
            .decode(text, Out::from_slice(out))
            .ok()
            .map(|d| d.len())
    }

    /// Unpadded base64url of `bytes` into `out`.
    pub(crate) fn encode_url(bytes: &[u8], out: &mut [u8]) -> Option<usize> {
        if bytes.len() > usize::MAX / 4 || URL_SAFE_NO_PAD.encoded_length(bytes.len()) > out.len() {
            return None;
        }
        Some(URL_SAFE_NO_PAD.encode(bytes, Out::from_slice(out)).len())
    }

    /// Padded standard base64 of `bytes` into `out`.
    pub(crate) fn encode_std(bytes: &[u8], out: &mut [u8]) -> Option<usize> {
        if bytes.len() > usize::MAX / 4 || STANDARD.encoded_length(bytes.len()) > out.len() {
            return None;
        }
        Some(STANDARD.encode(bytes, Out::from_slice(out)).len())
    }
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
        assert_eq!(r.take(1), Some(&[1u8][..]));
        assert_eq!(r.take(1), None);
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
    fn fast_and_lenient_decoders_agree() {
        let texts: [&[u8]; 6] = [
            b"_-CI_-6ZmQ",
            b"_-CI_-6Z",
            b"AAECAw==",
            b"AAECAw",
            b"AA\nEC",
            b"A",
        ];
        for text in texts {
            let (mut a, mut b) = ([0u8; 16], [0u8; 16]);
            if let Some(n) = fast::decode_url(text, &mut a) {
                let m = b64::URL.decode_slice(text, &mut b).unwrap();
                assert_eq!(a[..n], b[..m]);
            }
            if let Some(n) = fast::decode_std(text, &mut a) {
                let m = b64::STANDARD.decode_slice(text, &mut b).unwrap();
                assert_eq!(a[..n], b[..m]);
            }
        }
        let mut out = [0u8; 8];
        assert_eq!(fast::encode_std(&[1, 2, 3, 4], &mut out), Some(8));
        assert_eq!(&out, b"AQIDBA==");
        assert_eq!(fast::encode_std(&[1, 2, 3, 4, 5, 6, 7], &mut out), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, ..Default::default() })]
        /// On any text, the SIMD decoders either decline or give what the lenient ones give.
        #[test]
        fn fast_decoders_never_disagree(text in "[A-Za-z0-9+/_=-]{0,40}") {
            let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
            if let Some(n) = fast::decode_url(text.as_bytes(), &mut a) {
                let m = b64::URL.decode_slice(text.as_bytes(), &mut b).map_err(|e| proptest::test_runner::TestCaseError::fail(std::format!("{e}")))?;
                proptest::prop_assert_eq!(&a[..n], &b[..m]);
            }
            if let Some(n) = fast::decode_std(text.as_bytes(), &mut a) {
                let m = b64::STANDARD.decode_slice(text.as_bytes(), &mut b).map_err(|e| proptest::test_runner::TestCaseError::fail(std::format!("{e}")))?;
                proptest::prop_assert_eq!(&a[..n], &b[..m]);
            }
        }

        /// The SIMD encoders write what the lenient engines write.
        #[test]
        fn fast_encoders_agree(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..48)) {
            let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
            let n = fast::encode_std(&bytes, &mut a).unwrap();
            let m = b64::STANDARD.encode_slice(&bytes, &mut b).unwrap();
            proptest::prop_assert_eq!(&a[..n], &b[..m]);
            let n = fast::encode_url(&bytes, &mut a).unwrap();
            let m = b64::URL.encode_slice(&bytes, &mut b).unwrap();
            proptest::prop_assert_eq!(&a[..n], &b[..m]);
        }
    }

    #[test]
    fn cross_sdk_base64url_vectors() {
        let cases: [(&[u8], &str); 3] = [
            (&[0xff, 0xe0, 0x88, 0xff, 0xee, 0x99, 0x99], "_-CI_-6ZmQ"),
            (
                &[0xff, 0xe0, 0x88, 0xff, 0xee, 0x99, 0x99, 0x99],
                "_-CI_-6ZmZk",
            ),
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
