//! Kustomer (outbound webhooks): `X-Kustomer-Webhook-Signature: <hex>`, HMAC-SHA256 of the body
//! keyed with the webhook's `token` as UTF-8. Nothing is timestamped. The id is the event's `id`,
//! its type its `name` (`kustomer.conversation.update`), also sent unsigned in
//! `X-Kustomer-Webhook-Event`.

use crate::spec::*;

/// Kustomer.
pub const PROVIDER: Provider = Provider {
    name: "kustomer",
    title: "Kustomer",
    docs: "https://developer.kustomer.com/docs/events/delivery-and-retries",
    setup: "In Kustomer, Settings > Platform > Outbound webhooks (or POST /v1/outbound-webhooks): the URL is https://<api>/webhooks/<source>; the webhook's token is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-Kustomer-Webhook-Signature", prefix: "", encoding: Encoding::Hex },
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/name")),
        ..Spec::BODY_HMAC
    },
};
