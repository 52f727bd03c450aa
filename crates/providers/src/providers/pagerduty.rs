//! PagerDuty (webhooks v3): `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>]`, HMAC-SHA256 of the body
//! with the subscription's secret as UTF-8 (several `v1` entries while a secret rotates). The id
//! and type are the body's `event.id` and `event.event_type` (`incident.triggered`).

use crate::spec::*;

/// PagerDuty.
pub const PROVIDER: Provider = Provider {
    name: "pagerduty",
    title: "PagerDuty",
    docs: "https://developer.pagerduty.com/docs/webhooks-overview#verifying-signatures",
    setup: "Integrations → Generic Webhooks (v3) → New Webhook: paste the Hookway URL; the signing secret is shown once, when the subscription is created.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Pairs { name: "X-PagerDuty-Signature", separator: ',', timestamp_key: None, signature_key: "v1", encoding: Encoding::Hex },
        id: Some(Locate::Pointer("/event/id")),
        event_type: Some(Locate::Pointer("/event/event_type")),
        kept_headers: &["X-Webhook-Id", "X-Webhook-Subscription"],
        ..Spec::BODY_HMAC
    },
};
