//! Paystack: `x-paystack-signature: <hex>`, HMAC-SHA512 of the raw body with the account's secret
//! key (`sk_live_…` or `sk_test_…`) as UTF-8. No timestamp is signed and no event id is sent: the
//! id is a digest of the body. The type is the body's `event` (`charge.success`).

use crate::spec::*;

/// Paystack.
pub const PROVIDER: Provider = Provider {
    name: "paystack",
    title: "Paystack",
    docs: "https://paystack.com/docs/payments/webhooks/#verify-event-origin",
    setup: "In the Paystack Dashboard, Settings → API Keys & Webhooks: paste `https://<api>/webhooks/<source>` as the Webhook URL; the Secret Key on that page is the key.",
    evidence: Evidence::Rule,
    spec: Spec {
        algorithm: Algorithm::HmacSha512,
        signature: Carrier::Header { name: "x-paystack-signature", prefix: "", encoding: Encoding::Hex },
        event_type: Some(Locate::Pointer("/event")),
        ..Spec::BODY_HMAC
    },
};
