//! No secret and no personal data (DII) shows up in any `Debug` or `Display` output of public
//! types and errors, as text, hex or base64.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "test code: a failed expectation panics"
)]

use base64::Engine as _;
use uid2::key::{KeyParams, KeySetBuilder, KeySetConfig};
use uid2::{Key, KeySet, Secret, Timestamp};

const KEY_SECRET_B64: &str = "iyXxrRJcJOilqBcSJsN7XKCIuShbraXdqBCppCaLCJs=";
const EMAIL: &str = "Jane.Doe+promo@Example.com";
const PHONE: &str = "+12345678901";

/// Every encoding in which a secret could leak.
fn forms(secret: &[u8]) -> Vec<String> {
    let hex_lower: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    vec![
        hex_lower.clone(),
        hex_lower.to_uppercase(),
        base64::engine::general_purpose::STANDARD.encode(secret),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret),
        format!("{secret:?}"),
    ]
}

fn assert_clean(what: &str, text: &str, secrets: &[Vec<u8>], dii: &[&str]) {
    for s in secrets {
        for form in forms(s) {
            assert!(
                !text.contains(&form),
                "{what} prints a secret ({form}): {text}"
            );
        }
    }
    for d in dii {
        assert!(
            !text.to_lowercase().contains(&d.to_lowercase()),
            "{what} prints personal data: {text}"
        );
    }
}

fn keys() -> KeySet {
    let doc = format!(
        r#"{{"body":{{"master_keyset_id":1,"default_keyset_id":2,"keys":[
        {{"id":1,"keyset_id":1,"created":1,"activates":1,"expires":4000000000,"secret":"{KEY_SECRET_B64}"}}]}}}}"#
    );
    KeySet::parse(doc.as_bytes()).unwrap()
}

#[test]
fn key_material_is_redacted() {
    let secret = base64::engine::general_purpose::STANDARD
        .decode(KEY_SECRET_B64)
        .unwrap();
    let keys = keys();
    let key: &Key = keys.key(1).unwrap();
    let own = Secret::new([0x5a; 32]);
    let built = Key::new(
        KeyParams {
            id: 2,
            keyset_id: None,
            site_id: None,
            created: Timestamp::UNIX_EPOCH,
            activates: Timestamp::UNIX_EPOCH,
            expires: Timestamp::UNIX_EPOCH,
        },
        own.clone(),
    )
    .unwrap();
    let mut builder = KeySetBuilder::new(KeySetConfig::default());
    builder.key(built.clone()).unwrap();
    let secrets = [secret, own.expose().to_vec()];
    for (what, text) in [
        ("KeySet", format!("{keys:?}")),
        ("Key", format!("{key:?}")),
        ("Key (built)", format!("{built:?}")),
        ("KeySetBuilder", format!("{builder:?}")),
        ("Secret", format!("{own:?}")),
        ("KeySet (alternate)", format!("{keys:#?}")),
    ] {
        assert_clean(what, &text, &secrets, &[]);
    }
    // The redaction is visible, not an empty string.
    assert!(format!("{key:?}").contains("<redacted>"));
}

#[test]
fn key_set_errors_name_fields_not_values() {
    let doc = format!(
        r#"{{"body":{{"keys":[{{"id":1,"created":1,"activates":1,"expires":2,"secret":"{KEY_SECRET_B64}x"}}]}}}}"#
    );
    let err = KeySet::parse(doc.as_bytes()).unwrap_err();
    let secret = base64::engine::general_purpose::STANDARD
        .decode(KEY_SECRET_B64)
        .unwrap();
    for text in [format!("{err:?}"), err.to_string()] {
        assert_clean("KeySetError", &text, std::slice::from_ref(&secret), &[]);
        assert!(!text.contains(KEY_SECRET_B64));
        assert!(text.contains("secret"), "the error names the field: {text}");
    }
}

#[test]
fn identity_errors_hold_no_dii() {
    for input in [EMAIL, "not an email @@", PHONE, "+1 234"] {
        for result in [
            uid2::identity::hash_email(input).map(|h| h.as_str().to_owned()),
            uid2::identity::hash_phone(input).map(|h| h.as_str().to_owned()),
        ] {
            let text = match &result {
                Ok(hash) => format!("{hash:?}"),
                Err(e) => format!("{e:?} {e}"),
            };
            assert_clean("identity", &text, &[], &[input]);
        }
    }
}

#[test]
fn gigya_credentials_are_redacted() {
    use uid2::gigya::{Credentials, GigyaSecret};
    let secret_b64 = "UnVzdC1HaWd5YS1wYXJ0bmVyLXNlY3JldC0wMDAx";
    let secret_bytes = base64::engine::general_purpose::STANDARD
        .decode(secret_b64)
        .unwrap();
    let secret = GigyaSecret::from_base64(secret_b64).unwrap();
    let creds = Credentials::partner_secret("3_api", GigyaSecret::from_base64(secret_b64).unwrap());
    for (what, text) in [
        ("GigyaSecret", format!("{secret:?}")),
        ("Credentials", format!("{creds:?}")),
    ] {
        assert_clean(what, &text, std::slice::from_ref(&secret_bytes), &[]);
        assert!(!text.contains(secret_b64), "{what} prints the secret text");
    }
}

#[test]
fn operator_credentials_and_messages_are_redacted() {
    use uid2::envelope::{ApiKey, ClientSecret, Credentials, RefreshResponseKey};
    use uid2::operator::IdentityTokens;
    use uid2::operator::key_refresh::{KeyEndpoint, KeyRefreshConfig, KeyRefresher};
    use uid2::operator::token_generate::TokenGenerateRequest;
    use uid2::random::ReplayRandom;

    let secret_b64 = "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=";
    let secret = base64::engine::general_purpose::STANDARD
        .decode(secret_b64)
        .unwrap();
    let api_key = "UID2-C-L-999-abcdefghijklmnopqrstuvwxyz0123456789";
    let refresh_key_b64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let refresh_key = base64::engine::general_purpose::STANDARD
        .decode(refresh_key_b64)
        .unwrap();
    let credentials = Credentials::from_strings(api_key, secret_b64).unwrap();
    let now = Timestamp::from_millis(1_700_000_000_000);
    let generate = TokenGenerateRequest::from_email(EMAIL).unwrap();
    let generate_raw = TokenGenerateRequest::from_email_unhashed(EMAIL);
    let (sealed, pending) = generate
        .seal(&credentials, now, &mut ReplayRandom::new(&[1; 20]))
        .unwrap();
    let identity = IdentityTokens::from_json_str(&format!(
        r#"{{"advertising_token":"AdvTokenText","refresh_token":"RefreshTokenText","identity_expires":1,"refresh_expires":2,"refresh_from":1,"refresh_response_key":"{refresh_key_b64}"}}"#
    ))
    .unwrap();
    let mut refresher = KeyRefresher::new(
        KeyEndpoint::Sharing,
        credentials.clone(),
        KeyRefreshConfig::default(),
        now,
    );
    let request = format!(
        "{:?}",
        refresher
            .poll_transmit(now, &mut ReplayRandom::new(&[2; 40]))
            .unwrap()
    );
    for (what, text) in [
        ("Credentials", format!("{credentials:?}")),
        (
            "ClientSecret",
            format!("{:?}", ClientSecret::from_base64(secret_b64).unwrap()),
        ),
        ("ApiKey", format!("{:?}", ApiKey::new(api_key).unwrap())),
        (
            "RefreshResponseKey",
            format!(
                "{:?}",
                RefreshResponseKey::from_base64(refresh_key_b64).unwrap()
            ),
        ),
        ("TokenGenerateRequest", format!("{generate:?}")),
        (
            "TokenGenerateRequest (unhashed)",
            format!("{generate_raw:?}"),
        ),
        ("SealedRequest", format!("{sealed:?}")),
        ("PendingTokenGenerate", format!("{pending:?}")),
        ("IdentityTokens", format!("{identity:?}")),
        ("KeyRefresher", format!("{refresher:?}")),
        ("key refresh request", request),
    ] {
        assert_clean(
            what,
            &text,
            &[secret.clone(), refresh_key.clone()],
            &[EMAIL],
        );
        for plain in [
            api_key,
            secret_b64,
            refresh_key_b64,
            "AdvTokenText",
            "RefreshTokenText",
        ] {
            assert!(!text.contains(plain), "{what} prints {plain}: {text}");
        }
    }
}

#[test]
fn client_side_and_validate_messages_are_redacted() {
    use uid2::operator::client_side::server::{ClientSideRequestBody, ServerKeyPair};
    use uid2::operator::client_side::{
        ClientSideCredentials, ClientSideError, ClientSideTokenGenerateRequest,
    };
    use uid2::operator::token_validate::TokenValidateRequest;
    use uid2::random::ReplayRandom;

    const TOKEN: &str = "A4AAAAsecretadvertisingtokentext";
    let server_secret = [0x3c; 32];
    let pair =
        ServerKeyPair::from_secret_bytes(uid2::IdentityScope::Uid2, 'L', &server_secret).unwrap();
    let hash = uid2::identity::hash_email(EMAIL).unwrap();
    let dii = [EMAIL, PHONE, hash.as_str(), TOKEN];
    let secrets = vec![server_secret.to_vec()];

    let credentials = ClientSideCredentials::with_key("sub", pair.public_key().clone()).unwrap();
    let request = ClientSideTokenGenerateRequest::from_email(EMAIL)
        .unwrap()
        .with_origin("https://example.com")
        .unwrap();
    let (http, pending) = request
        .seal(
            &credentials,
            Timestamp::from_millis(1),
            &mut ReplayRandom::new(&[9; 44]),
        )
        .unwrap();
    let body = ClientSideRequestBody::parse(http.body()).unwrap();
    let opened = body.open(&pair).unwrap();
    let validate = TokenValidateRequest::from_email(TOKEN, EMAIL).unwrap();
    let phone_request = ClientSideTokenGenerateRequest::from_phone(PHONE).unwrap();
    for (what, text) in [
        ("ServerKeyPair", format!("{pair:?}")),
        (
            "ClientSideTokenGenerateRequest",
            format!("{request:?} {phone_request:?}"),
        ),
        ("ClientSideRequest", format!("{http:?}")),
        ("PendingClientSideTokenGenerate", format!("{pending:?}")),
        ("ClientSideRequestBody", format!("{body:?}")),
        ("OpenedClientSideRequest", format!("{opened:?}")),
        ("TokenValidateRequest", format!("{validate:?}")),
        (
            "ClientSideError",
            format!(
                "{} {}",
                ClientSideError::InvalidOrigin,
                ClientSideError::InvalidServerPublicKey { reason: "x" }
            ),
        ),
    ] {
        assert_clean(what, &text, &secrets, &dii);
    }
}
