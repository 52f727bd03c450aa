//! Paddle Billing: `Paddle-Signature: ts=<unix>;h1=<hex>`, HMAC-SHA256 of `{ts}:{body}` with the
//! notification destination's secret key (`pdl_ntfset_…`) as UTF-8. The id and type are the
//! body's `event_id` and `event_type` (`transaction.completed`).

use crate::spec::*;

/// Paddle.
pub const PROVIDER: Provider = Provider {
    name: "paddle",
    title: "Paddle",
    docs: "https://developer.paddle.com/webhooks/signature-verification",
    setup: "Paddle → Developer tools → Notifications → New destination: paste the Hookway URL; the destination's secret key (pdl_ntfset_…) is the secret.",
    evidence: Evidence::Sdk("paddle-python-sdk 1.16.1"),
    spec: Spec {
        signature: Carrier::Pairs { name: "Paddle-Signature", separator: ';', timestamp_key: Some("ts"), signature_key: "h1", encoding: Encoding::Hex },
        signed: &[Part::Timestamp, Part::text(":"), Part::Body],
        timestamp: Some(Timestamp { at: TimestampAt::Pairs, format: TimeFormat::UnixSeconds, checked: true }),
        id: Some(Locate::Pointer("/event_id")),
        event_type: Some(Locate::Pointer("/event_type")),
        id_style: IdStyle::Prefixed("evt_"),
        ..Spec::BODY_HMAC
    },
};
