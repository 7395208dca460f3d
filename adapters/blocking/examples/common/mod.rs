//! Shared by the examples: the operator configuration from the environment.

use uid2_blocking::ClientConfig;

/// The operator configuration from `UID2_BASE_URL`, `UID2_API_KEY` and `UID2_SECRET_KEY`.
pub(crate) fn config_from_env() -> Option<ClientConfig> {
    let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
    let (Some(base_url), Some(api_key), Some(secret)) = (
        var("UID2_BASE_URL"),
        var("UID2_API_KEY"),
        var("UID2_SECRET_KEY"),
    ) else {
        eprintln!(
            "set UID2_BASE_URL (e.g. https://operator-integ.uidapi.com), UID2_API_KEY and UID2_SECRET_KEY to run this example against an operator"
        );
        return None;
    };
    match ClientConfig::new(&base_url, &api_key, &secret) {
        Ok(config) => Some(config),
        Err(e) => {
            eprintln!("unusable credentials: {e}");
            None
        }
    }
}
