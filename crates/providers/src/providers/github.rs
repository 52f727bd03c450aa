//! GitHub: `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the body with the webhook secret
//! as UTF-8, no timestamp. The delivery id is `X-GitHub-Delivery`, the event `X-GitHub-Event`.
//! A preset of the generic HMAC engine.

use crate::spec::*;

/// GitHub.
pub const PROVIDER: Provider = Provider {
    name: "github",
    title: "GitHub",
    docs: "https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries",
    setup: "Repository or organization Settings → Webhooks → Add webhook: paste the Hookway URL as the Payload URL, content type application/json, and set a Secret.",
    evidence: Evidence::Documented,
    spec: Spec {
        signature: Carrier::Header { name: "X-Hub-Signature-256", prefix: "sha256=", encoding: Encoding::Hex },
        id: Some(Locate::Header("X-GitHub-Delivery")),
        event_type: Some(Locate::Header("X-GitHub-Event")),
        kept_headers: &["X-GitHub-Hook-ID", "X-GitHub-Hook-Installation-Target-Type", "X-GitHub-Hook-Installation-Target-ID"],
        ..Spec::BODY_HMAC
    },
};
