//! ElevenLabs: `ElevenLabs-Signature: t=<unix>,v0=<hex>`, HMAC-SHA256 of `{t}.{body}` with the
//! webhook's secret as UTF-8; the timestamp must lie within the tolerance. The type is the body's
//! `type` (`post_call_transcription`); a delivery carries no id, so the body's digest stands for
//! it.

use crate::spec::*;

/// ElevenLabs.
pub const PROVIDER: Provider = Provider {
    name: "elevenlabs",
    title: "ElevenLabs",
    docs: "https://elevenlabs.io/docs/product-guides/administration/webhooks",
    setup: "In ElevenLabs, Settings → Webhooks, create a webhook with the Hookway URL https://<api>/webhooks/<source> and HMAC authentication; the secret shown once is the key.",
    evidence: Evidence::Sdk("elevenlabs 2.78.0"),
    spec: Spec {
        signature: Carrier::Pairs {
            name: "ElevenLabs-Signature",
            separator: ',',
            timestamp_key: Some("t"),
            signature_key: "v0",
            encoding: Encoding::Hex,
        },
        signed: &[Part::Timestamp, Part::text("."), Part::Body],
        timestamp: Some(Timestamp { at: TimestampAt::Pairs, format: TimeFormat::UnixSeconds, checked: true }),
        event_type: Some(Locate::Pointer("/type")),
        ..Spec::BODY_HMAC
    },
};
