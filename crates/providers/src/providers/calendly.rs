//! Calendly: `Calendly-Webhook-Signature: t=<unix>,v1=<hex>`, HMAC-SHA256 of `{t}.{body}` with the
//! webhook signing key as UTF-8 — Stripe's form. The type is the body's `event`
//! (`invitee.created`); Calendly sends no event id, so the body's digest stands for it.

use crate::spec::*;

/// Calendly.
pub const PROVIDER: Provider = Provider {
    name: "calendly",
    title: "Calendly",
    docs: "https://developer.calendly.com/api-docs/4c305798a61d3-webhook-signatures",
    setup: "Create a webhook subscription with the API (POST /webhook_subscriptions) giving the Hookway URL and a signing_key you choose; that signing key is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Pairs {
            name: "Calendly-Webhook-Signature",
            separator: ',',
            timestamp_key: Some("t"),
            signature_key: "v1",
            encoding: Encoding::Hex,
        },
        signed: &[Part::Timestamp, Part::text("."), Part::Body],
        timestamp: Some(Timestamp { at: TimestampAt::Pairs, format: TimeFormat::UnixSeconds, checked: true }),
        event_type: Some(Locate::Pointer("/event")),
        ..Spec::BODY_HMAC
    },
};
