//! Dwolla: `X-Request-Signature-SHA-256: <hex>`, HMAC-SHA256 of the raw body with the secret given
//! when the webhook subscription was created, as UTF-8. No timestamp is signed. The id and type are
//! the body's `id` and `topic` (`customer_transfer_completed`).

use crate::spec::*;

/// Dwolla.
pub const PROVIDER: Provider = Provider {
    name: "dwolla",
    title: "Dwolla",
    docs: "https://developers.dwolla.com/docs/balance/webhooks/frequently-asked-questions",
    setup: "Create a webhook subscription with Dwolla's API (POST /webhook-subscriptions) with `https://<api>/webhooks/<source>` as its url and a secret you choose; that secret is the key.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-Request-Signature-SHA-256", prefix: "", encoding: Encoding::Hex },
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/topic")),
        ..Spec::BODY_HMAC
    },
};
