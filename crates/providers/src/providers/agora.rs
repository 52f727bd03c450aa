//! Agora (Message Notification Service): `Agora-Signature-V2: <hex>`, HMAC-SHA256 of the body with
//! the service's secret as UTF-8, no timestamp. Agora also sends `Agora-Signature`, HMAC-SHA1 of
//! the same body; only the SHA-256 one is checked. The id is the body's `noticeId`, the type its
//! `eventType` (a number: `101` is a channel created).

use crate::spec::*;

/// Agora.
pub const PROVIDER: Provider = Provider {
    name: "agora",
    title: "Agora",
    docs: "https://docs.agora.io/en/video-calling/develop/receive-notifications#verify-the-signature",
    setup: "Enable Message Notification Service for the project in Agora Console with `https://<api>/webhooks/<source>` as the message receiving URL; the secret is shown, with a copy button, in the service's configuration once it is enabled.",
    evidence: Evidence::Documented,
    spec: Spec {
        signature: Carrier::Header { name: "Agora-Signature-V2", prefix: "", encoding: Encoding::Hex },
        id: Some(Locate::Pointer("/noticeId")),
        event_type: Some(Locate::Pointer("/eventType")),
        ..Spec::BODY_HMAC
    },
};
