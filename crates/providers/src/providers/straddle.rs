//! Straddle: its webhooks are sent by Svix — `svix-id`, `svix-timestamp` (Unix seconds, checked
//! against the tolerance) and `svix-signature` (`v1,<base64>` entries, several during a rotation),
//! HMAC-SHA256 of `{svix-id}.{svix-timestamp}.{body}` with the endpoint's `whsec_` base64 secret;
//! Straddle's docs verify with Svix's libraries. The id is the body's `event_id`, the type its
//! `event_type` (`charge.created.v1`).

use super::standard_webhooks::SVIX_SPEC;
use crate::spec::*;

/// Straddle.
pub const PROVIDER: Provider = Provider {
    name: "straddle",
    title: "Straddle",
    docs: "https://docs.straddle.io/webhooks/security/sdks",
    setup: "In the Straddle dashboard, Developers → Webhooks: add an endpoint with the Hookway URL \
            `https://<api>/webhooks/<source>` and pick the event types; the endpoint's signing \
            secret (`whsec_…`) is the source's secret.",
    evidence: Evidence::Verifier("svix 2.9.1"),
    spec: Spec {
        id: Some(Locate::Pointer("/event_id")),
        event_type: Some(Locate::Pointer("/event_type")),
        hooks: Hooks { identify: None, ..SVIX_SPEC.hooks },
        ..SVIX_SPEC
    },
};
