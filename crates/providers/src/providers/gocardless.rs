//! GoCardless: `Webhook-Signature: <hex>`, HMAC-SHA256 of the raw body with the webhook endpoint's
//! secret as UTF-8. No timestamp is signed. A webhook carries a batch of events (`events`), so it
//! names no single type; its id is the body's `meta.webhook_id`.

use crate::spec::*;

/// GoCardless.
pub const PROVIDER: Provider = Provider {
    name: "gocardless",
    title: "GoCardless",
    docs: "https://developer.gocardless.com/getting-started/staying-up-to-date-with-webhooks",
    setup: "In the GoCardless Dashboard, Developers → Create → Webhook endpoint: paste `https://<api>/webhooks/<source>` as the URL, then open the endpoint and copy its secret.",
    evidence: Evidence::Sdk("gocardless-pro 3.22.0"),
    spec: Spec {
        signature: Carrier::Header { name: "Webhook-Signature", prefix: "", encoding: Encoding::Hex },
        id: Some(Locate::Pointer("/meta/webhook_id")),
        kept_headers: &["Origin"],
        ..Spec::BODY_HMAC
    },
};
