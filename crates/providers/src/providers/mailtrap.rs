//! Mailtrap: `Mailtrap-Signature: <hex>`, HMAC-SHA256 of the body with the webhook's signing secret
//! as UTF-8. Nothing is timestamped. A delivery batches events (`{"events": [...]}`), so the body's
//! digest stands for the id; the type is the first event's `event` (`delivery`).

use crate::spec::*;

/// Mailtrap.
pub const PROVIDER: Provider = Provider {
    name: "mailtrap",
    title: "Mailtrap",
    docs: "https://docs.mailtrap.io/email-api-smtp/advanced/webhooks#verifying-the-signature",
    setup: "In Mailtrap, Settings > Webhooks > Create new webhook (or the webhooks API): the webhook URL is https://<api>/webhooks/<source>; the signing secret is shown once, when the webhook is created.",
    evidence: Evidence::Sdk("mailtrap 2.11.0"),
    spec: Spec {
        signature: Carrier::Header { name: "Mailtrap-Signature", prefix: "", encoding: Encoding::Hex },
        event_type: Some(Locate::Pointer("/events/0/event")),
        ..Spec::BODY_HMAC
    },
};
