//! Duffel: `X-Duffel-Signature: t=<unix seconds>,v1=<hex>`, HMAC-SHA256 of `{t}.{body}` with the
//! webhook's secret as UTF-8; the timestamp must lie within the tolerance. The id is the body's
//! `id` (`wev_…`), the type its `type` (`order.created`).

use crate::spec::*;

/// Duffel.
pub const PROVIDER: Provider = Provider {
    name: "duffel",
    title: "Duffel",
    docs: "https://duffel.com/docs/guides/receiving-webhooks",
    setup: "In the Duffel dashboard, Developers → Webhooks → Create webhook (or POST /air/webhooks): paste the Hookway URL https://<api>/webhooks/<source> and pick the events; the secret returned when the webhook is created is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Pairs {
            name: "X-Duffel-Signature",
            separator: ',',
            timestamp_key: Some("t"),
            signature_key: "v1",
            encoding: Encoding::Hex,
        },
        signed: &[Part::Timestamp, Part::text("."), Part::Body],
        timestamp: Some(Timestamp { at: TimestampAt::Pairs, format: TimeFormat::UnixSeconds, checked: true }),
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/type")),
        id_style: IdStyle::Prefixed("wev_"),
        ..Spec::BODY_HMAC
    },
};
