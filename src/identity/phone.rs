//! Phone number validation (E.164 as the operator checks it).

use super::IdentityError;

/// Fewest digits after the `+`.
pub const MIN_PHONE_DIGITS: usize = 10;
/// Most digits after the `+`.
pub const MAX_PHONE_DIGITS: usize = 15;

/// Checks that `input` is a normalized phone number: a `+` followed by 10 to 15 ASCII digits,
/// nothing else (no spaces, dashes or parentheses, no non-ASCII digits).
///
/// Phone numbers are never rewritten: a valid number is its own normalized form, and its hash is
/// taken over the input as given. Country codes are not checked.
///
/// # Errors
/// [`IdentityError::InvalidPhone`] when `input` does not have that shape.
pub fn validate_phone(input: &str) -> Result<(), IdentityError> {
    let digits = input
        .as_bytes()
        .strip_prefix(b"+")
        .ok_or(IdentityError::InvalidPhone)?;
    let count_ok = (MIN_PHONE_DIGITS..=MAX_PHONE_DIGITS).contains(&digits.len());
    if count_ok && digits.iter().all(u8::is_ascii_digit) {
        Ok(())
    } else {
        Err(IdentityError::InvalidPhone)
    }
}

/// Copies a valid phone number into `out` and returns its length (the normalized form of a
/// phone number is the input itself).
///
/// # Errors
/// * [`IdentityError::InvalidPhone`] as for [`validate_phone`].
/// * [`IdentityError::BufferTooSmall`] when `out` is shorter than the number; `out` is left
///   untouched.
pub fn normalize_phone(input: &str, out: &mut [u8]) -> Result<usize, IdentityError> {
    validate_phone(input)?;
    let len = input.len();
    out.get_mut(..len)
        .ok_or(IdentityError::BufferTooSmall { required: len })?
        .copy_from_slice(input.as_bytes());
    Ok(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        for ok in ["+1234567890", "+123456789012345", "+0000000000"] {
            assert_eq!(validate_phone(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "+",
            "+123456789",
            "+1234567890123456",
            "12345678901",
            " +1234567890",
            "+1 234 567 8901",
            "+1234567890+",
            "++1234567890",
            "+１２３４５６７８９０",
        ] {
            assert_eq!(
                validate_phone(bad),
                Err(IdentityError::InvalidPhone),
                "{bad}"
            );
        }
    }
}
