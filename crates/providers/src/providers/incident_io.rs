//! incident.io: Standard Webhooks as Svix sends them under the `webhook-` names — `webhook-id`,
//! `webhook-timestamp` and `webhook-signature` (`v1,<base64>` entries), HMAC-SHA256 of
//! `{id}.{timestamp}.{body}` with the endpoint's `whsec_` base64 signing secret; the timestamp is
//! checked against the tolerance. The id is `webhook-id`, the type the body's `event_type`
//! (`public_incident.incident_created_v2`).

use super::standard_webhooks;
use crate::spec::*;

/// incident.io.
pub const PROVIDER: Provider = Provider {
    name: "incident-io",
    title: "incident.io",
    docs: "https://docs.incident.io/api-reference/webhooks",
    setup: "In incident.io, open Settings > Webhooks, add an endpoint with the URL `https://<api>/webhooks/<source>` and choose its event types; the endpoint's Signing secret (`whsec_…`) is the secret.",
    evidence: Evidence::Verifier("svix 2.9.1"),
    spec: Spec {
        signature: Carrier::Custom { shown: "webhook-signature (v1), webhook-id, webhook-timestamp" },
        id: Some(Locate::Header("webhook-id")),
        event_type: Some(Locate::Pointer("/event_type")),
        kept_headers: &["webhook-id", "webhook-timestamp"],
        hooks: Hooks { identify: None, ..standard_webhooks::PROVIDER.spec.hooks },
        ..standard_webhooks::PROVIDER.spec
    },
};
