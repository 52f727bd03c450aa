//! Bitbucket Cloud: `X-Hub-Signature: sha256=<hex>`, HMAC-SHA256 of the body with the webhook's
//! secret as UTF-8, no timestamp. The id is `X-Request-UUID`, the type `X-Event-Key`
//! (`repo:push`).

use crate::spec::*;

/// Bitbucket Cloud.
pub const PROVIDER: Provider = Provider {
    name: "bitbucket",
    title: "Bitbucket",
    docs: "https://support.atlassian.com/bitbucket-cloud/docs/manage-webhooks/#Secure-webhooks",
    setup: "Repository settings → Webhooks → Add webhook: paste the Hookway URL as the URL and set a Secret, which Bitbucket then signs with.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-Hub-Signature", prefix: "sha256=", encoding: Encoding::Hex },
        id: Some(Locate::Header("X-Request-UUID")),
        event_type: Some(Locate::Header("X-Event-Key")),
        kept_headers: &["X-Hook-UUID", "X-Attempt-Number"],
        ..Spec::BODY_HMAC
    },
};
