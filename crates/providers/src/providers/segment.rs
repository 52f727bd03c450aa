//! Segment (Webhooks destination): `X-Signature: <hex>`, HMAC-SHA1 of the body with the
//! destination's shared secret as UTF-8. Nothing is timestamped. The id is the message's
//! `messageId`, the type its `type` (`track`, `identify`).

use crate::spec::*;

/// Segment.
pub const PROVIDER: Provider = Provider {
    name: "segment",
    title: "Segment",
    docs: "https://segment.com/docs/connections/destinations/catalog/webhooks/#authentication",
    setup: "In Segment, add a Webhooks destination to the source: set its Webhook URL to https://<api>/webhooks/<source> and its Shared Secret, the same secret Hookway takes.",
    evidence: Evidence::Rule,
    spec: Spec {
        algorithm: Algorithm::HmacSha1,
        signature: Carrier::Header { name: "X-Signature", prefix: "", encoding: Encoding::Hex },
        id: Some(Locate::Pointer("/messageId")),
        event_type: Some(Locate::Pointer("/type")),
        ..Spec::BODY_HMAC
    },
};
