//! Finch: Standard Webhooks' rule under Finch's header names — `finch-event-id`,
//! `finch-timestamp` (Unix seconds, checked against the tolerance) and `finch-signature`,
//! space-separated `v1,<base64>` entries (several while a secret rotates), HMAC-SHA256 of
//! `{id}.{timestamp}.{body}` keyed with the base64-decoded webhook secret. finch-api's
//! `webhooks.verify_signature` verifies it. The id is `finch-event-id`, the type the body's
//! `event_type` (`account.updated`).

use std::borrow::Cow;

use super::standard_webhooks::{self, Names, PROVIDER as STANDARD_WEBHOOKS};
use crate::VerifyError;
use crate::engine::{Presented, Request, SignRequest, Signed};
use crate::spec::*;
use crate::wire::{self, Signature};

/// Finch's header names.
const NAMES: Names = Names { id: "finch-event-id", timestamp: "finch-timestamp", signature: "finch-signature" };

/// Finch.
pub const PROVIDER: Provider = Provider {
    name: "finch",
    title: "Finch",
    docs: "https://github.com/Finch-API/finch-api-python#webhook-verification",
    setup: "In the Finch Developer Dashboard, open Webhooks and add an endpoint with `https://<api>/webhooks/<source>` as its URL; the webhook secret shown for it (base64) is the secret.",
    evidence: Evidence::Sdk("finch-api 2.9.1"),
    spec: Spec {
        signature: Carrier::Custom { shown: "finch-signature (v1), finch-event-id, finch-timestamp" },
        id: Some(Locate::Header("finch-event-id")),
        event_type: Some(Locate::Pointer("/event_type")),
        secret: SecretFormat::Base64Bytes,
        id_style: IdStyle::Uuid,
        kept_headers: &["finch-timestamp"],
        hooks: Hooks { presented: Some(presented), identify: None, sign: Some(sign), signed: None, url_variant: None },
        ..STANDARD_WEBHOOKS.spec
    },
};

/// The event id, the timestamp and every `v1` signature.
fn presented<'r>(request: &Request<'r>) -> Result<Presented<'r>, VerifyError> {
    let id = wire::header(request.headers, NAMES.id)?;
    let text = wire::header(request.headers, NAMES.timestamp)?;
    let seconds = wire::timestamp(text, TimeFormat::UnixSeconds, NAMES.timestamp)?;
    let signatures: Vec<Signature> = wire::header(request.headers, NAMES.signature)?
        .split(' ')
        .filter_map(|entry| entry.strip_prefix("v1,"))
        .filter_map(|encoded| Signature::decode(encoded, Encoding::Base64))
        .collect();
    if signatures.is_empty() {
        return Err(VerifyError::NoAcceptedSignature { header: NAMES.signature.to_owned(), version: "v1".to_owned() });
    }
    Ok(Presented { signatures, tokens: Vec::new(), timestamp: Some((Cow::Borrowed(text), seconds)), id: Some(Cow::Borrowed(id)) })
}

fn sign(request: &SignRequest<'_>, timestamp: &str, signature: &[u8], asymmetric: bool) -> Signed {
    standard_webhooks::sign_as(&NAMES, request, timestamp, signature, asymmetric)
}
