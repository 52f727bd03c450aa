//! Signature schemes: how each sender signs a request, and how the request names its event.
//!
//! Every scheme is HMAC-SHA256 over a *template* of signed bytes (`{id}.{timestamp}.{body}` for
//! Standard Webhooks, `v0:{timestamp}:{body}` for Slack, ...). The scheme modules only say where
//! the signatures, timestamp and id are found in the headers and how the signatures are encoded;
//! this module holds the one verification path they share:
//!
//! * the raw body bytes are signed, never re-serialised JSON, and they are fed to the MAC in
//!   place, never copied;
//! * the expected MAC is computed once per active secret and compared in constant time with every
//!   signature the sender presented (rotation on both sides);
//! * the timestamp must lie within the tolerance both into the past and into the future;
//! * it fails closed: with no usable secret, nothing verifies.

mod github;
mod hmac;
mod shopify;
mod slack;
mod standard_webhooks;
mod stripe;

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::HeaderMap;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub use self::hmac::HmacScheme;
use crate::config::{Encoding, HmacConfig, Problem, SchemeName};
use crate::secret::{KeyError, SigningKey};

/// An HMAC-SHA256 output.
pub type Mac = [u8; 32];

/// The longest event id accepted: ids become DynamoDB keys, log fields and HTTP headers.
pub const MAX_EVENT_ID_LEN: usize = 256;

/// A scheme, ready to verify and sign.
#[derive(Debug, Clone)]
pub enum Scheme {
    /// The Standard Webhooks specification.
    StandardWebhooks,
    /// Stripe.
    Stripe,
    /// GitHub.
    Github,
    /// Slack.
    Slack,
    /// Shopify.
    Shopify,
    /// A configured generic HMAC sender.
    Hmac(Box<HmacScheme>),
}

/// One piece of the signed bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    Text(Cow<'static, str>),
    Id,
    Timestamp,
    Body,
}

impl Part {
    const fn text(text: &'static str) -> Part {
        Part::Text(Cow::Borrowed(text))
    }
}

/// What the sender presented in its headers, borrowed from the request.
#[derive(Debug)]
pub(crate) struct Presented<'h> {
    /// Every signature that counts for this scheme, decoded.
    pub signatures: Vec<Mac>,
    /// The signed timestamp, as sent and as Unix seconds.
    pub timestamp: Option<(&'h str, i64)>,
    /// The signed event id, where the template has one.
    pub id: Option<&'h str>,
}

/// Why a request failed verification. The intake logs it and answers only "invalid signature".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The source has no secret that is configured, readable and unexpired.
    #[error("no usable secret: the source rejects every request until one is configured")]
    NoSecret,
    /// A header the scheme needs is absent.
    #[error("missing {0} header")]
    MissingHeader(Cow<'static, str>),
    /// A header is present but not of the scheme's form.
    #[error("malformed {0} header")]
    MalformedHeader(Cow<'static, str>),
    /// The header holds signatures, but none of a version this scheme accepts (a downgrade).
    #[error("no {version} signature in the {header} header")]
    NoAcceptedSignature {
        /// The signature header.
        header: &'static str,
        /// The version that counts, e.g. `v1`.
        version: &'static str,
    },
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
    /// No presented signature matches any secret.
    #[error("signature does not match")]
    Mismatch,
}

/// The event a verified request carries: its id and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The sender's delivery id, else a SHA-256 digest of source and body, so that a re-delivery
    /// has the same id.
    pub id: String,
    /// The event type, where the sender names it.
    pub event_type: Option<String>,
    /// Slack's `url_verification` handshake: answer with this challenge instead of enqueueing.
    pub challenge: Option<String>,
}

/// Why a verified request does not name its event in a usable way (answered 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MalformedEvent {
    /// The scheme reads the event from a JSON body, and the body is not JSON.
    #[error("the body is not JSON")]
    NotJson,
    /// A field the scheme requires is absent.
    #[error("the body has no `{0}`")]
    MissingField(&'static str),
    /// The event id is empty, too long or not printable.
    #[error("the event id is empty, longer than {MAX_EVENT_ID_LEN} bytes or not printable")]
    BadId,
}

/// What `sign` signs.
#[derive(Debug, Clone, Copy)]
pub struct SignRequest<'a> {
    /// The event id, for schemes that carry one in a header.
    pub id: &'a str,
    /// Unix seconds, for schemes with a timestamp.
    pub timestamp: i64,
    /// The raw body.
    pub body: &'a [u8],
}

impl Scheme {
    /// Builds a scheme; the `hmac` scheme needs its settings.
    pub fn new(name: SchemeName, hmac: Option<&HmacConfig>) -> Result<Scheme, Problem> {
        Ok(match name {
            SchemeName::StandardWebhooks => Scheme::StandardWebhooks,
            SchemeName::Stripe => Scheme::Stripe,
            SchemeName::Github => Scheme::Github,
            SchemeName::Slack => Scheme::Slack,
            SchemeName::Shopify => Scheme::Shopify,
            SchemeName::Hmac => match hmac {
                Some(settings) => Scheme::Hmac(Box::new(HmacScheme::new(settings)?)),
                None => {
                    return Err(Problem {
                        field: "hmac".into(),
                        message: "the hmac scheme needs its `hmac` settings".into(),
                    });
                }
            },
        })
    }

    /// The scheme's name.
    pub fn name(&self) -> SchemeName {
        match self {
            Scheme::StandardWebhooks => SchemeName::StandardWebhooks,
            Scheme::Stripe => SchemeName::Stripe,
            Scheme::Github => SchemeName::Github,
            Scheme::Slack => SchemeName::Slack,
            Scheme::Shopify => SchemeName::Shopify,
            Scheme::Hmac(_) => SchemeName::Hmac,
        }
    }

    /// Prepares a secret as this scheme uses it (Standard Webhooks: `whsec_` + base64 key;
    /// the others: the secret's UTF-8 bytes).
    pub fn key(&self, secret: &str, expires_at: Option<i64>) -> Result<SigningKey, KeyError> {
        match self {
            Scheme::StandardWebhooks => standard_webhooks::key(secret, expires_at),
            _ => SigningKey::new(secret.as_bytes(), expires_at),
        }
    }

    /// Verifies a request's signature over its raw body at Unix time `now`.
    pub fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        keys: &[SigningKey],
        tolerance: u64,
        now: i64,
    ) -> Result<(), VerifyError> {
        if !keys.iter().any(|key| key.is_active(now)) {
            return Err(VerifyError::NoSecret);
        }
        let presented = self.presented(headers)?;
        if let Some((_, timestamp)) = presented.timestamp {
            check_tolerance(timestamp, now, tolerance)?;
        }
        let signed = Signed {
            parts: self.template(),
            id: presented.id.unwrap_or_default(),
            timestamp: presented.timestamp.map(|(text, _)| text).unwrap_or_default(),
            body,
        };
        let matches = keys.iter().filter(|key| key.is_active(now)).any(|key| {
            let expected = signed.mac(key);
            presented.signatures.iter().any(|signature| bool::from(expected.ct_eq(signature)))
        });
        if matches { Ok(()) } else { Err(VerifyError::Mismatch) }
    }

    /// The headers a sender would send with `request`, signed with `key`.
    pub fn sign(&self, key: &SigningKey, request: &SignRequest<'_>) -> Vec<(String, String)> {
        let timestamp = request.timestamp.to_string();
        let signed = Signed { parts: self.template(), id: request.id, timestamp: &timestamp, body: request.body };
        let mac = signed.mac(key);
        match self {
            Scheme::StandardWebhooks => standard_webhooks::headers(&mac, request.id, &timestamp),
            Scheme::Stripe => stripe::headers(&mac, &timestamp),
            Scheme::Github => github::headers(&mac, request.id),
            Scheme::Slack => slack::headers(&mac, &timestamp),
            Scheme::Shopify => shopify::headers(&mac, request.id),
            Scheme::Hmac(scheme) => scheme.headers(&mac, request.id, &timestamp),
        }
    }

    /// Names the event a verified request carries; `source` seeds the digest id of senders
    /// that send none.
    pub fn identify(&self, source: &str, headers: &HeaderMap, body: &[u8]) -> Result<Identity, MalformedEvent> {
        let named = match self {
            Scheme::StandardWebhooks => standard_webhooks::identify(headers, body),
            Scheme::Stripe => stripe::identify(body)?,
            Scheme::Github => github::identify(headers),
            Scheme::Slack => slack::identify(headers, body),
            Scheme::Shopify => shopify::identify(headers),
            Scheme::Hmac(scheme) => scheme.identify(headers, body),
        };
        let id = match named.id {
            Some(id) if is_valid_event_id(&id) => id.into_owned(),
            Some(_) => return Err(MalformedEvent::BadId),
            None => digest_id(source, body),
        };
        Ok(Identity {
            id,
            event_type: named.event_type.map(Cow::into_owned),
            challenge: named.challenge.map(Cow::into_owned),
        })
    }

    /// The header a sender names its event's type in, where the scheme has one.
    pub fn type_header(&self) -> Option<&str> {
        match self {
            Scheme::Github => Some(github::EVENT),
            Scheme::Shopify => Some(shopify::TOPIC),
            Scheme::Hmac(scheme) => scheme.type_header(),
            Scheme::StandardWebhooks | Scheme::Stripe | Scheme::Slack => None,
        }
    }

    /// The headers worth keeping in the envelope: those the scheme reads.
    pub fn kept_headers(&self) -> Vec<String> {
        let names: &[&str] = match self {
            Scheme::StandardWebhooks => standard_webhooks::KEPT_HEADERS,
            Scheme::Stripe => stripe::KEPT_HEADERS,
            Scheme::Github => github::KEPT_HEADERS,
            Scheme::Slack => slack::KEPT_HEADERS,
            Scheme::Shopify => shopify::KEPT_HEADERS,
            Scheme::Hmac(scheme) => return scheme.kept_headers(),
        };
        names.iter().map(|name| name.to_ascii_lowercase()).collect()
    }

    fn presented<'h>(&self, headers: &'h HeaderMap) -> Result<Presented<'h>, VerifyError> {
        match self {
            Scheme::StandardWebhooks => standard_webhooks::presented(headers),
            Scheme::Stripe => stripe::presented(headers),
            Scheme::Github => github::presented(headers),
            Scheme::Slack => slack::presented(headers),
            Scheme::Shopify => shopify::presented(headers),
            Scheme::Hmac(scheme) => scheme.presented(headers),
        }
    }

    fn template(&self) -> &[Part] {
        match self {
            Scheme::StandardWebhooks => standard_webhooks::TEMPLATE,
            Scheme::Stripe => stripe::TEMPLATE,
            Scheme::Github | Scheme::Shopify => BODY_ONLY,
            Scheme::Slack => slack::TEMPLATE,
            Scheme::Hmac(scheme) => &scheme.template,
        }
    }
}

/// The template of senders that sign the body alone.
const BODY_ONLY: &[Part] = &[Part::Body];

/// The bytes a signature covers, fed to the MAC piece by piece.
struct Signed<'a> {
    parts: &'a [Part],
    id: &'a str,
    timestamp: &'a str,
    body: &'a [u8],
}

impl Signed<'_> {
    fn mac(&self, key: &SigningKey) -> Mac {
        let mut mac = key.start();
        for part in self.parts {
            let bytes = match part {
                Part::Text(text) => text.as_bytes(),
                Part::Id => self.id.as_bytes(),
                Part::Timestamp => self.timestamp.as_bytes(),
                Part::Body => self.body,
            };
            ::hmac::Mac::update(&mut mac, bytes);
        }
        ::hmac::Mac::finalize(mac).into_bytes().into()
    }
}

/// What a scheme module found naming the event, before the digest fallback.
#[derive(Debug, Default)]
pub(crate) struct Named<'a> {
    pub id: Option<Cow<'a, str>>,
    pub event_type: Option<Cow<'a, str>>,
    pub challenge: Option<Cow<'a, str>>,
}

fn check_tolerance(timestamp: i64, now: i64, tolerance: u64) -> Result<(), VerifyError> {
    let age = now.saturating_sub(timestamp);
    let limit = i64::try_from(tolerance).unwrap_or(i64::MAX);
    if age > limit {
        Err(VerifyError::TooOld { age, tolerance })
    } else if -age > limit {
        Err(VerifyError::InFuture { ahead: -age, tolerance })
    } else {
        Ok(())
    }
}

/// The id of an event whose sender gives none: the same body from the same source is the same event.
pub fn digest_id(source: &str, body: &[u8]) -> String {
    let digest = Sha256::new().chain_update(source.as_bytes()).chain_update(b"\n").chain_update(body).finalize();
    hex::encode(digest)
}

fn is_valid_event_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_EVENT_ID_LEN && id.chars().all(|c| !c.is_control())
}

/// A header's value; absent and non-ASCII values are errors naming the header.
pub(crate) fn header<'h>(headers: &'h HeaderMap, name: &str) -> Result<&'h str, VerifyError> {
    match headers.get(name) {
        None => Err(VerifyError::MissingHeader(Cow::Owned(name.to_owned()))),
        Some(value) => value.to_str().map_err(|_| VerifyError::MalformedHeader(Cow::Owned(name.to_owned()))),
    }
}

/// A header's value where it is optional, e.g. an id header used only to name the event.
pub(crate) fn optional_header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|value| value.to_str().ok()).filter(|value| !value.is_empty())
}

/// A Unix timestamp in seconds.
pub(crate) fn timestamp<'h>(text: &'h str, header: &str) -> Result<(&'h str, i64), VerifyError> {
    match text.parse::<i64>() {
        Ok(seconds) if !text.starts_with('+') => Ok((text, seconds)),
        _ => Err(VerifyError::MalformedHeader(Cow::Owned(header.to_owned()))),
    }
}

/// Decodes one presented signature; anything that is not a 32-byte MAC in `encoding` is `None`.
pub(crate) fn decode_mac(text: &str, encoding: Encoding) -> Option<Mac> {
    let mut mac = [0u8; 32];
    match encoding {
        Encoding::Hex => hex::decode_to_slice(text, &mut mac).ok().map(|()| mac),
        Encoding::Base64 => {
            let mut buffer = [0u8; 48];
            let len = BASE64.decode_slice(text, &mut buffer).ok()?;
            (len == mac.len()).then(|| {
                mac.copy_from_slice(&buffer[..len]);
                mac
            })
        }
    }
}

pub(crate) fn encode_mac(mac: &Mac, encoding: Encoding) -> String {
    match encoding {
        Encoding::Hex => hex::encode(mac),
        Encoding::Base64 => BASE64.encode(mac),
    }
}

/// A JSON body's string field, borrowed where it has no escapes.
#[derive(Deserialize)]
#[serde(transparent)]
pub(crate) struct JsonStr<'a>(#[serde(borrow)] pub Cow<'a, str>);

impl fmt::Display for JsonStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use http::{HeaderName, HeaderValue};

    use super::*;

    pub fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (HeaderName::from_bytes(name.as_bytes()).unwrap(), HeaderValue::from_str(value).unwrap())
            })
            .collect()
    }

    pub fn signed_headers(scheme: &Scheme, secret: &str, request: &SignRequest<'_>) -> HeaderMap {
        let key = scheme.key(secret, None).unwrap();
        let pairs = scheme.sign(&key, request);
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        headers(&pairs)
    }

    pub fn verify(
        scheme: &Scheme,
        secrets: &[&str],
        headers: &HeaderMap,
        body: &[u8],
        now: i64,
    ) -> Result<(), VerifyError> {
        let keys: Vec<_> = secrets.iter().map(|secret| scheme.key(secret, None).unwrap()).collect();
        scheme.verify(headers, body, &keys, 300, now)
    }

    fn every_fixed_scheme() -> [Scheme; 5] {
        [Scheme::StandardWebhooks, Scheme::Stripe, Scheme::Github, Scheme::Slack, Scheme::Shopify]
    }

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const NOW: i64 = 1_700_000_000;

    fn request(body: &[u8]) -> SignRequest<'_> {
        SignRequest { id: "evt_1", timestamp: NOW, body }
    }

    #[test]
    fn what_a_scheme_signs_it_verifies() {
        let body = br#"{"id": "evt_1", "type": "invoice.paid"}"#;
        for scheme in every_fixed_scheme() {
            let headers = signed_headers(&scheme, SECRET, &request(body));
            assert_eq!(verify(&scheme, &[SECRET], &headers, body, NOW), Ok(()), "{scheme:?}");
        }
    }

    #[test]
    fn a_tampered_body_is_refused_by_every_scheme() {
        let body = br#"{"id": "evt_1", "type": "invoice.paid", "amount": 100}"#;
        let tampered = br#"{"id": "evt_1", "type": "invoice.paid", "amount": 900}"#;
        for scheme in every_fixed_scheme() {
            let headers = signed_headers(&scheme, SECRET, &request(body));
            assert_eq!(verify(&scheme, &[SECRET], &headers, tampered, NOW), Err(VerifyError::Mismatch), "{scheme:?}");
        }
    }

    #[test]
    fn a_wrong_secret_is_refused_by_every_scheme() {
        let body = b"{}";
        let other = "whsec_dGhpcyBpcyBub3QgdGhlIHNlY3JldCB5b3Ugc2Vlaw==";
        for scheme in every_fixed_scheme() {
            let headers = signed_headers(&scheme, SECRET, &request(body));
            assert_eq!(verify(&scheme, &[other], &headers, body, NOW), Err(VerifyError::Mismatch), "{scheme:?}");
        }
    }

    #[test]
    fn during_rotation_either_secret_verifies() {
        let body = b"{}";
        let old = "whsec_dGhpcyBpcyBub3QgdGhlIHNlY3JldCB5b3Ugc2Vlaw==";
        for scheme in every_fixed_scheme() {
            for secret in [SECRET, old] {
                let headers = signed_headers(&scheme, secret, &request(body));
                assert_eq!(verify(&scheme, &[old, SECRET], &headers, body, NOW), Ok(()), "{scheme:?}");
            }
        }
    }

    #[test]
    fn stale_and_future_timestamps_are_refused_where_the_scheme_signs_one() {
        let body = b"{}";
        for scheme in [Scheme::StandardWebhooks, Scheme::Stripe, Scheme::Slack] {
            let headers = signed_headers(&scheme, SECRET, &request(body));
            assert_eq!(verify(&scheme, &[SECRET], &headers, body, NOW + 300), Ok(()), "{scheme:?} at the edge");
            assert_eq!(verify(&scheme, &[SECRET], &headers, body, NOW - 300), Ok(()), "{scheme:?} at the edge");
            assert_eq!(
                verify(&scheme, &[SECRET], &headers, body, NOW + 301),
                Err(VerifyError::TooOld { age: 301, tolerance: 300 }),
                "{scheme:?}"
            );
            assert_eq!(
                verify(&scheme, &[SECRET], &headers, body, NOW - 301),
                Err(VerifyError::InFuture { ahead: 301, tolerance: 300 }),
                "{scheme:?}"
            );
        }
    }

    #[test]
    fn without_a_usable_secret_nothing_verifies() {
        let body = b"{}";
        for scheme in every_fixed_scheme() {
            let headers = signed_headers(&scheme, SECRET, &request(body));
            assert_eq!(scheme.verify(&headers, body, &[], 300, NOW), Err(VerifyError::NoSecret), "{scheme:?}");
            let expired = scheme.key(SECRET, Some(NOW - 1)).unwrap();
            assert_eq!(scheme.verify(&headers, body, &[expired], 300, NOW), Err(VerifyError::NoSecret), "{scheme:?}");
        }
    }

    #[test]
    fn an_expired_secret_stops_verifying_when_it_expires() {
        let body = b"{}";
        let scheme = Scheme::Github;
        let headers = signed_headers(&scheme, SECRET, &request(body));
        let current = scheme.key("the new secret", None).unwrap();
        let previous = scheme.key(SECRET, Some(NOW)).unwrap();
        let keys = [current, previous];
        assert_eq!(scheme.verify(&headers, body, &keys, 300, NOW), Ok(()));
        assert_eq!(scheme.verify(&headers, body, &keys, 300, NOW + 1), Err(VerifyError::Mismatch));
    }

    #[test]
    fn missing_headers_are_named() {
        for scheme in every_fixed_scheme() {
            let error = verify(&scheme, &[SECRET], &HeaderMap::new(), b"{}", NOW).unwrap_err();
            assert!(matches!(error, VerifyError::MissingHeader(_)), "{scheme:?}: {error}");
        }
    }

    #[test]
    fn headers_are_found_whatever_their_case() {
        let body = b"Hello, World!";
        let headers = headers(&[(
            "x-hub-signature-256",
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        )]);
        assert_eq!(verify(&Scheme::Github, &["It's a Secret to Everybody"], &headers, body, NOW), Ok(()));
    }

    #[test]
    fn ids_come_from_the_sender_or_from_a_digest_of_source_and_body() {
        let body = b"payload";
        let identity = Scheme::Shopify.identify("shopify", &HeaderMap::new(), body).unwrap();
        assert_eq!(identity.id, digest_id("shopify", body));
        assert_eq!(identity.id.len(), 64);
        assert_ne!(identity.id, digest_id("other", body), "the source is part of the digest");
        assert_eq!(Scheme::Shopify.identify("shopify", &HeaderMap::new(), body).unwrap(), identity, "stable");
    }

    #[test]
    fn unprintable_or_overlong_ids_are_malformed() {
        let long = "x".repeat(MAX_EVENT_ID_LEN + 1);
        let headers = headers(&[("X-GitHub-Delivery", &long)]);
        assert_eq!(Scheme::Github.identify("github", &headers, b"{}"), Err(MalformedEvent::BadId));
    }

    #[test]
    fn signatures_decode_only_as_whole_macs() {
        let mac = [7u8; 32];
        for encoding in [Encoding::Hex, Encoding::Base64] {
            let text = encode_mac(&mac, encoding);
            assert_eq!(decode_mac(&text, encoding), Some(mac));
            assert_eq!(decode_mac(&text[..text.len() - 4], encoding), None);
            assert_eq!(decode_mac("not a mac", encoding), None);
        }
        assert_eq!(decode_mac(&hex::encode([1u8; 33]), Encoding::Hex), None);
        assert_eq!(decode_mac(&BASE64.encode([1u8; 33]), Encoding::Base64), None);
    }
}
