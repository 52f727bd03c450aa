//! Square: `x-square-hmacsha256-signature: <base64>`, HMAC-SHA256 of the notification URL followed by
//! the body, with the subscription's signature key as UTF-8. The URL is the one configured in Square's
//! dashboard: the source's `publicUrl` behind a custom domain. The id and type are the body's
//! `event_id` and `type` (`payment.updated`).

use crate::spec::*;

/// Square.
pub const PROVIDER: Provider = Provider {
    name: "square",
    title: "Square",
    docs: "https://developer.squareup.com/docs/webhooks/step3validate",
    setup: "Developer Console → your application → Webhooks → Subscriptions → Add subscription: paste the Hookway URL; its Signature key is the secret, and the URL must match publicUrl.",
    evidence: Evidence::Sdk("squareup 46.0.0.20260916"),
    spec: Spec {
        signature: Carrier::Header { name: "X-Square-HmacSha256-Signature", prefix: "", encoding: Encoding::Base64 },
        signed: &[Part::Url, Part::Body],
        id: Some(Locate::Pointer("/event_id")),
        event_type: Some(Locate::Pointer("/type")),
        ..Spec::BODY_HMAC
    },
};
