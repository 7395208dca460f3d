//! `/v2/token/client-generate` (client-side token generation) and `/v2/token/validate`.

use serde_json::{Map, Value, json};
use uid2::identity::{hashed_email, hashed_phone};
use uid2::operator::client_side::server::{
    ClientSideRequestBody, ServerKeyPair, is_app_name_allowed, is_origin_allowed,
};
use uid2::token::ClientType;
use uid2::{KeySet, Timestamp};

use super::{Client, ConfigError, Operator, PRIVACY_BITS_CLIENT_SIDE, Reply, Request, success};
use crate::config::LocalOperatorConfig;
use crate::derive::{Subject, digest};
use crate::random::OsRandom;

/// The environment letter of the local operator's public keys (`UID2-X-L-…`).
const ENVIRONMENT: char = 'L';

/// One client-side key pair and what it is for.
pub(crate) struct Keypair {
    pub(crate) subscription_id: String,
    pub(crate) site_id: i32,
    pub(crate) disabled: bool,
    pub(crate) pair: ServerKeyPair,
}

/// The configured key pairs, each derived from the seed and its subscription id.
pub(crate) fn keypairs(config: &LocalOperatorConfig) -> Result<Vec<Keypair>, ConfigError> {
    let mut out = Vec::new();
    for k in &config.client_side_keypairs {
        let id = k.subscription_id.trim();
        if id.is_empty() || out.iter().any(|o: &Keypair| o.subscription_id == id) {
            return Err(ConfigError(
                "client-side subscription ids must be non-empty and distinct".into(),
            ));
        }
        // A digest is a valid P-256 scalar but with negligible probability; try the next one.
        let pair = (0u8..=255)
            .find_map(|n| {
                let secret = digest(
                    &config.seed,
                    &[b"client-side key pair", id.as_bytes(), &[n]],
                );
                ServerKeyPair::from_secret_bytes(config.scope, ENVIRONMENT, &secret).ok()
            })
            .ok_or_else(|| ConfigError("no client-side key pair could be derived".into()))?;
        out.push(Keypair {
            subscription_id: id.into(),
            site_id: k.site_id,
            disabled: k.disabled,
            pair,
        });
    }
    Ok(out)
}

impl Operator {
    /// The first client-side key pair: its subscription id and public key text.
    pub(crate) fn first_client_side(&self) -> Option<(&str, &str)> {
        self.client_side
            .first()
            .map(|k| (k.subscription_id.as_str(), k.pair.public_key().as_str()))
    }

    /// The names registered for `site_id`.
    fn site_names(&self, site_id: i32) -> &[String] {
        self.sites
            .iter()
            .find(|&&(id, _, _)| id == i64::from(site_id))
            .map_or(&[], |(_, _, names)| names.as_slice())
    }

    /// `POST /v2/token/client-generate`, checked in the operator's order.
    pub(super) fn client_generate(&self, req: &Request<'_>, now: Timestamp) -> Reply {
        let client_error = |message: &str| Reply::error(400, "client_error", message);
        let body = match ClientSideRequestBody::parse(req.body) {
            Ok(b) => b,
            Err(e) => return client_error(e.message()),
        };
        let Some(keypair) = body
            .subscription_id()
            .and_then(|id| self.client_side.iter().find(|k| k.subscription_id == id))
        else {
            return client_error("bad subscription_id");
        };
        if keypair.disabled {
            return Reply::error(401, "unauthorized", "Unauthorized");
        }
        if self.config.check_client_side_origin {
            let names = || self.site_names(keypair.site_id).iter().map(String::as_str);
            match body.app_name() {
                Some(app) if !is_app_name_allowed(app, names()) => {
                    return Reply::error(403, "invalid_app_name", "unexpected app name");
                }
                Some(_) => {}
                None if !req.origin.is_some_and(|o| is_origin_allowed(o, names())) => {
                    return Reply::error(403, "invalid_http_origin", "unexpected http origin");
                }
                None => {}
            }
        }
        let opened = match body.open(&keypair.pair) {
            Ok(o) => o,
            Err(e) => return client_error(e.message()),
        };
        let Ok(payload) = serde_json::from_slice::<Map<String, Value>>(opened.payload()) else {
            return client_error("encrypted payload contains invalid json");
        };
        let text = |name| payload.get(name).and_then(Value::as_str);
        let hash = match (text("email_hash"), text("phone_hash")) {
            (Some(h), None) => hashed_email(h),
            (None, Some(h)) => hashed_phone(h),
            _ => return client_error("please provide exactly one of: email_hash, phone_hash"),
        };
        let Some(subject) = hash
            .ok()
            .and_then(|h| Subject::from_hash_text(h.kind(), h.as_str()))
        else {
            return client_error("Invalid Identifier");
        };
        let document = if self.generate_optout.contains(&subject)
            || self.is_opted_out(subject).is_some()
        {
            json!({"status": "optout"})
        } else {
            match self.issue_identity(subject, keypair.site_id, now, now, PRIVACY_BITS_CLIENT_SIDE)
            {
                Ok(identity) => success(identity),
                Err(reply) => return reply,
            }
        };
        let doc = document.to_string().into_bytes();
        match opened.seal_response(&doc, &mut OsRandom) {
            Ok(body) => Reply {
                status: 200,
                content_type: "text/plain",
                body,
            },
            Err(_) => Reply::error(500, "unknown", "failed to seal the response"),
        }
    }

    /// `POST /v2/token/validate`: whether `token` was issued for the identity in the payload.
    /// Tokens of another site are refused; so are tokens this operator cannot decrypt now
    /// (expired ones included: the real operator does not look at the expiry).
    pub(super) fn token_validate(
        &self,
        client: &Client,
        payload: &Map<String, Value>,
        now: Timestamp,
    ) -> Result<Value, Reply> {
        let (subject, _) = Self::generate_subject(payload)?;
        let invalid = || Reply::error(400, "client_error", "Invalid token");
        let token = payload
            .get("token")
            .and_then(Value::as_str)
            .ok_or_else(invalid)?;
        let document = json!({"body": self.bidstream_body(now), "status": "success"});
        let keys = KeySet::parse(document.to_string().as_bytes()).map_err(|_| invalid())?;
        #[allow(
            deprecated,
            reason = "the operator's validate endpoint checks neither lifetime nor domain"
        )]
        let decrypted = keys
            .decrypt(token, ClientType::Legacy, None, now)
            .map_err(|_| invalid())?;
        if decrypted.site_id() != client.site_id {
            return Err(Reply::error(
                400,
                "client_error",
                "Unauthorised to validate token",
            ));
        }
        let expected = self.salt.map(subject, now).raw_uid;
        Ok(success(Value::Bool(decrypted.uid().as_str() == expected)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_pairs_are_deterministic_and_distinct() {
        let mut config = LocalOperatorConfig::default();
        let a = keypairs(&config).unwrap();
        let b = keypairs(&config).unwrap();
        assert_eq!(a[0].pair.public_key(), b[0].pair.public_key());
        assert!(a[0].pair.public_key().as_str().starts_with("UID2-X-L-"));
        config
            .client_side_keypairs
            .push(crate::config::ClientSideKeypairConfig::new("other", 1000));
        let both = keypairs(&config).unwrap();
        assert_ne!(both[0].pair.public_key(), both[1].pair.public_key());
        config
            .client_side_keypairs
            .push(crate::config::ClientSideKeypairConfig::new(" other ", 1000));
        assert!(keypairs(&config).is_err());
    }
}
