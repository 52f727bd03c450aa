//! Codat: sent by Svix — `svix-id`, `svix-timestamp` (Unix seconds, within the tolerance) and
//! `svix-signature` (space-separated `v1,<base64>`, several while a secret rotates), HMAC-SHA256
//! of `{id}.{timestamp}.{body}` with the base64 after `whsec_` in the endpoint's signing secret;
//! Codat's docs tell users to verify with Svix's library. The id is `svix-id`, the type the body's
//! `eventType` (`company.created`).

use super::standard_webhooks::SVIX_SPEC;
use crate::spec::*;

/// Codat.
pub const PROVIDER: Provider = Provider {
    name: "codat",
    title: "Codat",
    docs: "https://docs.codat.io/using-the-api/webhooks/create-consumer#webhook-signature-verification",
    setup: "In the Codat Portal, Settings → Webhooks → Events → Configure consumer → Add endpoint: paste the Hookway URL https://<api>/webhooks/<source> and choose the event types; the endpoint's Signing secret (whsec_…) is the secret.",
    evidence: Evidence::Verifier("svix 2.9.1"),
    spec: Spec {
        id: Some(Locate::Header("svix-id")),
        event_type: Some(Locate::Pointer("/eventType")),
        hooks: Hooks { identify: None, ..SVIX_SPEC.hooks },
        ..SVIX_SPEC
    },
};
