//! Snyk: `X-Hub-Signature: sha256=<hex>`, HMAC-SHA256 of the raw body with the webhook's secret as
//! UTF-8. `X-Snyk-Timestamp` (ISO 8601) is not signed, so it bounds no replay and is only kept.
//! The id is `X-Snyk-Transport-ID`, the type `X-Snyk-Event` (`project_snapshot/v0`); neither is
//! signed.

use crate::spec::*;

/// Snyk.
pub const PROVIDER: Provider = Provider {
    name: "snyk",
    title: "Snyk",
    docs: "https://docs.snyk.io/snyk-api/how-to-use-snyk-webhooks-to-integrate-snyk-with-third-party-systems",
    setup: "Snyk webhooks are created through its API: `POST https://api.snyk.io/v1/org/<org-id>/webhooks` with `{\"url\": \"https://<api>/webhooks/<source>\", \"secret\": \"<secret>\"}`; the secret you send there is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-Hub-Signature", prefix: "sha256=", encoding: Encoding::Hex },
        id: Some(Locate::Header("X-Snyk-Transport-ID")),
        event_type: Some(Locate::Header("X-Snyk-Event")),
        kept_headers: &["X-Snyk-Timestamp"],
        ..Spec::BODY_HMAC
    },
};
