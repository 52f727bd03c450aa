//! Chunkify: [Standard Webhooks](https://www.standardwebhooks.com) — `webhook-id`,
//! `webhook-timestamp` (Unix seconds, checked against the tolerance) and `webhook-signature`, a
//! space-separated list of `v1,<base64>` entries, each the HMAC-SHA256 of
//! `{webhook-id}.{webhook-timestamp}.{body}` keyed with the `whsec_` secret's base64-decoded
//! bytes, as its SDK's `webhooks.unwrap` verifies. The id is the notification's `id`, the type its
//! `event` (`job.completed`).

use super::standard_webhooks;
use crate::spec::*;

/// Chunkify.
pub const PROVIDER: Provider = Provider {
    name: "chunkify",
    title: "Chunkify",
    docs: "https://github.com/chunkifydev/chunkify-python/blob/main/api.md",
    setup: "In the Chunkify dashboard (or the webhooks API), add a webhook for the project with the \
            Hookway URL `https://<api>/webhooks/<source>` and the events to send; the webhook's \
            secret key (`whsec_…`) is the source's secret.",
    evidence: Evidence::Sdk("chunkify-sdk 0.14.2"),
    spec: Spec {
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/event")),
        hooks: Hooks { identify: None, ..standard_webhooks::PROVIDER.spec.hooks },
        ..standard_webhooks::PROVIDER.spec
    },
};
