//! Airwallex: `x-signature: <hex>`, HMAC-SHA256 of `{timestamp}{body}` (no separator) with the
//! webhook's secret as UTF-8, where the timestamp is `x-timestamp` as sent (Unix milliseconds),
//! checked against the tolerance. The id and type are the body's `id` and `name`
//! (`payment_intent.succeeded`).

use crate::spec::*;

/// Airwallex.
pub const PROVIDER: Provider = Provider {
    name: "airwallex",
    title: "Airwallex",
    docs: "https://www.airwallex.com/docs/developer-tools__listen-for-webhook-events",
    setup: "In the Airwallex web app, Settings → Developer → Webhooks → New webhook: paste `https://<api>/webhooks/<source>` as the Notification URL; the webhook's secret is the key.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "x-signature", prefix: "", encoding: Encoding::Hex },
        signed: &[Part::Timestamp, Part::Body],
        timestamp: Some(Timestamp {
            at: TimestampAt::Header("x-timestamp"),
            format: TimeFormat::UnixMillis,
            checked: true,
        }),
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/name")),
        ..Spec::BODY_HMAC
    },
};
