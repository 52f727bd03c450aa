//! Finch: `finch-signature`, a space-separated list of `v1,<base64>` (several while a secret
//! rotates), HMAC-SHA256 of `{finch-event-id}.{finch-timestamp}.{body}` with the webhook secret
//! base64-decoded (the secret is base64, with no `whsec_` prefix). `finch-timestamp` is Unix
//! seconds, within the tolerance. The id is `finch-event-id`, the type the body's `event_type`
//! (`directory.created`). The rule of finch-api's `webhooks.verify_signature`.

use std::borrow::Cow;

use super::standard_webhooks::{self, Names};
use crate::VerifyError;
use crate::engine::{Presented, Request, SignRequest, Signed};
use crate::spec::*;
use crate::wire::{self, Signature};

const ID: &str = "finch-event-id";
const TIMESTAMP: &str = "finch-timestamp";
const SIGNATURE: &str = "finch-signature";
/// Standard Webhooks' headers under Finch's names.
const NAMES: Names = Names { id: ID, timestamp: TIMESTAMP, signature: SIGNATURE };

/// Finch.
pub const PROVIDER: Provider = Provider {
    name: "finch",
    title: "Finch",
    docs: "https://developer.tryfinch.com/developer-resources/Webhooks",
    setup: "In the Finch Developer Dashboard, Webhooks → Add endpoint: paste the Hookway URL https://<api>/webhooks/<source>; the webhook secret Finch shows when the endpoint is created is the secret.",
    evidence: Evidence::Sdk("finch-api 2.9.1"),
    spec: Spec {
        signature: Carrier::Custom { shown: "finch-signature (v1), finch-event-id, finch-timestamp" },
        signed: &[Part::Id, Part::text("."), Part::Timestamp, Part::text("."), Part::Body],
        timestamp: Some(Timestamp { at: TimestampAt::Custom, format: TimeFormat::UnixSeconds, checked: true }),
        id: Some(Locate::Header(ID)),
        event_type: Some(Locate::Pointer("/event_type")),
        secret: SecretFormat::Base64Bytes,
        kept_headers: &[TIMESTAMP],
        hooks: Hooks { presented: Some(presented), identify: None, sign: Some(sign), signed: None, url_variant: None },
        ..Spec::BODY_HMAC
    },
};

/// The id, the timestamp and every `v1` signature (Finch signs with HMAC only: no `v1a`).
fn presented<'r>(request: &Request<'r>) -> Result<Presented<'r>, VerifyError> {
    let id = wire::header(request.headers, ID)?;
    let text = wire::header(request.headers, TIMESTAMP)?;
    let seconds = wire::timestamp(text, TimeFormat::UnixSeconds, TIMESTAMP)?;
    let signatures: Vec<Signature> = wire::header(request.headers, SIGNATURE)?
        .split(' ')
        .filter_map(|entry| entry.strip_prefix("v1,"))
        .filter_map(|encoded| Signature::decode(encoded, Encoding::Base64))
        .collect();
    if signatures.is_empty() {
        return Err(VerifyError::NoAcceptedSignature { header: SIGNATURE.to_owned(), version: "v1".to_owned() });
    }
    Ok(Presented {
        signatures,
        tokens: Vec::new(),
        timestamp: Some((Cow::Borrowed(text), seconds)),
        id: Some(Cow::Borrowed(id)),
    })
}

/// The id, the timestamp and `v1,<base64>`, as Standard Webhooks sends them.
fn sign(request: &SignRequest<'_>, timestamp: &str, signature: &[u8], asymmetric: bool) -> Signed {
    standard_webhooks::sign_as(&NAMES, request, timestamp, signature, asymmetric)
}
