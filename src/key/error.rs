use core::fmt;

/// Why a key-set document or key-set construction was rejected.
///
/// A rejected document is never partially loaded: callers keep using the key set they had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeySetError {
    /// The document is not valid JSON, or a value has a structure no field accepts.
    Json {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
    },
    /// The document has no `body` object.
    MissingBody,
    /// `body` is an array: the retired `/key/latest` format, which is not supported.
    LegacyArrayBody,
    /// A required field is missing or null. `index` is the position in `keys` or `site_data`.
    MissingField {
        /// The field's JSON name.
        field: &'static str,
        /// Position of the entry in its array, for fields of `keys` or `site_data` entries.
        index: Option<usize>,
    },
    /// A field has the wrong type or an out-of-range value (a key secret that is not standard
    /// base64 of 32 bytes, an integer that is neither a number nor a decimal string, ...).
    InvalidField {
        /// The field's JSON name.
        field: &'static str,
        /// Position of the entry in its array, for fields of `keys` or `site_data` entries.
        index: Option<usize>,
    },
    /// More keys than a fixed-capacity key set holds (build without `alloc`).
    TooManyKeys,
    /// More sites than a fixed-capacity key set holds (build without `alloc`).
    TooManySites,
    /// The crypto library could not prepare the cipher of a key (with the `aws-lc` feature,
    /// when AWS-LC cannot allocate). The document itself may be fine; retry later.
    CipherSetup {
        /// The key's id.
        key_id: i64,
    },
}

impl fmt::Display for KeySetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Json { line, column } => {
                write!(
                    f,
                    "key set document is not valid JSON (line {line}, column {column})"
                )
            }
            Self::MissingBody => f.write_str("key set document has no body object"),
            Self::LegacyArrayBody => {
                f.write_str("key set body is an array (retired /key/latest format)")
            }
            Self::MissingField {
                field,
                index: Some(i),
            } => {
                write!(f, "key set entry {i} is missing required field `{field}`")
            }
            Self::MissingField { field, index: None } => {
                write!(f, "key set is missing required field `{field}`")
            }
            Self::InvalidField {
                field,
                index: Some(i),
            } => {
                write!(f, "key set entry {i} has an invalid `{field}`")
            }
            Self::InvalidField { field, index: None } => {
                write!(f, "key set has an invalid `{field}`")
            }
            Self::TooManyKeys => f.write_str("key set has more keys than this build can hold"),
            Self::TooManySites => f.write_str("key set has more sites than this build can hold"),
            Self::CipherSetup { key_id } => {
                write!(
                    f,
                    "the crypto library could not prepare the cipher of key {key_id}"
                )
            }
        }
    }
}

impl core::error::Error for KeySetError {}
