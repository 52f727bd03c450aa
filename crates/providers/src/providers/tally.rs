//! Tally: `Tally-Signature: <base64>`, HMAC-SHA256 of the body with the webhook's signing secret as
//! UTF-8, no timestamp. The id is the body's `eventId`, the type its `eventType`
//! (`FORM_RESPONSE`).

use crate::spec::*;

/// Tally.
pub const PROVIDER: Provider = Provider {
    name: "tally",
    title: "Tally",
    docs: "https://tally.so/help/webhooks",
    setup: "In Tally, open the form's Integrations > Webhooks, connect the endpoint URL https://<api>/webhooks/<source>, and set a signing secret (the same text is configured here).",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "Tally-Signature", prefix: "", encoding: Encoding::Base64 },
        id: Some(Locate::Pointer("/eventId")),
        event_type: Some(Locate::Pointer("/eventType")),
        ..Spec::BODY_HMAC
    },
};
