//! [Standard Webhooks](https://www.standardwebhooks.com) signatures on forwarded requests, so a
//! destination can prove a request came from Hookway with any Standard Webhooks library:
//! `webhook-id` (the event id), `webhook-timestamp` (Unix seconds, per attempt) and
//! `webhook-signature`, a space-separated list with one `v1,<base64 HMAC-SHA256>` of
//! `{id}.{timestamp}.{body}` per active secret. During a rotation (`hookway secrets rotate`) the
//! parameter holds the new secret and the old one until it expires: both sign, so a destination
//! holding either verifies.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD as BASE64, STANDARD_NO_PAD};
use hmac::{Hmac, Mac as _};
use hookway_core::secret::parse_parameter;
use sha2::Sha256;

use crate::secrets::Secret;

/// The keys of the secrets active at `now` in these parameter values, and what was wrong with the
/// others (never the secret itself).
pub fn active_keys<'s>(values: impl IntoIterator<Item = &'s Secret>, now: i64) -> (Vec<Hmac<Sha256>>, Vec<String>) {
    let mut keys = Vec::new();
    let mut problems = Vec::new();
    for value in values {
        match parse_parameter(value.expose()) {
            Ok(secrets) => {
                for secret in secrets.iter().filter(|secret| secret.expires_at.is_none_or(|at| now <= at)) {
                    match key(&secret.value) {
                        Some(key) => keys.push(key),
                        None => problems.push("a signing secret is not `whsec_` followed by base64".to_owned()),
                    }
                }
            }
            Err(error) => problems.push(error.to_string()),
        }
    }
    (keys, problems)
}

/// A `whsec_` secret's key (the prefix is optional, as in the specification's libraries).
fn key(secret: &str) -> Option<Hmac<Sha256>> {
    let encoded = secret.strip_prefix("whsec_").unwrap_or(secret);
    let bytes = BASE64.decode(encoded).or_else(|_| STANDARD_NO_PAD.decode(encoded)).ok()?;
    if bytes.is_empty() {
        return None;
    }
    Hmac::<Sha256>::new_from_slice(&bytes).ok()
}

/// The `webhook-signature` value: one `v1,` entry per key, over `{id}.{timestamp}.{body}`.
pub fn signature(keys: &[Hmac<Sha256>], id: &str, timestamp: i64, body: &[u8]) -> String {
    let timestamp = timestamp.to_string();
    let mut header = String::with_capacity(keys.len() * 48);
    for key in keys {
        let mut mac = key.clone();
        for part in [id.as_bytes(), b".", timestamp.as_bytes(), b".", body] {
            mac.update(part);
        }
        if !header.is_empty() {
            header.push(' ');
        }
        header.push_str("v1,");
        header.push_str(&BASE64.encode(mac.finalize().into_bytes()));
    }
    header
}

#[cfg(test)]
mod tests {
    use super::*;

    // The Standard Webhooks libraries' own test vector (python, go).
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn secret(value: &str) -> Secret {
        Secret::from(value.to_owned())
    }

    #[test]
    fn it_signs_the_published_vector() {
        let (keys, problems) = active_keys([&secret(SECRET)], 0);
        assert!(problems.is_empty());
        let header = signature(&keys, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, br#"{"test": 2432232314}"#);
        assert_eq!(header, SIGNATURE);
    }

    #[test]
    fn every_active_secret_of_a_rotation_signs_and_expired_ones_do_not() {
        let rotation = secret(&format!(
            r#"{{"secrets": [{{"value": "whsec_AAAAAAAAAAAAAAAAAAAAAA=="}}, {{"value": "{SECRET}", "expiresAt": "2026-11-23T10:00:00Z"}}]}}"#
        ));
        let during = 1_795_428_000;
        let (keys, _) = active_keys([&rotation], during);
        let header = signature(&keys, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, br#"{"test": 2432232314}"#);
        assert_eq!(header.split(' ').count(), 2, "{header}");
        assert!(header.ends_with(SIGNATURE), "{header}");
        let (keys, _) = active_keys([&rotation], during + 1);
        assert_eq!(keys.len(), 1, "the old secret has expired");
    }

    #[test]
    fn a_malformed_secret_is_named_without_its_value() {
        let (keys, problems) = active_keys([&secret("whsec_not base64!")], 0);
        assert!(keys.is_empty());
        assert_eq!(problems, ["a signing secret is not `whsec_` followed by base64"]);
    }
}
