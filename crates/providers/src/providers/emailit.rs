//! Emailit: `X-Emailit-Signature: <hex>`, HMAC-SHA256 of `{timestamp}.{body}` with the webhook's
//! signing secret as UTF-8, the timestamp in `X-Emailit-Timestamp` (Unix seconds), checked against
//! the tolerance. The id is the body's `event_id`, the type its `type` (`email.delivered`).

use crate::spec::*;

/// Emailit.
pub const PROVIDER: Provider = Provider {
    name: "emailit",
    title: "Emailit",
    docs: "https://emailit.com/docs/webhooks/request-signature/",
    setup: "In Emailit, Webhooks > Add webhook: the URL is https://<api>/webhooks/<source>; the webhook's signing secret is shown on its page.",
    evidence: Evidence::Sdk("emailit 2.0.1"),
    spec: Spec {
        signature: Carrier::Header { name: "X-Emailit-Signature", prefix: "", encoding: Encoding::Hex },
        signed: &[Part::Timestamp, Part::text("."), Part::Body],
        timestamp: Some(Timestamp { at: TimestampAt::Header("X-Emailit-Timestamp"), format: TimeFormat::UnixSeconds, checked: true }),
        id: Some(Locate::Pointer("/event_id")),
        event_type: Some(Locate::Pointer("/type")),
        id_style: IdStyle::Prefixed("evt_"),
        ..Spec::BODY_HMAC
    },
};
