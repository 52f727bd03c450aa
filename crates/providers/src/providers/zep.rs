//! Zep: sent by Svix — `svix-id`, `svix-timestamp` (Unix seconds, within the tolerance) and
//! `svix-signature` (space-separated `v1,<base64>`, several while a secret rotates), HMAC-SHA256
//! of `{id}.{timestamp}.{body}` with the base64 after `whsec_` in the endpoint's signing secret;
//! Zep's docs recommend verifying with Svix's libraries. The id is `svix-id`, the type the body's
//! `event_name` (`episode.processed`).

use super::standard_webhooks::SVIX_SPEC;
use crate::spec::*;

/// Zep.
pub const PROVIDER: Provider = Provider {
    name: "zep",
    title: "Zep",
    docs: "https://help.getzep.com/webhooks",
    setup: "In the Zep Dashboard, Webhooks (per project): add an endpoint with the Hookway URL https://<api>/webhooks/<source> and the events to receive; the endpoint's signing secret (whsec_…) is the secret.",
    evidence: Evidence::Verifier("svix 2.9.1"),
    spec: Spec {
        id: Some(Locate::Header("svix-id")),
        event_type: Some(Locate::Pointer("/event_name")),
        hooks: Hooks { identify: None, ..SVIX_SPEC.hooks },
        ..SVIX_SPEC
    },
};
