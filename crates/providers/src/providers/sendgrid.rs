//! SendGrid (Event Webhook): `X-Twilio-Email-Event-Webhook-Signature: <base64 DER>`, an ECDSA P-256
//! SHA-256 signature of the timestamp (`X-Twilio-Email-Event-Webhook-Timestamp`) followed by the
//! body, verified with the verification key the Mail Settings show (base64 DER). SendGrid documents
//! no freshness window for the timestamp, so it is signed but not checked. A delivery batches
//! events and names none: the body's digest stands for its id.

use crate::spec::*;

/// SendGrid.
pub const PROVIDER: Provider = Provider {
    name: "sendgrid",
    title: "SendGrid",
    docs: "https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features",
    setup: "Settings → Mail Settings → Event Webhook: paste the Hookway URL as the HTTP Post URL and enable Signed Event Webhook; the Verification Key shown is the secret.",
    evidence: Evidence::Sdk("sendgrid 6.12.5"),
    spec: Spec {
        algorithm: Algorithm::EcdsaP256Sha256,
        signature: Carrier::Header {
            name: "X-Twilio-Email-Event-Webhook-Signature",
            prefix: "",
            encoding: Encoding::Base64,
        },
        signed: &[Part::Timestamp, Part::Body],
        timestamp: Some(Timestamp {
            at: TimestampAt::Header("X-Twilio-Email-Event-Webhook-Timestamp"),
            format: TimeFormat::UnixSeconds,
            checked: false,
        }),
        secret: SecretFormat::P256Base64Der,
        ..Spec::BODY_HMAC
    },
};
