//! Email normalization (the operator's algorithm; see the crate's `identity` module docs).

use super::IdentityError;

/// The one domain that gets the gmail treatment (dots dropped, `+suffix` dropped).
const GMAIL: &[u8] = b"gmail.com";

/// An email split into its parts, validated, with the normalized length precomputed.
///
/// Borrowing slices of the input keeps normalization allocation-free: the normalized bytes are
/// produced on demand by [`Parsed::for_each_byte`].
#[derive(Clone, Copy)]
pub(super) struct Parsed<'a> {
    /// Bytes before the first `@` (spaces, case and gmail rules not yet applied).
    local: &'a [u8],
    /// Bytes after the `@`, trailing spaces removed (case not yet applied).
    domain: &'a [u8],
    /// Whether the domain is `gmail.com` (ignoring ASCII case).
    gmail: bool,
    /// Length in bytes of the normalized address.
    len: usize,
}

/// Whether a local-part byte survives normalization. `in_plus` is not needed here: the gmail
/// suffix is cut off before this filter runs.
const fn keep_local(byte: u8, gmail: bool) -> bool {
    match byte {
        b' ' => false,
        b'.' => !gmail,
        _ => true,
    }
}

impl<'a> Parsed<'a> {
    /// Splits and validates an email. Fails for: no `@`, a second `@`, an empty domain (after
    /// dropping trailing spaces) and an empty local part (after the rules of its domain).
    pub(super) fn new(input: &'a str) -> Result<Self, IdentityError> {
        let bytes = input.as_bytes();
        // `@` is ASCII, so it never occurs inside a multi-byte UTF-8 sequence.
        let at = bytes
            .iter()
            .position(|&b| b == b'@')
            .ok_or(IdentityError::InvalidEmail)?;
        let (local, rest) = bytes.split_at(at);
        let rest = rest.get(1..).unwrap_or_default();
        if rest.contains(&b'@') {
            return Err(IdentityError::InvalidEmail);
        }
        let domain = trim_trailing_spaces(rest);
        if domain.is_empty() {
            return Err(IdentityError::InvalidEmail);
        }
        let gmail = domain.eq_ignore_ascii_case(GMAIL);
        let local = if gmail {
            // Everything from the first `+` up to the `@` is dropped.
            local
                .iter()
                .position(|&b| b == b'+')
                .and_then(|plus| local.get(..plus))
                .unwrap_or(local)
        } else {
            local
        };
        let local_len = local.iter().filter(|&&b| keep_local(b, gmail)).count();
        if local_len == 0 {
            return Err(IdentityError::InvalidEmail);
        }
        // Both terms are bounded by `input.len()`, so the sum cannot overflow; stay checked anyway.
        let len = local_len
            .checked_add(1)
            .and_then(|n| n.checked_add(domain.len()))
            .ok_or(IdentityError::InvalidEmail)?;
        Ok(Self {
            local,
            domain,
            gmail,
            len,
        })
    }

    /// Length in bytes of the normalized address.
    pub(super) const fn len(&self) -> usize {
        self.len
    }

    /// Feeds the normalized address to `sink`, one byte at a time, in order.
    pub(super) fn for_each_byte(&self, mut sink: impl FnMut(u8)) {
        let gmail = self.gmail;
        self.local
            .iter()
            .filter(|&&b| keep_local(b, gmail))
            .for_each(|&b| sink(b.to_ascii_lowercase()));
        sink(b'@');
        self.domain
            .iter()
            .for_each(|&b| sink(b.to_ascii_lowercase()));
    }

    /// Writes the normalized address into `out` (exactly [`Parsed::len`] bytes).
    ///
    /// The caller has checked that `out` is long enough; a shorter buffer only gets a prefix.
    fn write(&self, out: &mut [u8]) {
        let mut slots = out.iter_mut();
        self.for_each_byte(|b| {
            if let Some(slot) = slots.next() {
                *slot = b;
            }
        });
    }
}

/// `bytes` without its trailing U+0020 spaces.
fn trim_trailing_spaces(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .rposition(|&b| b != b' ')
        .map_or(0, |i| i.saturating_add(1));
    bytes.get(..end).unwrap_or_default()
}

/// The largest normalized length an email of `input_len` bytes can have.
///
/// Normalization only removes characters and lowercases ASCII letters in place, so a buffer of
/// the input's length is always large enough.
#[must_use]
pub const fn max_normalized_email_len(input_len: usize) -> usize {
    input_len
}

/// The length in bytes of the normalized form of `input`, without writing it.
///
/// # Errors
/// [`IdentityError::InvalidEmail`] when `input` is not a valid email (see [`normalize_email`]).
pub fn normalized_email_len(input: &str) -> Result<usize, IdentityError> {
    Parsed::new(input).map(|p| p.len())
}

/// Normalizes an email address into `out` and returns the number of bytes written.
///
/// The rules are the operator's, so that a hash computed here equals the one the operator
/// computes from the same raw address:
///
/// * only ASCII `A`–`Z` are lowercased; every other character is kept as is;
/// * every U+0020 space before the `@` is removed, and trailing spaces after it; other
///   whitespace (tabs, newlines, no-break spaces) is kept;
/// * for the domain `gmail.com` (exactly, after lowercasing), dots in the local part and
///   everything from the first `+` up to the `@` are removed; other domains keep both;
/// * the domain itself is not validated (`a@b` is valid).
///
/// The output is valid UTF-8. It is never longer than the input
/// ([`max_normalized_email_len`]); [`normalized_email_len`] gives the exact length.
///
/// # Errors
/// * [`IdentityError::InvalidEmail`] when there is no `@`, a second `@`, nothing but spaces after
///   the `@`, or an empty local part once the rules above are applied (e.g. `+x@gmail.com`).
/// * [`IdentityError::BufferTooSmall`] when `out` is shorter than the normalized address; `out`
///   is left untouched.
pub fn normalize_email(input: &str, out: &mut [u8]) -> Result<usize, IdentityError> {
    let parsed = Parsed::new(input)?;
    let len = parsed.len();
    let dst = out
        .get_mut(..len)
        .ok_or(IdentityError::BufferTooSmall { required: len })?;
    parsed.write(dst);
    Ok(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, want: Option<&str>) {
        let mut out = [0u8; 128];
        let got = normalize_email(input, &mut out).ok().map(|n| &out[..n]);
        assert_eq!(got, want.map(str::as_bytes), "{input:?}");
    }

    #[test]
    fn spec_rules() {
        check("   USER@EXAMPLE.COM   ", Some("user@example.com"));
        check("us er@example.com", Some("user@example.com"));
        check("test@ example.com", Some("test@ example.com"));
        check("test@exa mple.com ", Some("test@exa mple.com"));
        check("A.B+c.d@GMail.Com", Some("ab@gmail.com"));
        check("a.b+c@googlemail.com", Some("a.b+c@googlemail.com"));
        check("+@example.com", Some("+@example.com"));
        check("\u{130}X@b", Some("\u{130}x@b"));
        for bad in [
            "",
            "@",
            " @",
            "a@",
            "a@   ",
            "@b",
            "a@b@c",
            "+x@gmail.com",
            ".@gmail.com",
            "x",
        ] {
            check(bad, None);
        }
    }

    #[test]
    fn short_buffer_is_untouched() {
        let mut out = [7u8; 4];
        assert_eq!(
            normalize_email("user@example.com", &mut out),
            Err(IdentityError::BufferTooSmall { required: 16 })
        );
        assert_eq!(out, [7u8; 4]);
        assert_eq!(normalized_email_len(" A@b "), Ok(3));
    }
}
