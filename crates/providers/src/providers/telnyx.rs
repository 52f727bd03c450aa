//! Telnyx (API v2 webhooks): `telnyx-signature-ed25519: <base64>`, an Ed25519 signature of
//! `{timestamp}|{body}`, the timestamp in `telnyx-timestamp` (Unix seconds), verified with the
//! account's public key, given in base64 as Telnyx shows it. The id is the body's `data.id`, the type
//! `data.event_type` (`message.received`).

use crate::spec::*;

/// Telnyx.
pub const PROVIDER: Provider = Provider {
    name: "telnyx",
    title: "Telnyx",
    docs: "https://developers.telnyx.com/docs/development/api-fundamentals/webhooks",
    setup: "The public key is under Account Settings, Keys & Credentials, Public Key in the Telnyx Mission Control Portal: it is the secret, as shown. Paste `https://<api>/webhooks/<source>` as the webhook URL of the messaging profile, Call Control application or other product that sends the events.",
    evidence: Evidence::Sdk("telnyx 4.189.0"),
    spec: Spec {
        algorithm: Algorithm::Ed25519,
        signature: Carrier::Header { name: "telnyx-signature-ed25519", prefix: "", encoding: Encoding::Base64 },
        signed: &[Part::Timestamp, Part::text("|"), Part::Body],
        timestamp: Some(Timestamp {
            at: TimestampAt::Header("telnyx-timestamp"),
            format: TimeFormat::UnixSeconds,
            checked: true,
        }),
        id: Some(Locate::Pointer("/data/id")),
        event_type: Some(Locate::Pointer("/data/event_type")),
        secret: SecretFormat::Ed25519Base64,
        ..Spec::BODY_HMAC
    },
};
