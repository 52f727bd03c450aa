//! Anthropic (Claude Managed Agents webhooks): [Standard Webhooks](https://www.standardwebhooks.com)
//! — `webhook-id`, `webhook-timestamp` (Unix seconds, checked against the tolerance) and
//! `webhook-signature`, a space-separated list of `v1,<base64>` entries (several while a secret
//! is rotated), each the HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` keyed with the
//! `whsec_` signing secret's base64-decoded bytes. The body is an envelope `{"type": "event", "id",
//! "created_at", "data": {"type", "id", …}}`: the id is the envelope's `id` (one per event, the same
//! on every retry), the type `data.type` (`session.idled`).

use super::standard_webhooks;
use crate::spec::*;

/// Anthropic.
pub const PROVIDER: Provider = Provider {
    name: "anthropic",
    title: "Anthropic",
    docs: "https://platform.claude.com/docs/en/api/beta/webhooks/unwrap",
    setup: "In the Claude Console, Manage → Webhooks: add an endpoint with the Hookway URL \
            `https://<api>/webhooks/<source>` and pick the event types; the signing secret \
            (`whsec_…`, shown once) is the source's secret.",
    evidence: Evidence::Sdk("anthropic 2.17.0"),
    spec: Spec {
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/data/type")),
        hooks: Hooks { identify: None, ..standard_webhooks::PROVIDER.spec.hooks },
        ..standard_webhooks::PROVIDER.spec
    },
};
