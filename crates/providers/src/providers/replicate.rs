//! Replicate: Standard Webhooks — `webhook-id`, `webhook-timestamp` (Unix seconds, within the
//! tolerance) and `webhook-signature` (space-separated `v1,<base64>`), HMAC-SHA256 of
//! `{id}.{timestamp}.{body}` with the base64 after `whsec_` in the account's webhook signing
//! secret. The body is the prediction (or training) itself, with no event type: the id is
//! `webhook-id`, and the type the prediction's `status` (`succeeded`), which says what the
//! delivery reports.

use super::standard_webhooks;
use crate::spec::*;

/// Replicate.
pub const PROVIDER: Provider = Provider {
    name: "replicate",
    title: "Replicate",
    docs: "https://replicate.com/docs/topics/webhooks/verify-webhook",
    setup: "The signing secret (whsec_…) is the account's: GET https://api.replicate.com/v1/webhooks/default/secret returns it. Pass the Hookway URL https://<api>/webhooks/<source> as the webhook of each prediction or training you create.",
    evidence: Evidence::Sdk("replicate 1.0.7"),
    spec: Spec {
        signature: Carrier::Custom { shown: "webhook-signature (v1), webhook-id, webhook-timestamp" },
        id: Some(Locate::Header("webhook-id")),
        event_type: Some(Locate::Pointer("/status")),
        kept_headers: &["webhook-id", "webhook-timestamp"],
        hooks: Hooks { identify: None, ..standard_webhooks::PROVIDER.spec.hooks },
        ..standard_webhooks::PROVIDER.spec
    },
};
