//! The generic `hmac` scheme's settings, as written in `hookway.json`.

use hookway_providers::{Algorithm, CustomSettings};
use serde::{Deserialize, Serialize};

/// How a generic HMAC sender signs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HmacConfig {
    /// The header carrying the signature, e.g. `X-Signature`.
    pub signature_header: String,
    /// Text before the encoded signature in that header, e.g. `sha256=`.
    #[serde(default)]
    pub prefix: String,
    /// The signed bytes: `{body}` once, optionally `{timestamp}`, `{id}`, `{method}` and `{url}`,
    /// and literal text, e.g. `{timestamp}.{body}`.
    #[serde(default = "default_template")]
    pub template: String,
    /// The HMAC's hash.
    #[serde(default)]
    pub algorithm: HmacAlgorithm,
    /// How the signature is encoded.
    #[serde(default)]
    pub encoding: Encoding,
    /// The header carrying the signed Unix timestamp (seconds); required by `{timestamp}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_header: Option<String>,
    /// The header carrying the event id; required by `{id}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_header: Option<String>,
    /// Say `false` when `idHeader` is set but the template has no `{id}`: the sender does not sign
    /// its id, so a captured request would verify under any id, and its events are keyed by source
    /// and body instead (a replay under a new id is one event). Refused without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_signed: Option<bool>,
    /// A JSON pointer to the event id in the body, e.g. `/id` (instead of `idHeader`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_pointer: Option<String>,
    /// The header carrying the event type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_header: Option<String>,
    /// A JSON pointer to the event type in the body, e.g. `/type` (instead of `typeHeader`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_pointer: Option<String>,
}

impl HmacConfig {
    /// The settings the catalog's engine takes.
    pub fn to_settings(&self) -> CustomSettings {
        CustomSettings {
            signature_header: self.signature_header.clone(),
            prefix: self.prefix.clone(),
            template: self.template.clone(),
            algorithm: match self.algorithm {
                HmacAlgorithm::Sha1 => Algorithm::HmacSha1,
                HmacAlgorithm::Sha256 => Algorithm::HmacSha256,
                HmacAlgorithm::Sha512 => Algorithm::HmacSha512,
            },
            encoding: match self.encoding {
                Encoding::Hex => hookway_providers::Encoding::Hex,
                Encoding::Base64 => hookway_providers::Encoding::Base64,
            },
            timestamp_header: self.timestamp_header.clone(),
            id_header: self.id_header.clone(),
            id_signed: self.id_signed,
            id_pointer: self.id_pointer.clone(),
            type_header: self.type_header.clone(),
            type_pointer: self.type_pointer.clone(),
        }
    }
}

/// The hash of a generic HMAC.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum HmacAlgorithm {
    /// HMAC-SHA1 (older senders).
    Sha1,
    /// HMAC-SHA256.
    #[default]
    Sha256,
    /// HMAC-SHA512.
    Sha512,
}

/// A binary-to-text encoding of a signature.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// Lowercase or uppercase hexadecimal.
    #[default]
    Hex,
    /// Standard base64 with padding.
    Base64,
}

fn default_template() -> String {
    "{body}".to_owned()
}
