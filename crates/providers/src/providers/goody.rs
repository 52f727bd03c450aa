//! Goody: sent by Svix — `svix-id`, `svix-timestamp` (Unix seconds, within the tolerance) and
//! `svix-signature` (space-separated `v1,<base64>`, several while a secret rotates), HMAC-SHA256
//! of `{id}.{timestamp}.{body}` with the base64 after `whsec_` in the endpoint's signing secret.
//! The id is `svix-id`, the type the body's `event_type` (`order.shipped`).

use super::standard_webhooks::SVIX_SPEC;
use crate::spec::*;

/// Goody.
pub const PROVIDER: Provider = Provider {
    name: "goody",
    title: "Goody",
    docs: "https://developer.ongoody.com/webhooks/webhook-security",
    setup: "In Goody, Organization → Automation API or Commerce API → your app → Webhooks: add an endpoint with the Hookway URL https://<api>/webhooks/<source>; the endpoint's Signing Secret (whsec_…) is the secret.",
    evidence: Evidence::Documented,
    spec: Spec {
        id: Some(Locate::Header("svix-id")),
        event_type: Some(Locate::Pointer("/event_type")),
        hooks: Hooks { identify: None, ..SVIX_SPEC.hooks },
        ..SVIX_SPEC
    },
};
