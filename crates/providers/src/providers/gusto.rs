//! Gusto: `X-Gusto-Signature: <hex>`, HMAC-SHA256 of the body with the webhook subscription's
//! `verification_token` as UTF-8, no timestamp. The id is the body's `uuid`, the type its
//! `event_type` (`payroll.paid`).

use crate::spec::*;

/// Gusto.
pub const PROVIDER: Provider = Provider {
    name: "gusto",
    title: "Gusto",
    docs: "https://docs.gusto.com/embedded-payroll/docs/webhooks",
    setup: "Create a webhook subscription (Developer Portal → your application → Webhooks, or the webhook subscriptions API) with the Hookway URL https://<api>/webhooks/<source>; its verification_token, sent to the URL once and shown in the portal, is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-Gusto-Signature", prefix: "", encoding: Encoding::Hex },
        id: Some(Locate::Pointer("/uuid")),
        event_type: Some(Locate::Pointer("/event_type")),
        ..Spec::BODY_HMAC
    },
};
