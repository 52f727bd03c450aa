//! Goody: its webhooks are sent by Svix — `svix-id`, `svix-timestamp` (Unix seconds, checked
//! against the tolerance) and `svix-signature` (`v1,<base64>` entries, several during a rotation),
//! HMAC-SHA256 of `{svix-id}.{svix-timestamp}.{body}` with the `whsec_` base64 secret. The id is
//! the body's `id` (the event's), the type its `event_type` (`order.delivered`).

use super::standard_webhooks::{self, SVIX};
use crate::engine::{SignRequest, Signed};
use crate::spec::*;

/// Goody.
pub const PROVIDER: Provider = Provider {
    name: "goody",
    title: "Goody",
    docs: "https://developer.ongoody.com/webhooks/webhook-security",
    setup: "In Goody, Organization → Automation API (or Commerce API, then the app) → Webhooks: add an \
            endpoint with the Hookway URL `https://<api>/webhooks/<source>`; the endpoint's Signing \
            Secret (`whsec_…`) is the source's secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Custom { shown: "svix-signature, svix-id, svix-timestamp" },
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/event_type")),
        kept_headers: &["svix-id", "svix-timestamp"],
        hooks: Hooks {
            presented: Some(standard_webhooks::presented),
            identify: None,
            sign: Some(sign),
            signed: None,
            url_variant: None,
        },
        ..standard_webhooks::PROVIDER.spec
    },
};

fn sign(request: &SignRequest<'_>, timestamp: &str, signature: &[u8], asymmetric: bool) -> Signed {
    standard_webhooks::sign_as(&SVIX, request, timestamp, signature, asymmetric)
}
