//! Render: [Standard Webhooks](https://www.standardwebhooks.com) — `webhook-id`,
//! `webhook-timestamp` and `webhook-signature` (`v1,<base64>` entries, several while a secret
//! rotates), HMAC-SHA256 of `{id}.{timestamp}.{body}` with the `whsec_` base64 signing secret; the
//! timestamp is checked against the tolerance. The id is `webhook-id`, the type the body's `type`
//! (`deploy_ended`).

use super::standard_webhooks;
use crate::spec::*;

/// Render.
pub const PROVIDER: Provider = Provider {
    name: "render",
    title: "Render",
    docs: "https://render.com/docs/webhooks",
    setup: "In the Render Dashboard, open Integrations > Webhooks > Create Webhook and paste `https://<api>/webhooks/<source>` as the URL; the webhook's Signing Secret (`whsec_…`) is the secret.",
    evidence: Evidence::Verifier("standardwebhooks 1.1.0"),
    spec: Spec {
        signature: Carrier::Custom { shown: "webhook-signature (v1), webhook-id, webhook-timestamp" },
        kept_headers: &["webhook-id", "webhook-timestamp"],
        ..standard_webhooks::PROVIDER.spec
    },
};
