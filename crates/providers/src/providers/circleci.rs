//! CircleCI: `circleci-signature: v1=<hex>`, a comma-separated list of versioned signatures of
//! which only `v1` counts (any other version is ignored, so a sender cannot downgrade): HMAC-SHA256
//! of the raw body with the webhook's secret token as UTF-8. No timestamp is signed. The id and
//! type are the body's `id` (kept on retries) and `type` (`workflow-completed`, `job-completed`),
//! which the `circleci-event-type` header repeats.

use crate::spec::*;

/// CircleCI.
pub const PROVIDER: Provider = Provider {
    name: "circleci",
    title: "CircleCI",
    docs: "https://circleci.com/docs/guides/integration/outbound-webhooks/#validate-webhooks",
    setup: "In CircleCI, open Project Settings > Webhooks > Add Webhook, paste `https://<api>/webhooks/<source>` as the Receiver URL and set a Secret token: that token is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Pairs {
            name: "circleci-signature",
            separator: ',',
            timestamp_key: None,
            signature_key: "v1",
            encoding: Encoding::Hex,
        },
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/type")),
        ..Spec::BODY_HMAC
    },
};
