//! Goody: Svix — `svix-id`, `svix-timestamp` (Unix seconds, checked against the tolerance) and
//! `svix-signature`, space-separated `v1,<base64>` entries (several while a secret rotates),
//! HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed with the base64 after the endpoint's `whsec_`
//! signing secret. Goody's docs tell receivers to verify with the Svix libraries. The id is
//! `svix-id`, the type the body's `event_type` (`order.created`).

use super::standard_webhooks::SVIX_SPEC;
use crate::spec::*;

/// Goody.
pub const PROVIDER: Provider = Provider {
    name: "goody",
    title: "Goody",
    docs: "https://developer.ongoody.com/webhooks/webhook-security",
    setup: "In Goody, open Organization → Automation API (or Commerce API), add an endpoint with `https://<api>/webhooks/<source>` as its Endpoint URL; the endpoint's Signing Secret (`whsec_…`) is the secret.",
    evidence: Evidence::Documented,
    spec: Spec {
        id: Some(Locate::Header("svix-id")),
        event_type: Some(Locate::Pointer("/event_type")),
        kept_headers: &["svix-timestamp"],
        hooks: Hooks { identify: None, ..SVIX_SPEC.hooks },
        ..SVIX_SPEC
    },
};
