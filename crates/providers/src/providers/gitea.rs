//! Gitea: `X-Gitea-Signature: <hex>`, HMAC-SHA256 of the raw body with the webhook's secret as
//! UTF-8, no timestamp. The id is `X-Gitea-Delivery`, the type `X-Gitea-Event` (`push`); neither is
//! signed.

use crate::spec::*;

/// Gitea.
pub const PROVIDER: Provider = Provider {
    name: "gitea",
    title: "Gitea",
    docs: "https://docs.gitea.com/usage/webhooks",
    setup: "In Gitea, open the repository's (or organization's) Settings > Webhooks > Add Webhook > Gitea, paste `https://<api>/webhooks/<source>` as the Target URL with content type application/json, and set a Secret: that is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-Gitea-Signature", prefix: "", encoding: Encoding::Hex },
        id: Some(Locate::Header("X-Gitea-Delivery")),
        event_type: Some(Locate::Header("X-Gitea-Event")),
        ..Spec::BODY_HMAC
    },
};
