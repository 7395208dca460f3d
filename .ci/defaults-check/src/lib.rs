//! The core's defaults, as a user depending on `uid2` with `features = ["std"]` gets them.
//!
//! Fixed-byte randomness is test-only: without the `test-tokens` feature it does not exist.
//!
//! ```compile_fail
//! let _ = uid2::random::ReplayRandom::new(&[0; 12]);
//! ```
//!
//! Nor does the token builder:
//!
//! ```compile_fail
//! use uid2::token::TokenBuilder;
//! ```
//!
//! The same lines compile once the module path is right, so the failures above are about the
//! feature and not a typo:
//!
//! ```
//! use uid2::random::SecureRandom as _;
//! use uid2::token::DecryptStatus as _;
//! ```

#[cfg(test)]
mod tests {
    use uid2::token::{ClientType, DecryptStatus};
    use uid2::{DecryptError, KeySet, Timestamp};

    /// A v2 token of the official Python SDK's vectors (`v2_uid2_email_bidstream_success`),
    /// with its key set. With the `legacy-v2` feature it decrypts.
    const KEYS: &str = r#"{"body":{"max_bidstream_lifetime_seconds":259200,"identity_scope":"UID2",
        "allow_clock_skew_seconds":1800,"keys":[
        {"id":101,"created":1714651200,"activates":1716379200,"expires":1719835200,"secret":"pmONL2/OfWYYh48VmragfXkop72og/YLtmHdg/2Qovo="},
        {"id":201,"created":1714651200,"activates":1716379200,"expires":1719835200,"secret":"W4iuKNCuUjJXsAs/rtz9rsgt6INwdRbWMzpzGovIVqY="}],
        "site_data":[{"id":9000,"domain_names":["example.com"]}]},"status":"success"}"#;
    const V2_TOKEN: &str = "AgAAAGVmQhKQWa8FWBjVmTQ4jDwhaOwOhWE/ec7N54LroWFjQj88MnvpWWQOJV1Ff1sXvRJ6LvO0dJU3BZ6RnfdkJnpPSlDVvt5c8Fa4t3kpXR827D7N5iGc37iWYz5Ca++cetezOj5sxQZ6jcaWsVkYDEkdiMesshhagJFtiJcfoGz0HA==";
    const NOW: Timestamp = Timestamp::from_millis(1_717_243_200_000);

    #[test]
    fn v2_tokens_are_refused_by_default() {
        let keys = KeySet::parse(KEYS.as_bytes()).unwrap();
        for client in [ClientType::Bidstream, ClientType::Sharing] {
            let err = keys.decrypt(V2_TOKEN, client, None, NOW).unwrap_err();
            assert_eq!(err, DecryptError::VersionNotSupported);
            assert_eq!(err.as_status(), DecryptStatus::VersionNotSupported);
        }
    }
}
