//! Sohar Health: Svix — `svix-id`, `svix-timestamp` (Unix seconds, checked against the tolerance)
//! and `svix-signature`, space-separated `v1,<base64>` entries (several while a secret rotates),
//! HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed with the base64 after the endpoint's `whsec_`
//! signing secret. Sohar's docs tell receivers to verify with the Svix SDK. The id is `svix-id`;
//! the body (a verification's or discovery's `status` and id) carries no event type, so none is
//! named.

use super::standard_webhooks::SVIX_SPEC;
use crate::spec::*;

/// Sohar Health.
pub const PROVIDER: Provider = Provider {
    name: "sohar-health",
    title: "Sohar Health",
    docs: "https://docs.soharhealth.com/documentation/webhooks/security",
    setup: "In the Sohar Health dashboard, open Webhooks (the Svix portal) and add an endpoint with `https://<api>/webhooks/<source>` as its URL; the endpoint's Signing Secret (`whsec_…`) is the secret.",
    evidence: Evidence::Verifier("svix 2.9.1"),
    spec: Spec {
        id: Some(Locate::Header("svix-id")),
        event_type: None,
        kept_headers: &["svix-timestamp"],
        hooks: Hooks { identify: None, ..SVIX_SPEC.hooks },
        ..SVIX_SPEC
    },
};
