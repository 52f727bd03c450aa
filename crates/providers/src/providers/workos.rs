//! WorkOS: `WorkOS-Signature: t=<ms>, v1=<hex>` — a comma and a space between the pairs — the hex
//! HMAC-SHA256 of `{t}.{body}` with the webhook endpoint's secret as UTF-8, `t` in Unix
//! milliseconds and checked against the tolerance (WorkOS's SDKs allow 180 seconds). The id is the
//! body's `id` (`event_…`), the type its `event` (`dsync.user.created`). One signature a request:
//! a rotated secret is configured as a second key while both may sign.

use std::borrow::Cow;

use crate::VerifyError;
use crate::engine::{Presented, Request, SignRequest, Signed};
use crate::spec::*;
use crate::wire::{self, Signature};

const HEADER: &str = "WorkOS-Signature";

/// WorkOS.
pub const PROVIDER: Provider = Provider {
    name: "workos",
    title: "WorkOS",
    docs: "https://workos.com/docs/events/data-syncing/webhooks",
    setup: "In the WorkOS dashboard, under Webhooks, create an endpoint with the URL https://<api>/webhooks/<source> and copy its secret.",
    evidence: Evidence::Sdk("workos 10.8.0"),
    spec: Spec {
        signature: Carrier::Custom { shown: "WorkOS-Signature: t=…, v1=…" },
        signed: &[Part::Timestamp, Part::text("."), Part::Body],
        timestamp: Some(Timestamp { at: TimestampAt::Custom, format: TimeFormat::UnixMillis, checked: true }),
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/event")),
        hooks: Hooks { presented: Some(presented), identify: None, sign: Some(sign), signed: None, url_variant: None },
        ..Spec::BODY_HMAC
    },
};

fn presented<'r>(request: &Request<'r>) -> Result<Presented<'r>, VerifyError> {
    pairs(request, HEADER, TimeFormat::UnixMillis, &["v1"])
}

/// A header of `t=<timestamp>` and signature pairs, separated by commas, spaces or both (Persona
/// sends two `t=…,v1=…` groups, space-separated, while a secret rotates): every pair named in
/// `signature_keys` is a hex signature that counts, and the first `t` is the timestamp.
pub(super) fn pairs<'r>(
    request: &Request<'r>,
    header: &str,
    format: TimeFormat,
    signature_keys: &[&str],
) -> Result<Presented<'r>, VerifyError> {
    let value = wire::header(request.headers, header)?;
    let mut presented = Presented::default();
    for (key, entry) in value.split([',', ' ']).filter_map(|pair| pair.split_once('=')) {
        if key == "t" && presented.timestamp.is_none() {
            let seconds = wire::timestamp(entry, format, header)?;
            presented.timestamp = Some((Cow::Borrowed(entry), seconds));
        } else if signature_keys.contains(&key) {
            presented.signatures.extend(Signature::decode(entry, Encoding::Hex));
        }
    }
    if presented.timestamp.is_none() {
        return Err(wire::malformed(header));
    }
    if presented.signatures.is_empty() {
        return Err(VerifyError::NoAcceptedSignature { header: header.to_owned(), version: signature_keys.join("|") });
    }
    Ok(presented)
}

fn sign(_request: &SignRequest<'_>, timestamp: &str, signature: &[u8], _asymmetric: bool) -> Signed {
    let value = format!("t={timestamp}, v1={}", hex::encode(signature));
    Signed { headers: vec![(HEADER.to_owned(), value)], body: None }
}
