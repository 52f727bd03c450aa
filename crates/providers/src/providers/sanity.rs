//! Sanity: `sanity-webhook-signature: t=<ms>,v1=<base64url>`, HMAC-SHA256 of `{t}.{body}` with the
//! webhook's secret as UTF-8, the signature URL-safe base64 without padding (as `@sanity/webhook`
//! writes it), `t` in Unix milliseconds and checked against the tolerance. The id is
//! `idempotency-key`, the type `sanity-operation` (`create`, `update`, `delete`); neither header is
//! signed, and the body is the projection the webhook was configured with.

use crate::spec::*;

/// Sanity.
pub const PROVIDER: Provider = Provider {
    name: "sanity",
    title: "Sanity",
    docs: "https://www.sanity.io/docs/webhooks",
    setup: "In sanity.io/manage, open the project's API > Webhooks, create a webhook with the URL https://<api>/webhooks/<source>, and set its Secret (the same text is configured here).",
    evidence: Evidence::Sdk("@sanity/webhook 4.0.4"),
    spec: Spec {
        signature: Carrier::Pairs {
            name: "sanity-webhook-signature",
            separator: ',',
            timestamp_key: Some("t"),
            signature_key: "v1",
            encoding: Encoding::Base64Url,
        },
        signed: &[Part::Timestamp, Part::text("."), Part::Body],
        timestamp: Some(Timestamp { at: TimestampAt::Pairs, format: TimeFormat::UnixMillis, checked: true }),
        id: Some(Locate::Header("idempotency-key")),
        event_type: Some(Locate::Header("sanity-operation")),
        kept_headers: &["sanity-webhook-id", "sanity-transaction-id", "sanity-document-id", "sanity-project-id", "sanity-dataset"],
        ..Spec::BODY_HMAC
    },
};
