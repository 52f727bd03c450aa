//! Signature schemes: the provider catalog of [`hookway_providers`], and the generic `hmac`
//! scheme described in `hookway.json`.
//!
//! The catalog crate holds the engine and one module per provider; this module holds what
//! `hookway.json` says about schemes — a scheme's name ([`SchemeName`]), the generic scheme's
//! settings ([`HmacConfig`]) — and builds a [`Scheme`] from them, with its own error
//! ([`SchemeError`]) that the configuration turns into a `Problem` naming the field.

mod name;
mod settings;

pub use hookway_providers::engine::{Answer, Request, SignError, SignRequest, Signed};
pub use hookway_providers::{
    Algorithm, CATALOG, Covered, Identity, Key, KeyError, MAX_EVENT_ID_LEN, MalformedEvent, Provider, Scheme,
    VerifyError, body_key, digest_id,
};

pub use self::name::SchemeName;
pub use self::settings::{Encoding, HmacAlgorithm, HmacConfig};

/// Why a scheme cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemeError {
    /// The generic scheme has no settings.
    #[error("the hmac scheme needs its `hmac` settings")]
    MissingSettings,
    /// A catalog scheme was given settings.
    #[error("only the hmac scheme takes `hmac` settings, not {0}")]
    UnexpectedSettings(SchemeName),
    /// The generic scheme's settings are refused; `field` is relative to the `hmac` object.
    #[error("{field}: {message}")]
    Settings {
        /// The field, e.g. `template`.
        field: String,
        /// What is wrong.
        message: String,
    },
}

impl SchemeError {
    /// The field at fault, relative to the source.
    pub fn field(&self) -> String {
        match self {
            SchemeError::Settings { field, .. } => format!("hmac.{field}"),
            _ => "hmac".to_owned(),
        }
    }

    /// What is wrong, without the field.
    pub fn message(&self) -> String {
        match self {
            SchemeError::Settings { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }
}

/// Builds the scheme of that name; the generic `hmac` scheme needs its settings.
pub fn build(name: SchemeName, hmac: Option<&HmacConfig>) -> Result<Scheme, SchemeError> {
    match (name.provider(), hmac) {
        (Some(provider), None) => Ok(Scheme::Provider(provider)),
        (Some(_), Some(_)) => Err(SchemeError::UnexpectedSettings(name)),
        (None, None) => Err(SchemeError::MissingSettings),
        (None, Some(settings)) => hookway_providers::Custom::new(&settings.to_settings())
            .map(|custom| Scheme::Custom(Box::new(custom)))
            .map_err(|error| SchemeError::Settings { field: error.field, message: error.message }),
    }
}
