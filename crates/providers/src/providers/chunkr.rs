//! Chunkr: its webhooks are sent by Svix — `svix-id`, `svix-timestamp` (Unix seconds, checked
//! against the tolerance) and `svix-signature` (`v1,<base64>` entries, several during a rotation),
//! HMAC-SHA256 of `{svix-id}.{svix-timestamp}.{body}` with the endpoint's `whsec_` base64 secret;
//! Chunkr's docs verify with Svix's library. The body carries no event id, so the id is
//! `svix-id` (the same on every retry); the type is the body's `event_type`
//! (`task.parse.updated`).

use super::standard_webhooks::SVIX_SPEC;
use crate::spec::*;

/// Chunkr.
pub const PROVIDER: Provider = Provider {
    name: "chunkr",
    title: "Chunkr",
    docs: "https://docs.chunkr.ai/docs/task-system/webhooks/examples",
    setup: "In the Chunkr dashboard, Webhooks: add an endpoint with the Hookway URL \
            `https://<api>/webhooks/<source>`; the endpoint's signing secret (`whsec_…`) is the \
            source's secret.",
    evidence: Evidence::Verifier("svix 2.9.1"),
    spec: Spec {
        id: Some(Locate::Header("svix-id")),
        event_type: Some(Locate::Pointer("/event_type")),
        hooks: Hooks { identify: None, ..SVIX_SPEC.hooks },
        ..SVIX_SPEC
    },
};
