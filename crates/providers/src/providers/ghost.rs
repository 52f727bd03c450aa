//! Ghost: `X-Ghost-Signature: sha256=<hex>, t=<ms>`, the hex HMAC-SHA256 of the body followed by
//! `t` (Unix milliseconds) with the webhook's secret as UTF-8, as Ghost's webhook trigger writes
//! it; `t` is checked against the tolerance (Ghost's retries reuse it within a minute). A webhook
//! without a secret is not signed, and is refused. The body (`{"post": {"current", "previous"}}`)
//! names neither the event nor an id: its digest stands for the id, and there is no type.

use super::workos::pairs;
use crate::VerifyError;
use crate::engine::{Presented, Request, SignRequest, Signed};
use crate::spec::*;

const HEADER: &str = "X-Ghost-Signature";

/// Ghost.
pub const PROVIDER: Provider = Provider {
    name: "ghost",
    title: "Ghost",
    docs: "https://ghost.org/docs/webhooks/",
    setup: "In Ghost Admin, open Settings > Integrations, add a custom integration, then Add webhook: choose the event, set the Target URL to https://<api>/webhooks/<source>, and set a Secret (the same text is configured here).",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Custom { shown: "X-Ghost-Signature: sha256=…, t=…" },
        signed: &[Part::Body, Part::Timestamp],
        timestamp: Some(Timestamp { at: TimestampAt::Custom, format: TimeFormat::UnixMillis, checked: true }),
        hooks: Hooks { presented: Some(presented), identify: None, sign: Some(sign), signed: None, url_variant: None },
        ..Spec::BODY_HMAC
    },
};

fn presented<'r>(request: &Request<'r>) -> Result<Presented<'r>, VerifyError> {
    pairs(request, HEADER, TimeFormat::UnixMillis, &["sha256"])
}

fn sign(_request: &SignRequest<'_>, timestamp: &str, signature: &[u8], _asymmetric: bool) -> Signed {
    Signed { headers: vec![(HEADER.to_owned(), format!("sha256={}, t={timestamp}", hex::encode(signature)))], body: None }
}
