//! FastSpring: `X-FS-Signature: <base64>`, HMAC-SHA256 of the body with the webhook's "HMAC SHA256
//! Secret" as UTF-8. No timestamp is signed. One delivery carries a batch, `{"events": [...]}`:
//! the type is the first event's `type` (`order.completed`); the id is a digest of the body,
//! since the events' own ids name events, not the delivery.

use crate::spec::*;

/// FastSpring.
pub const PROVIDER: Provider = Provider {
    name: "fastspring",
    title: "FastSpring",
    docs: "https://developer.fastspring.com/docs/message-security",
    setup: "In the FastSpring app, Developer Tools → Webhooks → Configuration: add a webhook with the \
            Hookway URL `https://<api>/webhooks/<source>` and set its HMAC SHA256 Secret; that text is \
            the source's secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-FS-Signature", prefix: "", encoding: Encoding::Base64 },
        event_type: Some(Locate::Pointer("/events/0/type")),
        ..Spec::BODY_HMAC
    },
};
