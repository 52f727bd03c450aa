//! The one engine every provider runs on: it reads a [`Spec`] and verifies, signs, names the event
//! and answers the handshake.
//!
//! * the raw body bytes are signed, never re-serialised JSON, and they are fed to the MAC (or the
//!   ECDSA digest) in place, never copied; Ed25519, which needs the message whole, copies it once;
//! * each active key is tried against every signature presented (rotation on both sides), and
//!   compared in constant time; tokens and basic credentials too;
//! * the timestamp must lie within the tolerance both into the past and into the future;
//! * it fails closed: with no usable key, nothing verifies.

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signer as _, Verifier as _};
use http::HeaderMap;
use p256::ecdsa::signature::{DigestSigner as _, DigestVerifier as _};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::key::{Key, Material};
use crate::spec::{Algorithm, Carrier, Handshake, Locate, Part, Spec, TimeFormat, TimestampAt};
use crate::wire::{self, Signature};
use crate::{Identity, MalformedEvent, VerifyError, digest_id, is_valid_event_id};

/// A request as the provider sent it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'r> {
    /// The HTTP method, e.g. `POST`.
    pub method: &'r str,
    /// The full URL the provider called (scheme, host, path and query), for providers that sign
    /// it and for handshakes that read the query; empty when unknown.
    pub url: &'r str,
    /// The headers.
    pub headers: &'r HeaderMap,
    /// The raw body.
    pub body: &'r [u8],
}

impl<'r> Request<'r> {
    /// A `POST` of `body` with `headers`, at an unknown URL.
    pub fn post(headers: &'r HeaderMap, body: &'r [u8]) -> Request<'r> {
        Request { method: "POST", url: "", headers, body }
    }
}

/// What the sender presented, borrowed from the request.
#[derive(Debug, Default)]
pub struct Presented<'r> {
    /// Every signature that counts, decoded.
    pub signatures: Vec<Signature>,
    /// Every token or credential presented ([`Algorithm::Token`], [`Algorithm::Basic`]).
    pub tokens: Vec<Cow<'r, str>>,
    /// The signed timestamp, as sent and as Unix seconds.
    pub timestamp: Option<(Cow<'r, str>, i64)>,
    /// The signed event id where the template has one (or another signed value a provider's
    /// hooks use, such as Mailgun's token).
    pub id: Option<Cow<'r, str>>,
}

/// What a provider found naming the event, before the digest fallback.
#[derive(Debug, Default)]
pub struct Named<'r> {
    /// The event id.
    pub id: Option<Cow<'r, str>>,
    /// The event type.
    pub event_type: Option<Cow<'r, str>>,
}

/// The answer to a handshake: the request is answered with it and never enqueued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The content type of the body.
    pub content_type: &'static str,
    /// The body.
    pub body: String,
    /// Further headers.
    pub headers: Vec<(&'static str, &'static str)>,
}

impl Answer {
    /// `200` with this JSON.
    pub fn json(body: &serde_json::Value) -> Answer {
        Answer { status: 200, content_type: "application/json", body: body.to_string(), headers: Vec::new() }
    }

    /// `200` with this text.
    pub fn text(body: impl Into<String>) -> Answer {
        Answer { status: 200, content_type: "text/plain", body: body.into(), headers: Vec::new() }
    }
}

/// What `sign` signs.
#[derive(Debug, Clone, Copy)]
pub struct SignRequest<'a> {
    /// The event id, for providers that send one in a header.
    pub id: &'a str,
    /// Unix seconds, for providers with a timestamp.
    pub timestamp: i64,
    /// The raw body.
    pub body: &'a [u8],
    /// The HTTP method, for providers that sign it.
    pub method: &'a str,
    /// The full URL, for providers that sign it.
    pub url: &'a str,
}

/// A signed request: the headers to send, and the body when the signature travels in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// `(name, value)` pairs.
    pub headers: Vec<(String, String)>,
    /// The body to send instead of the one given (Mailgun's signature is in its body).
    pub body: Option<Vec<u8>>,
}

/// Why a request cannot be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// Only the provider holds the private key.
    #[error("{0} signs with its private key: give a test key with --private-key")]
    PublicKey(&'static str),
    /// The provider signs the URL.
    #[error("this provider signs the URL it calls: give it with --url")]
    NeedsUrl,
}

/// Verifies `request` against `keys` at Unix time `now`.
pub fn verify(
    spec: &Spec<'_>,
    request: &Request<'_>,
    keys: &[Key],
    tolerance: u64,
    now: i64,
) -> Result<(), VerifyError> {
    verifying_key(spec, request, keys, tolerance, now).map(drop)
}

/// The key that verifies `request`.
fn verifying_key<'k>(
    spec: &Spec<'_>,
    request: &Request<'_>,
    keys: &'k [Key],
    tolerance: u64,
    now: i64,
) -> Result<&'k Key, VerifyError> {
    if !keys.iter().any(|key| key.is_active(now)) {
        return Err(VerifyError::NoSecret);
    }
    let presented = presented(spec, request)?;
    if let (Some((_, timestamp)), true) = (&presented.timestamp, spec.timestamp.is_some_and(|t| t.checked)) {
        check_tolerance(*timestamp, now, tolerance)?;
    }
    if spec.hooks.signed.is_none() && spec.signed.contains(&Part::Url) && request.url.is_empty() {
        return Err(VerifyError::NoUrl);
    }
    let found = match spec.algorithm {
        Algorithm::Token | Algorithm::Basic => keys.iter().filter(|key| key.is_active(now)).find(|key| {
            let token = key.token_bytes().unwrap_or_default();
            presented.tokens.iter().any(|presented| bool::from(presented.as_bytes().ct_eq(token)))
        }),
        _ => signing_key(spec, request, &presented, keys, now).or_else(|| {
            // The provider may have signed another spelling of the same URL (Twilio's port).
            let variant = spec.hooks.url_variant.and_then(|variant| variant(request.url))?;
            signing_key(spec, &Request { url: &variant, ..*request }, &presented, keys, now)
        }),
    };
    found.ok_or(VerifyError::Mismatch)
}

/// The active key whose signature over `request` was presented.
fn signing_key<'k>(
    spec: &Spec<'_>,
    request: &Request<'_>,
    presented: &Presented<'_>,
    keys: &'k [Key],
    now: i64,
) -> Option<&'k Key> {
    let message = Message { spec, request, presented };
    let mut whole: Option<Vec<u8>> = None;
    keys.iter().filter(|key| key.is_active(now)).find(|key| match &key.material {
        Material::Ed25519(public) => {
            let whole = whole.get_or_insert_with(|| message.to_vec());
            ed25519_matches(public, whole, &presented.signatures)
        }
        Material::Ed25519Signing(private) => {
            let whole = whole.get_or_insert_with(|| message.to_vec());
            ed25519_matches(&private.verifying_key(), whole, &presented.signatures)
        }
        Material::P256(public) => p256_matches(public, &message, &presented.signatures),
        Material::P256Signing(private) => p256_matches(private.verifying_key(), &message, &presented.signatures),
        _ => message.mac(key).is_some_and(|expected| {
            presented.signatures.iter().any(|signature| bool::from(expected.as_bytes().ct_eq(signature.as_bytes())))
        }),
    })
}

fn ed25519_matches(public: &ed25519_dalek::VerifyingKey, message: &[u8], signatures: &[Signature]) -> bool {
    signatures.iter().any(|signature| {
        ed25519_dalek::Signature::from_slice(signature.as_bytes())
            .is_ok_and(|signature| public.verify(message, &signature).is_ok())
    })
}

fn p256_matches(public: &p256::ecdsa::VerifyingKey, message: &Message<'_, '_>, signatures: &[Signature]) -> bool {
    signatures.iter().any(|signature| {
        p256::ecdsa::Signature::from_der(signature.as_bytes()).is_ok_and(|signature| {
            let mut digest = Sha256::new();
            message.feed(&mut |bytes| digest.update(bytes));
            public.verify_digest(digest, &signature).is_ok()
        })
    })
}

/// The signed bytes of a request, fed piece by piece.
struct Message<'m, 'r> {
    spec: &'m Spec<'m>,
    request: &'m Request<'r>,
    presented: &'m Presented<'r>,
}

impl Message<'_, '_> {
    fn feed(&self, sink: &mut dyn FnMut(&[u8])) {
        if let Some(signed) = self.spec.hooks.signed {
            return sink(&signed(self.request, self.presented));
        }
        let timestamp = self.presented.timestamp.as_ref().map(|(text, _)| text.as_ref()).unwrap_or_default();
        feed_parts(self.spec.signed, self.request, self.presented.id.as_deref().unwrap_or_default(), timestamp, sink);
    }

    fn to_vec(&self) -> Vec<u8> {
        let mut whole = Vec::with_capacity(self.request.body.len() + 64);
        self.feed(&mut |bytes| whole.extend_from_slice(bytes));
        whole
    }

    /// The MAC of an HMAC key over the message.
    fn mac(&self, key: &Key) -> Option<Signature> {
        key.mac_over(&|sink| self.feed(sink))
    }
}

fn feed_parts(parts: &[Part], request: &Request<'_>, id: &str, timestamp: &str, sink: &mut dyn FnMut(&[u8])) {
    for part in parts {
        match part {
            Part::Text(text) => sink(text.as_bytes()),
            Part::Id => sink(id.as_bytes()),
            Part::Timestamp => sink(timestamp.as_bytes()),
            Part::Body => sink(request.body),
            Part::Method => sink(request.method.as_bytes()),
            Part::Url => sink(request.url.as_bytes()),
            Part::SortedForm => {
                for (name, value) in wire::sorted_form(request.body) {
                    sink(name.as_bytes());
                    sink(value.as_bytes());
                }
            }
        }
    }
}

/// What the request presents, as the spec says (or its hook).
fn presented<'r>(spec: &Spec<'_>, request: &Request<'r>) -> Result<Presented<'r>, VerifyError> {
    if let Some(hook) = spec.hooks.presented {
        return hook(request);
    }
    let headers = request.headers;
    let mut presented = Presented::default();
    let mut pair_timestamp = None;
    match spec.signature {
        Carrier::Header { name, prefix, encoding } => {
            let signature = wire::header(headers, name)?
                .strip_prefix(prefix)
                .and_then(|encoded| Signature::decode(encoded, encoding))
                .ok_or_else(|| wire::malformed(name))?;
            presented.signatures.push(signature);
        }
        Carrier::Versioned { name, version, encoding } => match wire::header(headers, name)?.split_once('=') {
            Some((sent, encoded)) if sent == version => {
                presented.signatures.push(Signature::decode(encoded, encoding).ok_or_else(|| wire::malformed(name))?);
            }
            Some(_) => {
                return Err(VerifyError::NoAcceptedSignature { header: name.to_owned(), version: version.to_owned() });
            }
            None => return Err(wire::malformed(name)),
        },
        Carrier::Pairs { name, separator, timestamp_key, signature_key, encoding } => {
            let value = wire::header(headers, name)?;
            for (key, entry) in value.split(separator).filter_map(|pair| pair.trim().split_once('=')) {
                if Some(key) == timestamp_key && pair_timestamp.is_none() {
                    pair_timestamp = Some(entry);
                } else if key == signature_key {
                    presented.signatures.extend(Signature::decode(entry, encoding));
                }
            }
            if timestamp_key.is_some() && pair_timestamp.is_none() {
                return Err(wire::malformed(name));
            }
            if presented.signatures.is_empty() {
                return Err(VerifyError::NoAcceptedSignature {
                    header: name.to_owned(),
                    version: signature_key.to_owned(),
                });
            }
        }
        Carrier::Token { name } => presented.tokens.push(Cow::Borrowed(wire::header(headers, name)?)),
        Carrier::Basic => presented.tokens.push(Cow::Owned(basic_credential(headers)?)),
        Carrier::Custom { shown } => return Err(VerifyError::MissingHeader(Cow::Owned(shown.to_owned()))),
    }
    if let Some(timestamp) = spec.timestamp {
        let (text, what) = match timestamp.at {
            TimestampAt::Header(name) => (Cow::Borrowed(wire::header(headers, name)?), name),
            TimestampAt::Pairs => (Cow::Borrowed(pair_timestamp.unwrap_or_default()), spec.signature.shown()),
            TimestampAt::Pointer(pointer) => {
                let found = wire::pointer(request.body, pointer).ok().flatten();
                (found.ok_or(VerifyError::MalformedBody)?, pointer)
            }
            TimestampAt::Custom => (Cow::Borrowed(""), ""),
        };
        let seconds = wire::timestamp(&text, timestamp.format, what)?;
        presented.timestamp = Some((text, seconds));
    }
    if let (true, Some(Locate::Header(name))) = (spec.signed.contains(&Part::Id), spec.id) {
        presented.id = Some(Cow::Borrowed(wire::header(headers, name)?));
    }
    Ok(presented)
}

/// `Authorization: Basic <base64 of user:password>`, decoded.
fn basic_credential(headers: &HeaderMap) -> Result<String, VerifyError> {
    let value = wire::header(headers, "Authorization")?;
    let encoded = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .map(|(_, encoded)| encoded.trim())
        .ok_or_else(|| wire::malformed("Authorization"))?;
    let decoded = BASE64.decode(encoded).map_err(|_| wire::malformed("Authorization"))?;
    String::from_utf8(decoded).map_err(|_| wire::malformed("Authorization"))
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

/// The headers (and, for body-carried signatures, the body) a sender would send.
pub fn sign(
    spec: &Spec<'_>,
    provider: &'static str,
    key: &Key,
    request: &SignRequest<'_>,
) -> Result<Signed, SignError> {
    if spec.signed.contains(&Part::Url) && request.url.is_empty() {
        return Err(SignError::NeedsUrl);
    }
    let timestamp_text = match spec.timestamp.map(|timestamp| timestamp.format) {
        Some(TimeFormat::UnixMillis) => (request.timestamp * 1000).to_string(),
        Some(TimeFormat::Rfc3339) => u64::try_from(request.timestamp)
            .map(|seconds| {
                humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds))
                    .to_string()
            })
            .unwrap_or_default(),
        _ => request.timestamp.to_string(),
    };
    let http = HeaderMap::new();
    let as_request = Request { method: request.method, url: request.url, headers: &http, body: request.body };
    let presented = Presented {
        timestamp: Some((Cow::Borrowed(timestamp_text.as_str()), request.timestamp)),
        id: Some(Cow::Borrowed(request.id)),
        ..Presented::default()
    };
    let message = Message { spec, request: &as_request, presented: &presented };
    let signature: Vec<u8> = match &key.material {
        Material::Ed25519Signing(private) => private.sign(&message.to_vec()).to_bytes().to_vec(),
        Material::P256Signing(private) => {
            let mut digest = Sha256::new();
            message.feed(&mut |bytes| digest.update(bytes));
            let signature: p256::ecdsa::Signature = private.sign_digest(digest);
            signature.to_der().as_bytes().to_vec()
        }
        Material::Token(token) => token.to_vec(),
        Material::Ed25519(_) | Material::P256(_) => return Err(SignError::PublicKey(provider)),
        _ => message.mac(key).map(|mac| mac.as_bytes().to_vec()).unwrap_or_default(),
    };
    let mut headers = Vec::new();
    if let Some(Locate::Header(name)) = spec.id {
        headers.push((name.to_owned(), request.id.to_owned()));
    }
    if let Some(crate::spec::Timestamp { at: TimestampAt::Header(name), .. }) = spec.timestamp {
        headers.push((name.to_owned(), timestamp_text.clone()));
    }
    match spec.signature {
        Carrier::Header { name, prefix, encoding } => {
            headers.push((name.to_owned(), format!("{prefix}{}", wire::encode(&signature, encoding))));
        }
        Carrier::Versioned { name, version, encoding } => {
            headers.push((name.to_owned(), format!("{version}={}", wire::encode(&signature, encoding))));
        }
        Carrier::Pairs { name, separator, timestamp_key, signature_key, encoding } => {
            let encoded = wire::encode(&signature, encoding);
            let value = match timestamp_key {
                Some(key) => format!("{key}={timestamp_text}{separator}{signature_key}={encoded}"),
                None => format!("{signature_key}={encoded}"),
            };
            headers.push((name.to_owned(), value));
        }
        Carrier::Token { name } => headers.push((name.to_owned(), String::from_utf8_lossy(&signature).into_owned())),
        Carrier::Basic => headers.push(("Authorization".to_owned(), format!("Basic {}", BASE64.encode(&signature)))),
        Carrier::Custom { .. } => {
            if let Some(hook) = spec.hooks.sign {
                let custom = hook(request, &timestamp_text, &signature, key.is_public_key_pair());
                headers.extend(custom.headers);
                return Ok(Signed { headers, body: custom.body });
            }
        }
    }
    Ok(Signed { headers, body: None })
}

/// Names the event of a verified request; `source` seeds the digest id of senders that send none.
pub fn identify(spec: &Spec<'_>, source: &str, request: &Request<'_>) -> Result<Identity, MalformedEvent> {
    let named = match spec.hooks.identify {
        Some(hook) => hook(request)?,
        None => Named { id: locate(spec, spec.id, request)?, event_type: locate(spec, spec.event_type, request)? },
    };
    let id = match named.id {
        Some(id) if is_valid_event_id(&id) => id.into_owned(),
        Some(_) => return Err(MalformedEvent::BadId),
        None => digest_id(source, request.body),
    };
    Ok(Identity { id, event_type: named.event_type.map(Cow::into_owned) })
}

fn locate<'r>(
    spec: &Spec<'_>,
    locate: Option<Locate<'_>>,
    request: &Request<'r>,
) -> Result<Option<Cow<'r, str>>, MalformedEvent> {
    match locate {
        None => Ok(None),
        Some(Locate::Header(name)) => Ok(wire::optional_header(request.headers, name).map(Cow::Borrowed)),
        Some(Locate::Pointer(pointer)) => match wire::pointer(request.body, pointer) {
            Ok(Some(value)) => Ok(Some(value)),
            Ok(None) if spec.naming_required => Err(MalformedEvent::MissingField(pointer.to_owned())),
            Err(_) if spec.naming_required => Err(MalformedEvent::NotJson),
            _ => Ok(None),
        },
    }
}

/// The answer to a `GET` handshake, if the request is one the provider documents.
pub fn answer_get(spec: &Spec<'_>, request: &Request<'_>, keys: &[Key]) -> Option<Answer> {
    match spec.handshake? {
        Handshake::Get { answer, .. } if request.method.eq_ignore_ascii_case("GET") => answer(request, keys),
        _ => None,
    }
}

/// The answer to a signed handshake, once `request` has verified. Whether it is a handshake is
/// asked first — a look at a header or a field — so an ordinary event is not verified again.
pub fn answer_verified(
    spec: &Spec<'_>,
    request: &Request<'_>,
    keys: &[Key],
    tolerance: u64,
    now: i64,
) -> Option<Answer> {
    let Some(Handshake::Verified { answer, .. }) = spec.handshake else { return None };
    keys.iter().filter(|key| key.is_active(now)).find_map(|key| {
        let answered = answer(request, key)?;
        verifying_key(spec, request, std::slice::from_ref(key), tolerance, now).ok().map(|_| answered)
    })
}

/// The signed bytes as the engine feeds them, for a provider's tests.
#[doc(hidden)]
pub fn signed_bytes(spec: &Spec<'_>, request: &Request<'_>, id: &str, timestamp: &str) -> Vec<u8> {
    let mut whole = Vec::new();
    feed_parts(spec.signed, request, id, timestamp, &mut |bytes| whole.extend_from_slice(bytes));
    whole
}
