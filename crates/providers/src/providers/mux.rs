//! Mux: `Mux-Signature: t=<unix>,v1=<hex>`, HMAC-SHA256 of `{t}.{body}` with the webhook's signing
//! secret as UTF-8. The id and type are the body's `id` and `type` (`video.asset.ready`).

use crate::spec::*;

/// Mux.
pub const PROVIDER: Provider = Provider {
    name: "mux",
    title: "Mux",
    docs: "https://docs.mux.com/core/verify-webhook-signatures",
    setup: "Dashboard → Settings → Webhooks → Create new webhook: paste the Hookway URL; its Signing Secret is the secret.",
    evidence: Evidence::Sdk("@mux/mux-node 15.3.0"),
    spec: Spec {
        signature: Carrier::Pairs { name: "Mux-Signature", separator: ',', timestamp_key: Some("t"), signature_key: "v1", encoding: Encoding::Hex },
        signed: &[Part::Timestamp, Part::text("."), Part::Body],
        timestamp: Some(Timestamp { at: TimestampAt::Pairs, format: TimeFormat::UnixSeconds, checked: true }),
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/type")),
        ..Spec::BODY_HMAC
    },
};
