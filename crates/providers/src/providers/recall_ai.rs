//! Recall.ai: Standard Webhooks, sent once a workspace verification secret exists — `webhook-id`,
//! `webhook-timestamp` (Unix seconds, within the tolerance) and `webhook-signature`
//! (space-separated `v1,<base64>`, one matching is enough), HMAC-SHA256 of
//! `{id}.{timestamp}.{body}` with the base64 after `whsec_` in the workspace secret; Recall.ai's
//! docs recommend verifying with Svix's library. Older workspaces' dashboard endpoints send the
//! same under `svix-` names, which are accepted too. The id is `webhook-id`, the type the body's
//! `event` (`bot.done`).

use super::standard_webhooks;
use crate::spec::*;

/// Recall.ai.
pub const PROVIDER: Provider = Provider {
    name: "recall-ai",
    title: "Recall.ai",
    docs: "https://docs.recall.ai/docs/verify-events",
    setup: "In the Recall.ai dashboard, Developers → API Keys & Secrets: create the workspace verification secret (whsec_…), the secret; add the Hookway URL https://<api>/webhooks/<source> as a webhook endpoint.",
    evidence: Evidence::Verifier("svix 2.9.1"),
    spec: Spec {
        id: Some(Locate::Header("webhook-id")),
        event_type: Some(Locate::Pointer("/event")),
        hooks: Hooks { identify: None, ..standard_webhooks::PROVIDER.spec.hooks },
        ..standard_webhooks::PROVIDER.spec
    },
};
