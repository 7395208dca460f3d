//! `uid2 operator serve`: the local operator of `uid2-local-operator`, as a subcommand.

use std::io::Write as _;

use serde_json::json;
use uid2::IdentityScope;
use uid2_local_operator::{LocalOperator, LocalOperatorConfig};

use crate::config::{ENV_API_KEY, ENV_BASE_URL, ENV_SECRET_KEY, Settings};
use crate::error::CliError;

pub(crate) fn serve(
    settings: &Settings<'_>,
    port: u16,
    euid: bool,
    opt_out: Vec<String>,
) -> Result<(), CliError> {
    let mut config = LocalOperatorConfig::default();
    config.port = port;
    if euid {
        config.scope = IdentityScope::Euid;
    }
    config.opt_out = opt_out;
    let operator = LocalOperator::start_blocking(config).map_err(|e| {
        CliError::failure(format!(
            "cannot start the local operator on port {port}: {e}"
        ))
        .hint("pick another --port, or --port 0 for any free one")
    })?;
    let text = if settings.global.json {
        format!(
            "{}\n",
            json!({
                "base_url": operator.base_url(),
                "api_key": operator.api_key(),
                "client_secret": operator.client_secret(),
                "site_id": operator.site_id(),
                "identity_scope": operator.config().scope.as_str(),
            })
        )
    } else {
        format!(
            "UID2 local operator listening on {url} ({scope})\n\
             test credentials (public values, for this local operator only):\n\
             \n  export {ENV_BASE_URL}={url}\n  export {ENV_API_KEY}='{key}'\n  export {ENV_SECRET_KEY}='{secret}'\n\n\
             site id {site}; press Ctrl-C to stop\n",
            url = operator.base_url(),
            scope = operator.config().scope.as_str(),
            key = operator.api_key(),
            secret = operator.client_secret(),
            site = operator.site_id(),
        )
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| CliError::failure(format!("cannot write to standard output: {e}")))?;
    drop(out);
    // Serve until the process is stopped (Ctrl-C ends it; the operator keeps nothing on disk).
    loop {
        std::thread::park();
    }
}
