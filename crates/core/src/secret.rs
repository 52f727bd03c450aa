//! Secrets: how they are stored in a parameter, and the keys they become.
//!
//! A parameter holds one secret per line, optionally with the time it stops being accepted:
//!
//! ```text
//! whsec_newSecretBase64...
//! whsec_oldSecretBase64... expires=2026-11-23T10:00:00Z
//! ```
//!
//! so that `hookway secrets rotate` can keep the previous secret valid for a grace period while a
//! sender switches. A secret never appears in `Debug` output or logs.

use std::fmt;
use std::time::{Duration, UNIX_EPOCH};

use hmac::{Hmac, Mac as _};
use sha2::Sha256;

/// A secret prepared for signing and verifying: the HMAC key schedule is computed once, when the
/// secret is loaded, not on every request.
#[derive(Clone)]
pub struct SigningKey {
    mac: Hmac<Sha256>,
    expires_at: Option<i64>,
}

/// Why a secret cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The secret is empty.
    #[error("the secret is empty")]
    Empty,
    /// The secret is not of the scheme's form.
    #[error("malformed secret: {0}")]
    Malformed(&'static str),
    /// The `expires=` of a stored secret is not an RFC 3339 time.
    #[error("malformed expiry `{0}`: expected expires=<RFC 3339 time>, e.g. expires=2026-11-23T10:00:00Z")]
    BadExpiry(String),
}

impl SigningKey {
    /// A key from raw key bytes, accepted until `expires_at` (Unix seconds) if given.
    pub fn new(key: &[u8], expires_at: Option<i64>) -> Result<SigningKey, KeyError> {
        if key.is_empty() {
            return Err(KeyError::Empty);
        }
        let mac = Hmac::<Sha256>::new_from_slice(key).map_err(|_| KeyError::Empty)?;
        Ok(SigningKey { mac, expires_at })
    }

    /// Whether the key is accepted at Unix time `now`.
    pub fn is_active(&self, now: i64) -> bool {
        self.expires_at.is_none_or(|expires_at| now <= expires_at)
    }

    /// When the key stops being accepted, in Unix seconds.
    pub fn expires_at(&self) -> Option<i64> {
        self.expires_at
    }

    /// A MAC keyed with this secret, ready for the signed bytes.
    pub(crate) fn start(&self) -> Hmac<Sha256> {
        self.mac.clone()
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey").field("secret", &"<redacted>").field("expires_at", &self.expires_at).finish()
    }
}

/// One line of a stored parameter.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredSecret<'a> {
    /// The secret itself.
    pub secret: &'a str,
    /// When it stops being accepted, in Unix seconds.
    pub expires_at: Option<i64>,
}

impl fmt::Debug for StoredSecret<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredSecret").field("secret", &"<redacted>").field("expires_at", &self.expires_at).finish()
    }
}

/// Reads a parameter's value: one secret per line, blank lines ignored.
pub fn parse_parameter(value: &str) -> Result<Vec<StoredSecret<'_>>, KeyError> {
    value
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| match line.split_once(char::is_whitespace) {
            None => Ok(StoredSecret { secret: line, expires_at: None }),
            Some((secret, rest)) => {
                let expiry = rest.trim();
                let time = expiry.strip_prefix("expires=").ok_or_else(|| KeyError::BadExpiry(expiry.to_owned()))?;
                let time = humantime::parse_rfc3339_weak(time).map_err(|_| KeyError::BadExpiry(expiry.to_owned()))?;
                let seconds = time.duration_since(UNIX_EPOCH).map_err(|_| KeyError::BadExpiry(expiry.to_owned()))?;
                let seconds = i64::try_from(seconds.as_secs()).map_err(|_| KeyError::BadExpiry(expiry.to_owned()))?;
                Ok(StoredSecret { secret, expires_at: Some(seconds) })
            }
        })
        .collect()
}

/// Writes secrets in the form [`parse_parameter`] reads.
pub fn format_parameter(secrets: &[StoredSecret<'_>]) -> String {
    let lines: Vec<String> = secrets
        .iter()
        .map(|stored| match stored.expires_at.and_then(|seconds| u64::try_from(seconds).ok()) {
            Some(seconds) => {
                let at = UNIX_EPOCH + Duration::from_secs(seconds);
                format!("{} expires={}", stored.secret, humantime::format_rfc3339_seconds(at))
            }
            None => stored.secret.to_owned(),
        })
        .collect();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parameter_holds_one_secret_per_line_with_optional_expiry() {
        let secrets = parse_parameter("new-secret\n\n  old-secret expires=2026-11-23T10:00:00Z \n").unwrap();
        assert_eq!(
            secrets,
            [
                StoredSecret { secret: "new-secret", expires_at: None },
                StoredSecret { secret: "old-secret", expires_at: Some(1_795_428_000) },
            ]
        );
        assert_eq!(parse_parameter(&format_parameter(&secrets)).unwrap(), secrets, "round trip");
    }

    #[test]
    fn a_malformed_expiry_is_refused_with_the_form_expected() {
        let error = parse_parameter("secret until=tomorrow").unwrap_err();
        assert!(error.to_string().contains("expected expires=<RFC 3339 time>"), "{error}");
        assert!(!error.to_string().contains("secret until"), "the secret itself is not repeated: {error}");
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let key = SigningKey::new(b"hunter2", None).unwrap();
        let stored = StoredSecret { secret: "hunter2", expires_at: None };
        for debug in [format!("{key:?}"), format!("{stored:?}")] {
            assert!(!debug.contains("hunter2") && debug.contains("<redacted>"), "{debug}");
        }
    }

    #[test]
    fn an_empty_secret_is_refused() {
        assert_eq!(SigningKey::new(b"", None).unwrap_err(), KeyError::Empty);
    }

    #[test]
    fn a_key_is_active_until_it_expires() {
        let key = SigningKey::new(b"k", Some(100)).unwrap();
        assert!(key.is_active(100));
        assert!(!key.is_active(101));
        assert!(SigningKey::new(b"k", None).unwrap().is_active(i64::MAX));
    }
}
