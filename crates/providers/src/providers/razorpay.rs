//! Razorpay: `X-Razorpay-Signature: <hex>`, HMAC-SHA256 of the raw body with the webhook's secret
//! as UTF-8 (the secret typed when the webhook was created, not the API key secret). No timestamp is
//! signed. The id is `X-Razorpay-Event-Id`, which stays the same across retries; the type is the
//! body's `event` (`payment.captured`).

use crate::spec::*;

/// Razorpay.
pub const PROVIDER: Provider = Provider {
    name: "razorpay",
    title: "Razorpay",
    docs: "https://razorpay.com/docs/webhooks/validate-test/",
    setup: "In the Razorpay Dashboard, Accounts & Settings → Webhooks → Add New Webhook: paste `https://<api>/webhooks/<source>` as the Webhook URL and type a Secret; that secret is the key.",
    evidence: Evidence::Sdk("razorpay 2.0.1"),
    spec: Spec {
        signature: Carrier::Header { name: "X-Razorpay-Signature", prefix: "", encoding: Encoding::Hex },
        id: Some(Locate::Header("X-Razorpay-Event-Id")),
        event_type: Some(Locate::Pointer("/event")),
        ..Spec::BODY_HMAC
    },
};
