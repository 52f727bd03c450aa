//! Webhook signature verification and signing, provider by provider, for any Rust service: no AWS.
//!
//! Webhook signature verification for the senders people name first — Stripe, GitHub, Slack,
//! Shopify, Twilio, SendGrid, Discord, Zoom, Meta and 153 more — and for any HMAC sender you
//! describe. Verification and signing only: no AWS, no async runtime, no framework. It is the
//! catalog Hookway's intake runs on, usable by any Rust service that receives webhooks.
//!
//! ```
//! use hookway_providers::{Request, Scheme};
//! use http::HeaderMap;
//!
//! // GitHub's documented example.
//! let github = Scheme::named("github").unwrap();
//! let key = github.key("It's a Secret to Everybody", None).unwrap();
//! let mut headers = HeaderMap::new();
//! headers.insert(
//!     "x-hub-signature-256",
//!     "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17".parse().unwrap(),
//! );
//! let request = Request::post(&headers, b"Hello, World!");
//! assert_eq!(github.verify(&request, &[key], 300, 1_700_000_000), Ok(()));
//! ```
//!
//! * [`spec`] — the descriptor every provider is written in;
//! * [`engine`] — the one engine that reads it: verify, sign, name the event, answer handshakes;
//! * [`key`] — secrets, public keys and tokens prepared once;
//! * [`wire`] — the helpers beneath every provider: headers, timestamps, encodings, JSON pointers;
//! * [`providers`] — one module per provider;
//! * [`custom`] — the generic HMAC sender described by settings;
//! * [`sample`] — real sample events of each provider, for a test sender.
//!
//! Every verification checks the raw body bytes (never re-serialised JSON), compares in constant
//! time, accepts several keys at once (rotation), checks timestamps both ways, and fails closed.

// No unwrap or expect on request paths: every failure is an error.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::borrow::Cow;

use sha2::{Digest as _, Sha256};

pub mod custom;
pub mod engine;
pub mod key;
pub mod sample;
pub mod spec;
pub mod wire;

/// One module per provider: everything about it in one file (`src/providers/<name>.rs`).
pub mod providers {
    include!(concat!(env!("OUT_DIR"), "/catalog.rs"));
}

#[cfg(test)]
mod vectors;

pub use crate::custom::{Custom, CustomSettings, SettingsError};
pub use crate::engine::{Answer, Request, SignError, SignRequest, Signed};
pub use crate::key::{Key, KeyError};
pub use crate::providers::CATALOG;
pub use crate::spec::{Algorithm, Covered, Encoding, Provider, SecretFormat, Spec};

/// The longest event id accepted: ids become database keys, log fields and HTTP headers.
pub const MAX_EVENT_ID_LEN: usize = 256;

/// The name of the generic HMAC scheme, described by settings rather than found in the catalog.
pub const CUSTOM_HMAC: &str = "hmac";

/// Why a request failed verification. A receiver logs it and answers only "invalid signature".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The source has no key that is configured, readable and unexpired.
    #[error("no usable secret: the source rejects every request until one is configured")]
    NoSecret,
    /// A header the provider needs is absent.
    #[error("missing {0} header")]
    MissingHeader(Cow<'static, str>),
    /// A header is present but not of the provider's form.
    #[error("malformed {0} header")]
    MalformedHeader(Cow<'static, str>),
    /// The signature travels in the body, and the body does not carry it.
    #[error("the body carries no signature")]
    MalformedBody,
    /// The header holds signatures, but none of a version this provider accepts (a downgrade).
    #[error("no {version} signature in the {header} header")]
    NoAcceptedSignature {
        /// The signature header.
        header: String,
        /// The version that counts, e.g. `v1`.
        version: String,
    },
    /// The provider signs the URL it called, and it is not known.
    #[error("this provider signs the URL it calls, and it is unknown (publicUrl, or --url)")]
    NoUrl,
    /// The signed timestamp is older than the tolerance.
    #[error("timestamp is {age} s old, beyond the {tolerance} s tolerance")]
    TooOld {
        /// Seconds since the timestamp.
        age: i64,
        /// The tolerance in seconds.
        tolerance: u64,
    },
    /// The signed timestamp is further in the future than the tolerance.
    #[error("timestamp is {ahead} s in the future, beyond the {tolerance} s tolerance")]
    InFuture {
        /// Seconds until the timestamp.
        ahead: i64,
        /// The tolerance in seconds.
        tolerance: u64,
    },
    /// No presented signature matches any key.
    #[error("signature does not match")]
    Mismatch,
}

/// The event a verified request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The sender's delivery id, else a SHA-256 digest of source and body, so that a re-delivery
    /// has the same id. Where the sender's signature does not cover it ([`Covered::id`]), a
    /// receiver should deduplicate by [`body_key`] instead.
    pub id: String,
    /// The event type, where the sender names it.
    pub event_type: Option<String>,
}

/// Why a verified request does not name its event in a usable way.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MalformedEvent {
    /// The provider names events in a JSON body, and the body is not JSON.
    #[error("the body is not JSON")]
    NotJson,
    /// A field the provider requires is absent.
    #[error("the body has no `{0}`")]
    MissingField(String),
    /// The event id is empty, too long or not printable.
    #[error("the event id is empty, longer than {MAX_EVENT_ID_LEN} bytes or not printable")]
    BadId,
}

/// The id of an event whose sender gives none: the same body from the same source is the same event.
pub fn digest_id(source: &str, body: &[u8]) -> String {
    let digest = Sha256::new().chain_update(source.as_bytes()).chain_update(b"\n").chain_update(body).finalize();
    hex::encode(digest)
}

/// The idempotency key of an event whose sender does not sign its id ([`Covered::id`]): a digest
/// of what the signature covers — the source and the body — and of nothing the sender leaves
/// unsigned. The same body from the same source is the same event, whatever id or type header it
/// came with, so a captured request re-sent under new ids or other types is processed once.
pub fn body_key(source: &str, body: &[u8]) -> String {
    let digest = Sha256::new()
        .chain_update(b"body-key\n")
        .chain_update(source.as_bytes())
        .chain_update(b"\n")
        .chain_update(body)
        .finalize();
    hex::encode(digest)
}

pub(crate) fn is_valid_event_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_EVENT_ID_LEN && id.chars().all(|c| !c.is_control())
}

/// The provider of that name.
pub fn find(name: &str) -> Option<&'static Provider> {
    CATALOG.iter().copied().find(|provider| provider.name == name)
}

/// A scheme ready to verify: a provider of the catalog, or a generic HMAC sender.
#[derive(Debug, Clone)]
pub enum Scheme {
    /// A provider of the catalog.
    Provider(&'static Provider),
    /// A generic HMAC sender, described by its settings.
    Custom(Box<Custom>),
}

impl Scheme {
    /// The catalog's provider of that name.
    pub fn named(name: &str) -> Option<Scheme> {
        find(name).map(Scheme::Provider)
    }

    /// The name, as in `hookway.json` (`hmac` for a generic sender).
    pub fn name(&self) -> &'static str {
        match self {
            Scheme::Provider(provider) => provider.name,
            Scheme::Custom(_) => CUSTOM_HMAC,
        }
    }

    /// How it signs.
    pub fn spec(&self) -> Spec<'_> {
        match self {
            Scheme::Provider(provider) => provider.spec,
            Scheme::Custom(custom) => custom.spec(),
        }
    }

    /// Prepares a secret exactly as the provider shows it.
    pub fn key(&self, secret: &str, expires_at: Option<i64>) -> Result<Key, KeyError> {
        let spec = self.spec();
        Key::new(spec.algorithm, spec.secret, secret, expires_at)
    }

    /// Prepares a test sender's private key (public-key providers, and Standard Webhooks' `whsk_`).
    pub fn private_key(&self, private_key: &str) -> Result<Key, KeyError> {
        let spec = self.spec();
        if !spec.algorithm.is_public_key() && spec.secret != SecretFormat::Whsec {
            return Err(KeyError::Malformed("only Ed25519 and P-256 providers take a private key"));
        }
        Key::private(spec.algorithm, private_key)
    }

    /// Verifies a request at Unix time `now`.
    pub fn verify(&self, request: &Request<'_>, keys: &[Key], tolerance: u64, now: i64) -> Result<(), VerifyError> {
        engine::verify(&self.spec(), request, keys, tolerance, now)
    }

    /// What a sender would send.
    pub fn sign(&self, key: &Key, request: &SignRequest<'_>) -> Result<Signed, SignError> {
        engine::sign(&self.spec(), self.name(), key, request)
    }

    /// Names the event of a verified request.
    pub fn identify(&self, source: &str, request: &Request<'_>) -> Result<Identity, MalformedEvent> {
        engine::identify(&self.spec(), source, request)
    }

    /// The answer to a `GET` handshake (Meta, Dropbox), before any signature check.
    pub fn answer_get(&self, request: &Request<'_>, keys: &[Key]) -> Option<Answer> {
        engine::answer_get(&self.spec(), request, keys)
    }

    /// The answer to a signed handshake (Slack, Zoom, Twitch, Discord), once `request` verified.
    pub fn answer_verified(&self, request: &Request<'_>, keys: &[Key], tolerance: u64, now: i64) -> Option<Answer> {
        engine::answer_verified(&self.spec(), request, keys, tolerance, now)
    }

    /// Whether the signed bytes include the URL the provider called.
    pub fn signs_url(&self) -> bool {
        self.spec().signed.contains(&spec::Part::Url)
    }

    /// The header the sender names its event's type in, where it has one.
    pub fn type_header(&self) -> Option<&str> {
        match self.spec().event_type {
            Some(spec::Locate::Header(name)) => Some(name),
            _ => None,
        }
    }

    /// The headers worth keeping with an event, lowercase: those naming it, and the provider's own.
    pub fn kept_headers(&self) -> Vec<String> {
        let spec = self.spec();
        let located = [spec.id, spec.event_type].into_iter().filter_map(|locate| match locate {
            Some(spec::Locate::Header(name)) => Some(name),
            _ => None,
        });
        let timestamp = match spec.timestamp.map(|timestamp| timestamp.at) {
            Some(spec::TimestampAt::Header(name)) => Some(name),
            _ => None,
        };
        let mut names: Vec<String> =
            located.chain(timestamp).chain(spec.kept_headers.iter().copied()).map(str::to_ascii_lowercase).collect();
        names.sort();
        names.dedup();
        names
    }
}
