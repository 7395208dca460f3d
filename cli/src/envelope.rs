//! `uid2 envelope`: the request and response scripts of the operator's v2 documentation, with
//! the same input and the same output, built on the core's envelope code.

use std::io::{self, Read as _};

use uid2::envelope::{
    self, BodyEncoding, ClientSecret, RefreshResponseKey, open_refresh_response,
    open_response_unverified, seal_request,
};
use uid2_blocking::OsRandom;
use zeroize::Zeroizing;

use crate::args::{DecryptResponseArgs, EncryptRequestArgs};
use crate::config::{self, Settings};
use crate::error::{CliError, Exit};
use crate::output::{self, nonce_number, python_local};
use crate::pyjson;

fn read_stdin(what: &str) -> Result<Zeroizing<Vec<u8>>, CliError> {
    let mut bytes = Zeroizing::new(Vec::new());
    io::stdin().read_to_end(&mut bytes).map_err(|e| {
        CliError::failure(format!("cannot read the {what} from standard input: {e}"))
    })?;
    Ok(bytes)
}

fn bad_secret(e: &envelope::EnvelopeError) -> CliError {
    CliError::new(Exit::Credentials, format!("the secret cannot be used: {e}"))
        .hint("pass the client secret (or, with --is-refresh, the refresh_response_key) as standard base64")
}

/// `encrypt_request.py`: stdin (the JSON request, byte for byte) into the base64 envelope on
/// stdout (followed by an empty line, as the script prints), the timestamp and nonce on stderr.
pub(crate) fn encrypt_request(
    settings: &Settings<'_>,
    args: &EncryptRequestArgs,
) -> Result<(), CliError> {
    let secret = settings.secret(args.secret.secret.as_deref())?;
    let secret = ClientSecret::from_base64(&secret).map_err(|e| bad_secret(&e))?;
    let payload = read_stdin("request")?;
    let len = envelope::sealed_body_len(payload.len(), BodyEncoding::Text)
        .ok_or_else(|| CliError::failure("the request is too large to seal"))?;
    let mut body = vec![0u8; len];
    let now = config::now();
    let (written, pending) = seal_request(
        &secret,
        now,
        &mut OsRandom,
        &payload,
        BodyEncoding::Text,
        &mut body,
    )
    .map_err(|e| CliError::failure(format!("cannot seal the request: {e}")))?;
    body.truncate(written);
    let text =
        String::from_utf8(body).map_err(|_| CliError::failure("the sealed request is not text"))?;
    let nonce = nonce_number(pending.nonce());
    if settings.global.json {
        return output::print_json(&serde_json::json!({
            "envelope": text,
            "timestamp": now.as_millis(),
            "nonce": nonce,
        }));
    }
    if !settings.global.quiet {
        eprintln!("Request timestamp: {}", python_local(now));
        eprintln!("Request nonce: {nonce}");
        eprintln!();
    }
    output::print_text(&format!("{text}\n\n"))
}

/// `decrypt_response.py [--is-refresh]`: an error reply (JSON) is printed as is; an envelope is
/// opened and its JSON printed as Python's `json.dumps(…, indent=4)`.
pub(crate) fn decrypt_response(
    settings: &Settings<'_>,
    args: &DecryptResponseArgs,
) -> Result<(), CliError> {
    let secret = settings.secret(args.secret.secret.as_deref())?;
    let mut body = read_stdin("response")?;
    // A reply that is JSON is an error reply: the operator encrypts only HTTP 200 replies.
    if let Ok(error) = pyjson::parse(&body) {
        let status = match &error {
            pyjson::PyValue::Object(members) => members
                .iter()
                .find(|(k, _)| k == "status")
                .and_then(|(_, v)| match v {
                    pyjson::PyValue::Str(s) => Some(s.clone()),
                    _ => None,
                }),
            _ => None,
        };
        if settings.global.json {
            output::print_json(&serde_json::json!({
                "error_response": serde_json::from_slice::<serde_json::Value>(&body).unwrap_or_default(),
            }))?;
        } else {
            output::print_text(&format!("\nError response:\n{}\n", pyjson::dumps(&error)))?;
        }
        let exit = if status.as_deref() == Some("unauthorized") {
            Exit::Credentials
        } else {
            Exit::Failure
        };
        return Err(CliError::new(
            exit,
            format!(
                "the operator answered with an error{}",
                status.map(|s| format!(" ({s})")).unwrap_or_default()
            ),
        ));
    }
    let (timestamp, nonce, document) = if args.is_refresh {
        let key = RefreshResponseKey::from_base64(secret.trim()).map_err(|e| bad_secret(&e))?;
        let document = open_refresh_response(&key, 200, &mut body).map_err(|e| {
            CliError::new(Exit::Credentials, format!("cannot open the reply: {e}"))
                .hint("pass the refresh_response_key returned with the refresh token that was sent")
        })?;
        (None, None, document.to_vec())
    } else {
        let secret = ClientSecret::from_base64(secret.trim()).map_err(|e| bad_secret(&e))?;
        let opened = open_response_unverified(&secret, BodyEncoding::Text, &mut body).map_err(|e| {
            CliError::new(Exit::Credentials, format!("cannot open the reply: {e}")).hint(
                "check the client secret; a /v2/token/refresh reply needs --is-refresh and its refresh_response_key",
            )
        })?;
        (
            Some(opened.server_time()),
            Some(nonce_number(opened.nonce())),
            opened.document().to_vec(),
        )
    };
    let document = Zeroizing::new(document);
    let value = pyjson::parse(&document).map_err(|e| {
        CliError::failure(format!(
            "the reply opened, but its content is not JSON: {e}"
        ))
    })?;
    if settings.global.json {
        return output::print_json(&serde_json::json!({
            "timestamp": timestamp.map(uid2::Timestamp::as_millis),
            "nonce": nonce,
            "response": serde_json::from_slice::<serde_json::Value>(&document).unwrap_or_default(),
        }));
    }
    let mut text = String::from("\n");
    if let (Some(t), Some(n)) = (timestamp, nonce) {
        text.push_str(&format!(
            "Response timestamp: {}\nResponse nonce: {n}\n",
            python_local(t)
        ));
    }
    text.push_str("Response JSON:\n");
    text.push_str(&pyjson::dumps(&value));
    text.push_str("\n\n");
    output::print_text(&text)
}
