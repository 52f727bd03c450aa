//! Gogs: `X-Gogs-Signature: <hex>`, HMAC-SHA256 of the raw body with the webhook's secret as UTF-8,
//! no timestamp. The id is `X-Gogs-Delivery`, the type `X-Gogs-Event` (`push`); neither is signed.

use crate::spec::*;

/// Gogs.
pub const PROVIDER: Provider = Provider {
    name: "gogs",
    title: "Gogs",
    docs: "https://gogs.io/docs/features/webhook",
    setup: "In Gogs, open the repository's Settings > Webhooks > Add Webhook > Gogs, paste `https://<api>/webhooks/<source>` as the Payload URL with content type application/json, and set a Secret: that is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-Gogs-Signature", prefix: "", encoding: Encoding::Hex },
        id: Some(Locate::Header("X-Gogs-Delivery")),
        event_type: Some(Locate::Header("X-Gogs-Event")),
        ..Spec::BODY_HMAC
    },
};
