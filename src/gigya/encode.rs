//! The percent-encoding used in Gigya base strings and request bodies.

use alloc::string::String;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Every byte except the RFC 3986 unreserved characters `A-Z a-z 0-9 - . _ ~`.
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes `text` the way Gigya signatures need it.
///
/// The UTF-8 bytes of `text` are kept when they are `A-Z a-z 0-9 - . _ ~` and become `%XX` with
/// upper-case hex otherwise, so a space is `%20` (never `+`) and `*` is `%2A`.
#[must_use]
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_percent_encoded(&mut out, text);
    out
}

/// The length of the percent-encoding of `text`.
pub(crate) fn percent_encoded_len(text: &str) -> usize {
    utf8_percent_encode(text, NOT_UNRESERVED)
        .map(str::len)
        .sum()
}

/// Appends the percent-encoding of `text` to `out`.
pub(crate) fn push_percent_encoded(out: &mut String, text: &str) {
    out.extend(utf8_percent_encode(text, NOT_UNRESERVED));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_characters_are_encoded() {
        assert_eq!(
            percent_encode("!*'();:@&=+$,/?%#[] "),
            "%21%2A%27%28%29%3B%3A%40%26%3D%2B%24%2C%2F%3F%25%23%5B%5D%20"
        );
        assert_eq!(percent_encode("abc012_-.~"), "abc012_-.~");
        assert_eq!(percent_encode("Zoë 😀"), "Zo%C3%AB%20%F0%9F%98%80");
    }
}
