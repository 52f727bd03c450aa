//! Whop: Standard Webhooks headers — `webhook-id`, `webhook-timestamp` (Unix seconds, checked
//! against the tolerance) and `webhook-signature` (`v1,<base64>` entries) — over
//! `{id}.{timestamp}.{body}`, keyed with the endpoint's `ws_…` secret as UTF-8, prefix included
//! (Whop's SDK base64-encodes the secret for the Standard Webhooks library, which decodes it).
//! The id is `webhook-id`, the type the body's `type` (`payment.succeeded`).

use super::standard_webhooks::PROVIDER as STANDARD_WEBHOOKS;
use crate::spec::*;

/// Whop.
pub const PROVIDER: Provider = Provider {
    name: "whop",
    title: "Whop",
    docs: "https://github.com/whopio/whopsdk-python",
    setup: "In the Whop dashboard's developer settings, create a webhook with `https://<api>/webhooks/<source>` as its URL; the webhook's secret (`ws_…`) is the key.",
    evidence: Evidence::Sdk("whop-sdk 2.6.0"),
    spec: Spec {
        signature: Carrier::Custom { shown: "webhook-signature (v1), webhook-id, webhook-timestamp" },
        secret: SecretFormat::Text,
        kept_headers: &["webhook-id", "webhook-timestamp"],
        ..STANDARD_WEBHOOKS.spec
    },
};
