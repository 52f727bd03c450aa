//! A scheme's name: one of the catalog's providers, or `hmac`. Its JSON Schema lists them all,
//! from the catalog.

use std::fmt;
use std::str::FromStr;

use hookway_providers::{CATALOG, CUSTOM_HMAC, Provider};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The name of a signature scheme, as in `hookway.json` and on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SchemeName(&'static str);

impl SchemeName {
    /// The generic HMAC scheme.
    pub const HMAC: SchemeName = SchemeName(CUSTOM_HMAC);

    /// Every scheme: the catalog's, then `hmac`.
    pub fn all() -> impl Iterator<Item = SchemeName> {
        CATALOG.iter().map(|provider| SchemeName(provider.name)).chain([SchemeName::HMAC])
    }

    /// The name.
    pub fn as_str(self) -> &'static str {
        self.0
    }

    /// The catalog's provider, or `None` for `hmac`.
    pub fn provider(self) -> Option<&'static Provider> {
        hookway_providers::find(self.0)
    }

    /// Whether this is the generic scheme, described by settings.
    pub fn is_custom(self) -> bool {
        self == SchemeName::HMAC
    }
}

impl fmt::Display for SchemeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.0)
    }
}

impl FromStr for SchemeName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SchemeName::all().find(|scheme| scheme.0 == s).ok_or_else(|| {
            format!("unknown scheme `{s}`: `hookway providers` lists them (or use `hmac` with its settings)")
        })
    }
}

impl Serialize for SchemeName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for SchemeName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for SchemeName {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SchemeName".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut choices: Vec<serde_json::Value> = CATALOG
            .iter()
            .map(|provider| {
                let spec = provider.spec;
                serde_json::json!({
                    "const": provider.name,
                    "description": format!("{}: {}, {}", provider.title, spec.signature.shown(), spec.algorithm.label()),
                })
            })
            .collect();
        choices.push(serde_json::json!({
            "const": CUSTOM_HMAC,
            "description": "Any HMAC sender (SHA-1, SHA-256 or SHA-512), described by the source's `hmac` settings",
        }));
        schemars::json_schema!({
            "description": "How the sender signs: a provider of the catalog (`hookway providers`), or `hmac`.",
            "type": "string",
            "oneOf": choices,
        })
    }
}
