//! Modern Treasury: `X-Signature: <hex>`, HMAC-SHA256 of the raw body with the organization's
//! webhook key as UTF-8. No timestamp is signed. The id is `X-Webhook-ID`; the type is the body's
//! `event` (`completed`), the resource it happened to being `X-Topic` (`payment_order`), kept.

use crate::spec::*;

/// Modern Treasury.
pub const PROVIDER: Provider = Provider {
    name: "modern-treasury",
    title: "Modern Treasury",
    docs: "https://docs.moderntreasury.com/platform/docs/verifying-webhooks",
    setup: "In Modern Treasury, Developers → Webhooks: add an endpoint with `https://<api>/webhooks/<source>` as its URL; the webhook key shown in the Developer settings is the key.",
    evidence: Evidence::Sdk("modern-treasury 1.80.0"),
    spec: Spec {
        signature: Carrier::Header { name: "X-Signature", prefix: "", encoding: Encoding::Hex },
        id: Some(Locate::Header("X-Webhook-ID")),
        event_type: Some(Locate::Pointer("/event")),
        kept_headers: &["X-Topic", "X-Live", "X-Organization-ID"],
        ..Spec::BODY_HMAC
    },
};
