//! Typeform: `Typeform-Signature: sha256=<base64>`, HMAC-SHA256 of the body with the webhook's secret
//! as UTF-8, no timestamp. The id and type are the body's `event_id` and `event_type`
//! (`form_response`).

use crate::spec::*;

/// Typeform.
pub const PROVIDER: Provider = Provider {
    name: "typeform",
    title: "Typeform",
    docs: "https://www.typeform.com/developers/webhooks/secure-your-webhooks/",
    setup: "Form → Connect → Webhooks → Add a webhook: paste the Hookway URL, then Edit → Secret to set the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "Typeform-Signature", prefix: "sha256=", encoding: Encoding::Base64 },
        id: Some(Locate::Pointer("/event_id")),
        event_type: Some(Locate::Pointer("/event_type")),
        ..Spec::BODY_HMAC
    },
};
