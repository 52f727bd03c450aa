//! Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...][,v0=<hex>]`, HMAC-SHA256 of
//! `{t}.{body}` with the endpoint secret (`whsec_…`) as UTF-8. Only `v1` entries count: a header
//! with only `v0` (a test-mode scheme) is refused, so a sender cannot downgrade. The event's id and
//! type are the body's `id` and `type`, which every Stripe event has.

use crate::spec::*;

/// Stripe.
pub const PROVIDER: Provider = Provider {
    name: "stripe",
    title: "Stripe",
    docs: "https://docs.stripe.com/webhooks#verify-manually",
    setup: "Dashboard → Developers → Webhooks → Add endpoint: paste the Hookway URL; the endpoint's Signing secret (whsec_…) is the secret.",
    evidence: Evidence::Sdk("stripe 16.1.0"),
    spec: Spec {
        signature: Carrier::Pairs {
            name: "Stripe-Signature",
            separator: ',',
            timestamp_key: Some("t"),
            signature_key: "v1",
            encoding: Encoding::Hex,
        },
        signed: &[Part::Timestamp, Part::text("."), Part::Body],
        timestamp: Some(Timestamp { at: TimestampAt::Pairs, format: TimeFormat::UnixSeconds, checked: true }),
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/type")),
        naming_required: true,
        id_style: IdStyle::Prefixed("evt_"),
        ..Spec::BODY_HMAC
    },
};
