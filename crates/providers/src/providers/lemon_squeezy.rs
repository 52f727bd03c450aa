//! Lemon Squeezy: `X-Signature: <hex>`, HMAC-SHA256 of the body with the webhook's signing secret
//! as UTF-8, no timestamp. The type is `X-Event-Name` (`order_created`); no event id is sent, so
//! the body's digest stands for it.

use crate::spec::*;

/// Lemon Squeezy.
pub const PROVIDER: Provider = Provider {
    name: "lemon-squeezy",
    title: "Lemon Squeezy",
    docs: "https://docs.lemonsqueezy.com/help/webhooks/signing-requests",
    setup: "Settings → Webhooks → add endpoint: paste the Hookway URL and set a Signing secret (6 to 40 characters).",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-Signature", prefix: "", encoding: Encoding::Hex },
        event_type: Some(Locate::Header("X-Event-Name")),
        ..Spec::BODY_HMAC
    },
};
