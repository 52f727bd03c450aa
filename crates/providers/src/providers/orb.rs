//! Orb: `X-Orb-Signature: v1=<hex>` (space-separated entries; only `v1` counts), HMAC-SHA256 of
//! `v1:{timestamp}:{body}` with the webhook's secret as UTF-8, where the timestamp is
//! `X-Orb-Timestamp` as sent (ISO 8601, UTC, e.g. `2023-11-14T22:13:20.000000`), checked against the
//! tolerance. The id and type are the body's `id` and `type` (`subscription.started`).

use crate::spec::*;

/// Orb.
pub const PROVIDER: Provider = Provider {
    name: "orb",
    title: "Orb",
    docs: "https://github.com/orbcorp/orb-python#webhook-verification",
    setup: "In the Orb web app, Developers → Webhooks → Add endpoint: paste `https://<api>/webhooks/<source>` as the URL; the endpoint's signing secret is the key.",
    evidence: Evidence::Sdk("orb-billing 4.90.0"),
    spec: Spec {
        signature: Carrier::Pairs {
            name: "X-Orb-Signature",
            separator: ' ',
            timestamp_key: None,
            signature_key: "v1",
            encoding: Encoding::Hex,
        },
        signed: &[Part::text("v1:"), Part::Timestamp, Part::text(":"), Part::Body],
        timestamp: Some(Timestamp {
            at: TimestampAt::Header("X-Orb-Timestamp"),
            format: TimeFormat::Rfc3339,
            checked: true,
        }),
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/type")),
        ..Spec::BODY_HMAC
    },
};
