//! Linear: `Linear-Signature: <hex>`, HMAC-SHA256 of the body with the webhook's signing secret as
//! UTF-8. The signed body carries `webhookTimestamp` (Unix milliseconds), checked against the
//! tolerance. The id is `Linear-Delivery`, the type `Linear-Event` (`Issue`).

use crate::spec::*;

/// Linear.
pub const PROVIDER: Provider = Provider {
    name: "linear",
    title: "Linear",
    docs: "https://linear.app/developers/webhooks#securing-webhooks",
    setup: "Settings → API → Webhooks → New webhook: paste the Hookway URL; the webhook's Signing secret is the secret.",
    evidence: Evidence::Sdk("@linear/sdk 98.0.0"),
    spec: Spec {
        signature: Carrier::Header { name: "Linear-Signature", prefix: "", encoding: Encoding::Hex },
        timestamp: Some(Timestamp {
            at: TimestampAt::Pointer("/webhookTimestamp"),
            format: TimeFormat::UnixMillis,
            checked: true,
        }),
        id: Some(Locate::Header("Linear-Delivery")),
        event_type: Some(Locate::Header("Linear-Event")),
        ..Spec::BODY_HMAC
    },
};
