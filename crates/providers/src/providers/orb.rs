//! Orb: `X-Orb-Signature: v1=<hex>` (several space-separated entries during a rotation),
//! HMAC-SHA256 of `v1:{X-Orb-Timestamp}:{body}` with the webhook's signing secret as UTF-8.
//! `X-Orb-Timestamp` is an ISO 8601 time (UTC where it names no zone), checked against the
//! tolerance. The id is the body's `id`, the type its `type` (`subscription.started`).

use crate::spec::*;

/// Orb.
pub const PROVIDER: Provider = Provider {
    name: "orb",
    title: "Orb",
    docs: "https://docs.withorb.com/integrations-and-exports/webhooks",
    setup: "In the Orb dashboard, Developers → Webhooks → Add endpoint: paste the Hookway URL \
            `https://<api>/webhooks/<source>`; the endpoint's signing secret is the source's secret.",
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
