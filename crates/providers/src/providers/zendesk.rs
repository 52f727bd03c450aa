//! Zendesk: `X-Zendesk-Webhook-Signature: <base64>`, HMAC-SHA256 of the timestamp followed directly
//! by the body (no separator), with the webhook's signing secret as UTF-8. The timestamp is
//! `X-Zendesk-Webhook-Signature-Timestamp`, RFC 3339 (`2023-11-14T22:13:20Z`), checked against
//! the tolerance. An event-subscription body names its event: the id is its `id`, the type its
//! `type` (`zen:event-type:ticket.created`); a trigger or automation body is whatever its template
//! says, so its digest stands for the id. A secret reset in Zendesk replaces the old one at once:
//! configure both keys while switching.

use crate::spec::*;

/// Zendesk.
pub const PROVIDER: Provider = Provider {
    name: "zendesk",
    title: "Zendesk",
    docs: "https://developer.zendesk.com/documentation/webhooks/verifying/",
    setup: "In Zendesk Admin Center, Apps and integrations > Webhooks, create a webhook with the endpoint URL https://<api>/webhooks/<source>; its page shows the signing secret (Reveal secret).",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-Zendesk-Webhook-Signature", prefix: "", encoding: Encoding::Base64 },
        signed: &[Part::Timestamp, Part::Body],
        timestamp: Some(Timestamp {
            at: TimestampAt::Header("X-Zendesk-Webhook-Signature-Timestamp"),
            format: TimeFormat::Rfc3339,
            checked: true,
        }),
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/type")),
        kept_headers: &["X-Zendesk-Webhook-Id", "X-Zendesk-Webhook-Invocation-Id"],
        ..Spec::BODY_HMAC
    },
};
