//! Retell AI: `x-retell-signature: v=<unix ms>,d=<hex>`, HMAC-SHA256 of the raw body followed by
//! the timestamp as written (no separator), keyed with the account's API key (the one marked for
//! webhooks) as UTF-8; the timestamp must lie within the tolerance. The type is the body's
//! `event` (`call_ended`); `call.call_id` is shared by a call's events, so the body's digest
//! stands for the id.

use crate::spec::*;

/// Retell AI.
pub const PROVIDER: Provider = Provider {
    name: "retell",
    title: "Retell AI",
    docs: "https://docs.retellai.com/features/secure-webhook",
    setup: "In the Retell dashboard, Keys lists the API key with the webhook badge: that key is the secret. Set the agent's (or the account's) webhook URL to the Hookway URL https://<api>/webhooks/<source>.",
    evidence: Evidence::Sdk("retell-sdk 6.2.13"),
    spec: Spec {
        signature: Carrier::Pairs {
            name: "x-retell-signature",
            separator: ',',
            timestamp_key: Some("v"),
            signature_key: "d",
            encoding: Encoding::Hex,
        },
        signed: &[Part::Body, Part::Timestamp],
        timestamp: Some(Timestamp { at: TimestampAt::Pairs, format: TimeFormat::UnixMillis, checked: true }),
        event_type: Some(Locate::Pointer("/event")),
        ..Spec::BODY_HMAC
    },
};
