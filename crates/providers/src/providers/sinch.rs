//! Sinch (Conversation API): `x-sinch-webhook-signature: <base64>`, HMAC-SHA256 of
//! `{body}.{nonce}.{timestamp}` with the webhook's secret as UTF-8; the nonce is
//! `x-sinch-webhook-signature-nonce`, the timestamp `x-sinch-webhook-signature-timestamp` (Unix
//! seconds, within the tolerance). The nonce, unique to the request, stands as its id; the body
//! names its kind by its one event key (`message`, `message_delivery_report`, …), not by a type
//! field, so no type is taken. The rule of sinch's `ConversationSinchEvent`
//! `validate_authentication_header`.

use crate::spec::*;

const NONCE: &str = "x-sinch-webhook-signature-nonce";

/// Sinch.
pub const PROVIDER: Provider = Provider {
    name: "sinch",
    title: "Sinch",
    docs: "https://developers.sinch.com/docs/conversation/callbacks#validating-callback-requests",
    setup: "In the Sinch Customer Dashboard, Conversation API → your app → Webhooks → Add webhook: paste the Hookway URL https://<api>/webhooks/<source> as the target and set a secret; that secret is the secret.",
    evidence: Evidence::Sdk("sinch 2.3.0"),
    spec: Spec {
        signature: Carrier::Header { name: "x-sinch-webhook-signature", prefix: "", encoding: Encoding::Base64 },
        signed: &[Part::Body, Part::text("."), Part::Id, Part::text("."), Part::Timestamp],
        timestamp: Some(Timestamp {
            at: TimestampAt::Header("x-sinch-webhook-signature-timestamp"),
            format: TimeFormat::UnixSeconds,
            checked: true,
        }),
        id: Some(Locate::Header(NONCE)),
        kept_headers: &["x-sinch-webhook-signature-timestamp"],
        ..Spec::BODY_HMAC
    },
};
