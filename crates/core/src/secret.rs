//! Secrets: how they are stored in a parameter, and the keys they become.
//!
//! A parameter's value is the secret itself, exactly as stored (a GitHub secret may contain
//! spaces). During a rotation it holds several, each with an optional time it stops being accepted:
//!
//! ```json
//! {"secrets": [{"value": "whsec_new..."}, {"value": "whsec_old...", "expiresAt": "2026-11-23T10:00:00Z"}]}
//! ```
//!
//! so that `hookway secrets rotate` can keep the previous secret valid for a grace period while a
//! sender switches. A secret never appears in `Debug` output or logs; the keys a secret becomes
//! ([`Key`]) are the catalog's. [`generate`] makes a fresh one in the form a provider shows it
//! (`hookway secrets put`, and the local stack's first run).

use std::fmt;

use serde::{Deserialize, Serialize};

use hookway_providers::key::{self, Generated};
use hookway_providers::providers::standard_webhooks;
pub use hookway_providers::{Key, KeyError};

use crate::config::{ParameterUse, SchemeName};

/// One secret of a stored parameter.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StoredSecret {
    /// The secret itself.
    pub value: String,
    /// When it stops being accepted, in Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "rfc3339")]
    pub expires_at: Option<i64>,
}

impl fmt::Debug for StoredSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredSecret").field("value", &"<redacted>").field("expires_at", &self.expires_at).finish()
    }
}

/// The JSON form of a parameter holding several secrets.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rotation {
    secrets: Vec<StoredSecret>,
}

/// Reads a parameter's value: a JSON object `{"secrets": [...]}`, else the value itself is the
/// one secret, exactly as stored.
pub fn parse_parameter(value: &str) -> Result<Vec<StoredSecret>, KeyError> {
    if !value.trim_start().starts_with("{\"secrets\"") {
        return Ok(vec![StoredSecret { value: value.to_owned(), expires_at: None }]);
    }
    serde_json::from_str::<Rotation>(value).map(|rotation| rotation.secrets).map_err(|_| KeyError::BadRotation)
}

/// Writes secrets in the form [`parse_parameter`] reads: one secret without expiry as itself,
/// anything else as JSON.
pub fn format_parameter(secrets: &[StoredSecret]) -> String {
    match secrets {
        [only] if only.expires_at.is_none() && !only.value.trim_start().starts_with('{') => only.value.clone(),
        _ => serde_json::to_string(&Rotation { secrets: secrets.to_vec() }).unwrap_or_default(),
    }
}

/// A new random secret in the form the provider shows it (its public key, for a provider that
/// signs with a private key): 32 bytes from the OS's generator, shaped by the catalog.
pub fn generate(scheme: SchemeName) -> Result<String, getrandom::Error> {
    generate_pair(scheme).map(|generated| generated.secret)
}

/// A new random secret, with the test private key of a public-key provider.
pub fn generate_pair(scheme: SchemeName) -> Result<Generated, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(match scheme.provider() {
        Some(provider) => key::generate(provider.spec.algorithm, provider.spec.secret, bytes),
        None => Generated { secret: hex::encode(bytes), private_key: None },
    })
}

/// A new random value for a destination's parameter: a `whsec_` signing secret, or a
/// `Bearer` token for the `Authorization` header.
pub fn generate_outbound(used: ParameterUse) -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(match used {
        ParameterUse::Signing => {
            let spec = &standard_webhooks::PROVIDER.spec;
            key::generate(spec.algorithm, spec.secret, bytes).secret
        }
        ParameterUse::Authorization => format!("Bearer {}", hex::encode(bytes)),
    })
}

/// `expiresAt` as an RFC 3339 time, held as Unix seconds.
mod rfc3339 {
    use std::time::{Duration, UNIX_EPOCH};

    use serde::{Deserialize, Deserializer, Serializer, de};

    pub fn serialize<S: Serializer>(seconds: &Option<i64>, serializer: S) -> Result<S::Ok, S::Error> {
        match seconds.and_then(|seconds| u64::try_from(seconds).ok()) {
            Some(seconds) => {
                let time = UNIX_EPOCH + Duration::from_secs(seconds);
                serializer.serialize_str(&humantime::format_rfc3339_seconds(time).to_string())
            }
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
        let text = String::deserialize(deserializer)?;
        let time = humantime::parse_rfc3339_weak(&text).map_err(de::Error::custom)?;
        let seconds = time.duration_since(UNIX_EPOCH).map_err(de::Error::custom)?.as_secs();
        i64::try_from(seconds).map(Some).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(value: &str, expires_at: Option<i64>) -> StoredSecret {
        StoredSecret { value: value.to_owned(), expires_at }
    }

    #[test]
    fn a_plain_parameter_is_one_secret_exactly_as_stored() {
        for value in ["It's a Secret to Everybody", " padded \n", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] {
            assert_eq!(parse_parameter(value).unwrap(), [stored(value, None)]);
            assert_eq!(format_parameter(&[stored(value, None)]), value);
        }
    }

    #[test]
    fn a_rotation_holds_several_secrets_with_optional_expiry() {
        let value = r#"{"secrets": [{"value": "new secret"}, {"value": "old", "expiresAt": "2026-11-23T10:00:00Z"}]}"#;
        let secrets = parse_parameter(value).unwrap();
        assert_eq!(secrets, [stored("new secret", None), stored("old", Some(1_795_428_000))]);
        assert_eq!(parse_parameter(&format_parameter(&secrets)).unwrap(), secrets, "round trip");
    }

    #[test]
    fn a_malformed_rotation_is_refused_with_the_form_expected() {
        let error = parse_parameter(r#"{"secrets": [{"value": "hunter2", "expires": "tomorrow"}]}"#).unwrap_err();
        assert!(error.to_string().contains(r#"expected {"secrets": [{"value""#), "{error}");
        assert!(!error.to_string().contains("hunter2"), "the secret itself is not repeated: {error}");
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let debug = format!("{:?}", stored("hunter2", None));
        assert!(!debug.contains("hunter2") && debug.contains("<redacted>"), "{debug}");
    }

    #[test]
    fn generated_secrets_are_fresh_and_of_the_schemes_form() {
        let standard: SchemeName = "standard-webhooks".parse().unwrap();
        let a = generate(standard).unwrap();
        assert!(a.starts_with("whsec_") && a.len() == 6 + 44, "{a}");
        assert_ne!(a, generate(standard).unwrap());
        assert_eq!(generate("github".parse().unwrap()).unwrap().len(), 64);
        for scheme in SchemeName::all().filter(|scheme| !scheme.is_custom()) {
            let fresh = generate_pair(scheme).unwrap();
            let provider = scheme.provider().unwrap();
            let source = crate::Source::with_scheme("s", crate::scheme::Scheme::Provider(provider));
            assert!(source.scheme.key(&fresh.secret, None).is_ok(), "{scheme}: usable as a key");
            assert_eq!(fresh.private_key.is_some(), provider.spec.algorithm.is_public_key(), "{scheme}");
        }
        assert!(generate_outbound(ParameterUse::Authorization).unwrap().starts_with("Bearer "));
        assert!(generate_outbound(ParameterUse::Signing).unwrap().starts_with("whsec_"));
    }
}
