//! The one descriptor type every provider is written in: how it signs, where its event's id and
//! type are, how a test sender signs as it, and its handshake.
//!
//! A descriptor is data: the engine ([`crate::engine`]) reads it, and nothing about a provider is
//! written anywhere else. What data cannot say — Slack's two body shapes, Mailgun's signature
//! inside the body, Standard Webhooks' two header families — a provider says with a hook, a plain
//! function in its own file.

use std::borrow::Cow;

use crate::engine::{Answer, Named, Presented, Request, SignRequest, Signed};
use crate::key::Key;
use crate::{MalformedEvent, VerifyError};

/// A provider of the catalog.
#[derive(Debug)]
pub struct Provider {
    /// The name used in `hookway.json` and on the command line, e.g. `lemon-squeezy`.
    pub name: &'static str,
    /// The provider's own name, e.g. `Lemon Squeezy`.
    pub title: &'static str,
    /// Where the provider documents its rule.
    pub docs: &'static str,
    /// Where its secret is found in the provider's dashboard (or API), and where the webhook's URL
    /// is pasted, in a sentence or two.
    pub setup: &'static str,
    /// What pins the descriptor to the provider's own behaviour.
    pub evidence: Evidence,
    /// How it signs and how its events are named.
    pub spec: Spec<'static>,
}

/// What pins a provider's descriptor to the provider's own behaviour, strongest first. Its
/// vectors (`vectors/<provider>.json`) say where each comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// A signed example published in the provider's documentation verifies.
    Documented,
    /// The provider's official SDK, named with its version: what it signs verifies, and what the
    /// catalog signs it accepts (`tools/cli/tests/official_sdks.rs`).
    Sdk(&'static str),
    /// The library the provider's documentation tells receivers to verify with — Svix's, or
    /// Standard Webhooks' — named with its version, tested as an official SDK is.
    Verifier(&'static str),
    /// Neither exists: the vectors follow the documented rule, computed independently.
    Rule,
}

impl Evidence {
    /// The kind, as `hookway providers --json` and the README's table show it.
    pub fn kind(self) -> &'static str {
        match self {
            Evidence::Documented => "documented example",
            Evidence::Sdk(_) => "official SDK",
            Evidence::Verifier(_) => "documented verifier",
            Evidence::Rule => "documented rule",
        }
    }

    /// Whether the provider's own example or SDK pins it.
    pub fn is_pinned(self) -> bool {
        !matches!(self, Evidence::Rule)
    }
}

/// How a sender signs a request, and how the request names its event.
#[derive(Debug, Clone, Copy)]
pub struct Spec<'a> {
    /// The signature's algorithm.
    pub algorithm: Algorithm,
    /// Where the signature is presented, and how it is encoded.
    pub signature: Carrier<'a>,
    /// The signed bytes, in order.
    pub signed: &'a [Part],
    /// The signed timestamp, where there is one; checked against the source's tolerance.
    pub timestamp: Option<Timestamp<'a>>,
    /// Where the event id is, else a digest of source and body stands for it.
    pub id: Option<Locate<'a>>,
    /// Where the event type is.
    pub event_type: Option<Locate<'a>>,
    /// Whether a body without the id and type is malformed (answered 400), as a Stripe body is.
    pub naming_required: bool,
    /// How the provider shows its secret, and so how it becomes a key.
    pub secret: SecretFormat,
    /// The style of the ids a test sender makes up.
    pub id_style: IdStyle,
    /// The handshake the provider expects answered, if any.
    pub handshake: Option<Handshake>,
    /// Headers worth keeping with the event, besides the id and type headers.
    pub kept_headers: &'a [&'a str],
    /// Hooks for what data cannot say.
    pub hooks: Hooks,
}

impl Spec<'static> {
    /// The common case — HMAC-SHA256 of the body, a text secret, no timestamp, no id, UUIDs for
    /// made-up ids, no handshake, no hooks — for a provider to spread (`..Spec::BODY_HMAC`) under
    /// what it says differently. Its carrier is a placeholder every provider replaces.
    pub const BODY_HMAC: Spec<'static> = Spec {
        algorithm: Algorithm::HmacSha256,
        signature: Carrier::Custom { shown: "" },
        signed: &[Part::Body],
        timestamp: None,
        id: None,
        event_type: None,
        naming_required: false,
        secret: SecretFormat::Text,
        id_style: IdStyle::Uuid,
        handshake: None,
        kept_headers: &[],
        hooks: Hooks::NONE,
    };
}

/// What a provider's signature covers besides the body: whether a captured request can be re-sent
/// with another id, timestamp or type and still verify. Derived from the descriptor's data (the
/// signed parts and where the id, type and timestamp are), so it cannot drift from what the engine
/// checks; `hookway providers` and the README's table show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Covered {
    /// The event id cannot be changed: it is signed, or it is a digest of the signed body, or it
    /// is in the signed body. Where it is not, the engine keys the event by a digest of its
    /// source and body instead of the id sent (see [`crate::body_key`]).
    pub id: bool,
    /// A signed timestamp bounds replays to the source's tolerance.
    pub timestamp: bool,
    /// The event type cannot be changed: it is in the signed body, or there is none.
    pub event_type: bool,
}

impl Spec<'_> {
    /// What the signature covers besides the body.
    pub fn covered(&self) -> Covered {
        let signs = !matches!(self.algorithm, Algorithm::Token | Algorithm::Basic);
        let signed = |part: &Part| signs && self.signed.contains(part);
        let body = signed(&Part::Body) || signed(&Part::SortedForm);
        let identified = self.hooks.identify.is_some();
        let id = match self.id {
            Some(Locate::Header(_)) => signed(&Part::Id),
            Some(Locate::Pointer(_)) => body,
            // A provider's hook reads it from a signed header or from the body.
            None if identified => signed(&Part::Id) || body,
            // The id is a digest of the body: a new id needs a new body.
            None => true,
        };
        let event_type = match self.event_type {
            Some(Locate::Header(_)) => false,
            Some(Locate::Pointer(_)) => body,
            None if identified => body,
            None => true,
        };
        let timestamp = self.timestamp.is_some_and(|timestamp| {
            timestamp.checked && (signed(&Part::Timestamp) || (matches!(timestamp.at, TimestampAt::Pointer(_)) && body))
        });
        Covered { id, timestamp, event_type }
    }
}

/// A signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// HMAC-SHA1.
    HmacSha1,
    /// HMAC-SHA256.
    HmacSha256,
    /// HMAC-SHA512.
    HmacSha512,
    /// Ed25519; the configured secret is the provider's public key.
    Ed25519,
    /// ECDSA over P-256 with SHA-256; the configured secret is the provider's public key.
    EcdsaP256Sha256,
    /// A shared token, compared in constant time.
    Token,
    /// An HTTP Basic credential, `user:password`, compared in constant time.
    Basic,
}

impl Algorithm {
    /// The name shown by `hookway providers`.
    pub fn label(self) -> &'static str {
        match self {
            Algorithm::HmacSha1 => "HMAC-SHA1",
            Algorithm::HmacSha256 => "HMAC-SHA256",
            Algorithm::HmacSha512 => "HMAC-SHA512",
            Algorithm::Ed25519 => "Ed25519",
            Algorithm::EcdsaP256Sha256 => "ECDSA P-256",
            Algorithm::Token => "token",
            Algorithm::Basic => "basic auth",
        }
    }

    /// Whether the secret is a public key, so that only the provider can sign.
    pub fn is_public_key(self) -> bool {
        matches!(self, Algorithm::Ed25519 | Algorithm::EcdsaP256Sha256)
    }
}

/// A binary-to-text encoding of a signature.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// Hexadecimal, either case.
    #[default]
    Hex,
    /// Standard base64 with padding.
    Base64,
    /// URL-safe base64, with or without padding (sent without).
    Base64Url,
}

/// Where a signature is presented.
#[derive(Debug, Clone, Copy)]
pub enum Carrier<'a> {
    /// A header holding `{prefix}{signature}`.
    Header {
        /// The header.
        name: &'a str,
        /// Text before the encoded signature, e.g. `sha256=`.
        prefix: &'a str,
        /// The encoding.
        encoding: Encoding,
    },
    /// A header holding `{version}={signature}`, where only that version counts (a header of
    /// another version is a refused downgrade), e.g. Slack's `v0=…`.
    Versioned {
        /// The header.
        name: &'a str,
        /// The version that counts, e.g. `v0`.
        version: &'a str,
        /// The encoding.
        encoding: Encoding,
    },
    /// A header of `key=value` pairs carrying the timestamp and one or more signatures, e.g.
    /// Stripe's `t=…,v1=…,v1=…`.
    Pairs {
        /// The header.
        name: &'a str,
        /// Between pairs, e.g. `,`.
        separator: char,
        /// The key of the timestamp, if the header carries it.
        timestamp_key: Option<&'a str>,
        /// The key of the signatures that count, e.g. `v1`.
        signature_key: &'a str,
        /// The encoding.
        encoding: Encoding,
    },
    /// The whole header is the token (GitLab's `X-Gitlab-Token`).
    Token {
        /// The header.
        name: &'a str,
    },
    /// `Authorization: Basic …`.
    Basic,
    /// Found by the provider's [`Hooks::presented`].
    Custom {
        /// What `hookway providers` shows as the header(s).
        shown: &'a str,
    },
}

impl Carrier<'_> {
    /// The header(s) shown by `hookway providers`.
    pub fn shown(&self) -> &str {
        match self {
            Carrier::Header { name, .. }
            | Carrier::Versioned { name, .. }
            | Carrier::Pairs { name, .. }
            | Carrier::Token { name } => name,
            Carrier::Basic => "Authorization: Basic",
            Carrier::Custom { shown } => shown,
        }
    }
}

/// One piece of the signed bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Literal text.
    Text(Cow<'static, str>),
    /// The event id, as sent (in the id header).
    Id,
    /// The timestamp, as sent.
    Timestamp,
    /// The raw body.
    Body,
    /// The HTTP method, e.g. `POST`.
    Method,
    /// The full URL the provider called: the source's `publicUrl`, else rebuilt from the request.
    Url,
    /// The form parameters of the body, sorted by name, each as name then value (Twilio).
    SortedForm,
}

impl Part {
    /// A literal piece.
    pub const fn text(text: &'static str) -> Part {
        Part::Text(Cow::Borrowed(text))
    }
}

/// The signed timestamp.
#[derive(Debug, Clone, Copy)]
pub struct Timestamp<'a> {
    /// Where it is.
    pub at: TimestampAt<'a>,
    /// How it is written.
    pub format: TimeFormat,
    /// Whether it must lie within the source's tolerance: `false` where the provider documents no
    /// freshness (SendGrid re-sends a signed event unchanged).
    pub checked: bool,
}

/// Where a timestamp is.
#[derive(Debug, Clone, Copy)]
pub enum TimestampAt<'a> {
    /// In this header.
    Header(&'a str),
    /// In the signature header's pairs ([`Carrier::Pairs`]).
    Pairs,
    /// At this JSON pointer into the (signed) body.
    Pointer(&'a str),
    /// Found by the provider's [`Hooks::presented`].
    Custom,
}

/// How a timestamp is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFormat {
    /// Unix seconds.
    UnixSeconds,
    /// Unix milliseconds.
    UnixMillis,
    /// RFC 3339, e.g. `2026-11-22T05:44:00.123Z`.
    Rfc3339,
}

/// Where a value naming the event is.
#[derive(Debug, Clone, Copy)]
pub enum Locate<'a> {
    /// This header.
    Header(&'a str),
    /// This JSON pointer into the body, e.g. `/data/id` (a string or a number).
    Pointer(&'a str),
}

/// How a provider shows its secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretFormat {
    /// Text, used as its UTF-8 bytes.
    Text,
    /// `whsec_` followed by base64 (the prefix optional), as Standard Webhooks and Svix show it;
    /// `whpk_` followed by base64 is an Ed25519 public key.
    Whsec,
    /// An Ed25519 public key in hex (Discord's "public key").
    Ed25519Hex,
    /// An Ed25519 public key in base64 (Telnyx's "public key").
    Ed25519Base64,
    /// A P-256 public key as base64 DER (SubjectPublicKeyInfo), as SendGrid shows it.
    P256Base64Der,
    /// `user:password`, for HTTP Basic authentication.
    UserPassword,
    /// Base64 of the key's bytes (e.g. Samsara's secret, a Microsoft Teams outgoing webhook's).
    Base64Bytes,
    /// Hex of the key's bytes (e.g. Squarespace's and Onfleet's secrets).
    HexBytes,
}

/// The style of a made-up event id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdStyle {
    /// A UUID, e.g. `3592bac6-7b61-11e6-9a41-93e8deadbeef`.
    Uuid,
    /// `{prefix}` and 32 hex digits, e.g. `msg_…`.
    Prefixed(&'static str),
}

/// A handshake the provider expects answered, never enqueued.
#[derive(Debug, Clone, Copy)]
pub enum Handshake {
    /// A `GET` answered without a signature (Meta's `hub.challenge`, Dropbox's `challenge`); the
    /// keys include the source's verify tokens.
    Get {
        /// What `hookway providers` says of it.
        shown: &'static str,
        /// Whether it checks a verify token (the source's `verifyTokenParameter`).
        needs_token: bool,
        /// The answer, or `None` when the request is not this handshake (or fails its check).
        answer: fn(&Request<'_>, &[Key]) -> Option<Answer>,
    },
    /// A signed `POST` answered once its signature verifies (Slack's `url_verification`, Zoom's
    /// `endpoint.url_validation`, Twitch's `webhook_callback_verification`, Discord's `PING`).
    Verified {
        /// What `hookway providers` says of it.
        shown: &'static str,
        /// The answer, given the key that verified, or `None` when this is an ordinary event.
        answer: fn(&Request<'_>, &Key) -> Option<Answer>,
    },
}

impl Handshake {
    /// What `hookway providers` says of it.
    pub fn shown(&self) -> &'static str {
        match self {
            Handshake::Get { shown, .. } | Handshake::Verified { shown, .. } => shown,
        }
    }
}

/// Finds what a request presents.
pub type PresentedHook = for<'r> fn(&Request<'r>) -> Result<Presented<'r>, VerifyError>;
/// Names the event of a request.
pub type IdentifyHook = for<'r> fn(&Request<'r>) -> Result<Named<'r>, MalformedEvent>;
/// What a sender sends, given the timestamp as written, the signature, and whether it was made
/// with a private key.
pub type SignHook = fn(&SignRequest<'_>, &str, &[u8], bool) -> Signed;
/// The signed bytes, from the request and what it presented.
pub type SignedHook = for<'r> fn(&Request<'r>, &Presented<'r>) -> Vec<u8>;
/// Another spelling of the URL the provider may have signed instead of the one given, or `None`.
pub type UrlVariantHook = fn(&str) -> Option<String>;

/// Functions for what a descriptor's data cannot say.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hooks {
    /// Finds the signatures, timestamp and id ([`Carrier::Custom`]).
    pub presented: Option<PresentedHook>,
    /// Names the event, instead of [`Spec::id`] and [`Spec::event_type`].
    pub identify: Option<IdentifyHook>,
    /// What a sender sends ([`Carrier::Custom`]), given the timestamp as written, the signature,
    /// and whether it was made with a private key.
    pub sign: Option<SignHook>,
    /// The bytes signed, when not a template of [`Part`]s (Mailgun signs fields of its body).
    pub signed: Option<SignedHook>,
    /// Another spelling of the URL, tried when the URL as given does not verify (Twilio signs
    /// with or without the scheme's default port).
    pub url_variant: Option<UrlVariantHook>,
}

impl Hooks {
    /// No hooks: the descriptor's data says everything.
    pub const NONE: Hooks = Hooks { presented: None, identify: None, sign: None, signed: None, url_variant: None };
}
