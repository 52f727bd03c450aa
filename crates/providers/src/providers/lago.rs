//! Lago, with an endpoint whose signature algorithm is `hmac`: `X-Lago-Signature: <base64>`,
//! HMAC-SHA256 of the body with the organization's HMAC key as UTF-8, and
//! `X-Lago-Signature-Algorithm: hmac`. No timestamp is signed. An endpoint left on Lago's default
//! `jwt` algorithm (an RS256 token verified with a fetched public key) does not verify here: choose
//! `hmac` when creating it. The id is `X-Lago-Unique-Key`, the type the body's `webhook_type`
//! (`invoice.created`).

use crate::spec::*;

/// Lago.
pub const PROVIDER: Provider = Provider {
    name: "lago",
    title: "Lago",
    docs: "https://getlago.com/docs/api-reference/webhooks/format---signature",
    setup: "In Lago, Developers → Webhooks → Add a webhook: paste the Hookway URL \
            `https://<api>/webhooks/<source>` and choose the HMAC signature; the organization's HMAC \
            key, shown with the API keys under Developers, is the source's secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-Lago-Signature", prefix: "", encoding: Encoding::Base64 },
        id: Some(Locate::Header("X-Lago-Unique-Key")),
        event_type: Some(Locate::Pointer("/webhook_type")),
        kept_headers: &["X-Lago-Signature-Algorithm"],
        ..Spec::BODY_HMAC
    },
};
