//! Semaphore (notification webhooks): `X-Semaphore-Signature-256: <hex>`, HMAC-SHA256 of the raw
//! body with the secret the notification names as UTF-8, no timestamp (sent only when the
//! notification has a secret, which Hookway requires). The id is the body's `pipeline.id`, the
//! same on every delivery of a finished pipeline; Semaphore names no event type.

use crate::spec::*;

/// Semaphore.
pub const PROVIDER: Provider = Provider {
    name: "semaphore",
    title: "Semaphore",
    docs: "https://docs.semaphore.io/using-semaphore/notifications#webhooks",
    setup: "Create a Semaphore secret holding a random WEBHOOK_SECRET value, then a notification (Settings > Notifications, or `sem create notification`) whose webhook endpoint is `https://<api>/webhooks/<source>` and whose webhook secret is that secret's name; the value is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-Semaphore-Signature-256", prefix: "", encoding: Encoding::Hex },
        id: Some(Locate::Pointer("/pipeline/id")),
        kept_headers: &["X-Semaphore-Webhook-Id"],
        ..Spec::BODY_HMAC
    },
};
