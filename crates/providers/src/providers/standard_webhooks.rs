//! [Standard Webhooks](https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp` and
//! `webhook-signature`, a space-separated list of `v1,<base64>` (HMAC-SHA256 with the `whsec_`
//! base64 secret) and `v1a,<base64>` (Ed25519, verified with a `whpk_` public key), over
//! `{id}.{timestamp}.{body}`. Svix, which wrote the specification, sends the same headers prefixed
//! `svix-`; both are accepted. The type is the payload's `type`.
//!
//! The providers that send Standard Webhooks under Svix's names (Svix, Clerk, Resend) use these
//! hooks with their own header names.

use std::borrow::Cow;

use crate::engine::{Named, Presented, Request, SignRequest, Signed};
use crate::spec::*;
use crate::wire::{self, Signature};
use crate::{MalformedEvent, VerifyError};

/// Standard Webhooks.
pub const PROVIDER: Provider = Provider {
    name: "standard-webhooks",
    title: "Standard Webhooks",
    docs: "https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md",
    setup: "In the sender's webhook settings, paste the Hookway URL; its signing secret (whsec_…, or a whpk_… public key for asymmetric signatures) is the secret.",
    evidence: Evidence::Sdk("standardwebhooks 1.1.0"),
    spec: Spec {
        signature: Carrier::Custom { shown: "webhook-signature (v1, v1a), webhook-id, webhook-timestamp; or svix-*" },
        signed: &[Part::Id, Part::text("."), Part::Timestamp, Part::text("."), Part::Body],
        timestamp: Some(Timestamp { at: TimestampAt::Custom, format: TimeFormat::UnixSeconds, checked: true }),
        event_type: Some(Locate::Pointer("/type")),
        secret: SecretFormat::Whsec,
        id_style: IdStyle::Prefixed("msg_"),
        kept_headers: &["webhook-id", "webhook-timestamp", "svix-id", "svix-timestamp"],
        hooks: Hooks { presented: Some(presented), identify: Some(identify), sign: Some(sign), signed: None, url_variant: None },
        ..Spec::BODY_HMAC
    },
};

/// The header names of the specification, and Svix's.
#[derive(Debug)]
pub struct Names {
    /// The id header.
    pub id: &'static str,
    /// The timestamp header.
    pub timestamp: &'static str,
    /// The signature header.
    pub signature: &'static str,
}

/// The specification's names.
pub const STANDARD: Names = Names { id: "webhook-id", timestamp: "webhook-timestamp", signature: "webhook-signature" };
/// Svix's names.
pub const SVIX: Names = Names { id: "svix-id", timestamp: "svix-timestamp", signature: "svix-signature" };

fn names(request: &Request<'_>) -> &'static Names {
    let headers = request.headers;
    if !headers.contains_key(STANDARD.signature) && headers.contains_key(SVIX.signature) { &SVIX } else { &STANDARD }
}

/// The id, timestamp and every `v1` and `v1a` signature, under either family of names.
pub fn presented<'r>(request: &Request<'r>) -> Result<Presented<'r>, VerifyError> {
    let names = names(request);
    let id = wire::header(request.headers, names.id)?;
    let text = wire::header(request.headers, names.timestamp)?;
    let seconds = wire::timestamp(text, TimeFormat::UnixSeconds, names.timestamp)?;
    let signatures: Vec<Signature> = wire::header(request.headers, names.signature)?
        .split(' ')
        .filter_map(|entry| entry.strip_prefix("v1,").or_else(|| entry.strip_prefix("v1a,")))
        .filter_map(|encoded| Signature::decode(encoded, Encoding::Base64))
        .collect();
    if signatures.is_empty() {
        return Err(VerifyError::NoAcceptedSignature { header: names.signature.to_owned(), version: "v1".to_owned() });
    }
    Ok(Presented {
        signatures,
        tokens: Vec::new(),
        timestamp: Some((Cow::Borrowed(text), seconds)),
        id: Some(Cow::Borrowed(id)),
    })
}

/// The id is the id header; the type is the payload's `type`.
pub fn identify<'r>(request: &Request<'r>) -> Result<Named<'r>, MalformedEvent> {
    let names = names(request);
    Ok(Named {
        id: wire::optional_header(request.headers, names.id).map(Cow::Borrowed),
        event_type: wire::pointer(request.body, "/type").ok().flatten(),
    })
}

/// The headers of a sender using `names`: `v1a` for an Ed25519 signature, else `v1`.
pub fn sign_as(names: &Names, request: &SignRequest<'_>, timestamp: &str, signature: &[u8], asymmetric: bool) -> Signed {
    let version = if asymmetric { "v1a" } else { "v1" };
    Signed {
        headers: vec![
            (names.id.to_owned(), request.id.to_owned()),
            (names.timestamp.to_owned(), timestamp.to_owned()),
            (names.signature.to_owned(), format!("{version},{}", wire::encode(signature, Encoding::Base64))),
        ],
        body: None,
    }
}

fn sign(request: &SignRequest<'_>, timestamp: &str, signature: &[u8], asymmetric: bool) -> Signed {
    sign_as(&STANDARD, request, timestamp, signature, asymmetric)
}

fn sign_svix(request: &SignRequest<'_>, timestamp: &str, signature: &[u8], asymmetric: bool) -> Signed {
    sign_as(&SVIX, request, timestamp, signature, asymmetric)
}

/// Standard Webhooks under Svix's header names, as Svix and the services built on it (Clerk,
/// Resend) send it: `svix-id`, `svix-timestamp`, `svix-signature`. The type is the body's `type`.
pub const SVIX_SPEC: Spec<'static> = Spec {
    signature: Carrier::Custom { shown: "svix-signature, svix-id, svix-timestamp" },
    kept_headers: &["svix-id", "svix-timestamp"],
    hooks: Hooks { presented: Some(presented), identify: Some(identify), sign: Some(sign_svix), signed: None, url_variant: None },
    ..PROVIDER.spec
};

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD as BASE64;
    use http::HeaderMap;

    use crate::engine::{Request, SignRequest};
    use crate::key::generate;
    use crate::spec::{Algorithm, SecretFormat};
    use crate::{Scheme, VerifyError};

    /// A `whsk_` test key signs `v1a` entries; the `whpk_` public key verifies them.
    #[test]
    fn asymmetric_v1a_signatures_verify_with_a_whpk_public_key() {
        let seed = [5u8; 32];
        let public = hex::decode(generate(Algorithm::Ed25519, SecretFormat::Ed25519Hex, seed).secret).unwrap();
        let scheme = Scheme::named("standard-webhooks").unwrap();
        let private = scheme.private_key(&format!("whsk_{}", BASE64.encode(seed))).unwrap();
        let public = scheme.key(&format!("whpk_{}", BASE64.encode(public)), None).unwrap();
        let body = br#"{"type": "user.created"}"#;
        let request = SignRequest { id: "msg_1", timestamp: 1_700_000_000, body, method: "POST", url: "" };
        let signed = scheme.sign(&private, &request).unwrap();
        assert!(signed.headers[2].1.starts_with("v1a,"), "{:?}", signed.headers);
        let headers: HeaderMap = signed.headers.iter().map(|(n, v)| (n.parse().unwrap(), v.parse().unwrap())).collect();
        let keys = [public];
        assert_eq!(scheme.verify(&Request::post(&headers, body), &keys, 300, 1_700_000_000), Ok(()));
        let tampered = br#"{"type": "user.deleted"}"#;
        assert_eq!(scheme.verify(&Request::post(&headers, tampered), &keys, 300, 1_700_000_000), Err(VerifyError::Mismatch));
        let hmac = scheme.key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", None).unwrap();
        assert_eq!(scheme.verify(&Request::post(&headers, body), &[hmac], 300, 1_700_000_000), Err(VerifyError::Mismatch));
    }
}
