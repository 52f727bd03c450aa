//! Liveblocks: [Standard Webhooks](https://www.standardwebhooks.com) — `webhook-id`,
//! `webhook-timestamp` (Unix seconds, checked against the tolerance) and `webhook-signature`,
//! space-separated `v1,<base64>` entries, HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed with the
//! base64 after the endpoint's `whsec_` secret. liveblocks' `WebhookHandler.verify_request`
//! verifies it. The id is `webhook-id`, the type the body's `type` (`storageUpdated`).

use super::standard_webhooks::PROVIDER as STANDARD_WEBHOOKS;
use crate::spec::*;

/// Liveblocks.
pub const PROVIDER: Provider = Provider {
    name: "liveblocks",
    title: "Liveblocks",
    docs: "https://liveblocks.io/docs/platform/webhooks",
    setup: "In the Liveblocks dashboard, open your project's Webhooks page and create an endpoint with `https://<api>/webhooks/<source>` as its URL; the endpoint's signing secret (`whsec_…`) is the secret.",
    evidence: Evidence::Sdk("liveblocks 3.23.0"),
    spec: Spec {
        signature: Carrier::Custom { shown: "webhook-signature (v1), webhook-id, webhook-timestamp" },
        id: Some(Locate::Header("webhook-id")),
        kept_headers: &["webhook-timestamp"],
        hooks: Hooks { identify: None, ..STANDARD_WEBHOOKS.spec.hooks },
        ..STANDARD_WEBHOOKS.spec
    },
};
