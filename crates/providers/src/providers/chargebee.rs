//! Chargebee: no signature — the webhook is sent with the HTTP Basic credentials set on it
//! (`Authorization: Basic …`), compared in constant time; they authenticate the sender, not the
//! body. The id and type are the body's `id` (`ev_…`) and `event_type` (`subscription_created`).

use crate::spec::*;

/// Chargebee.
pub const PROVIDER: Provider = Provider {
    name: "chargebee",
    title: "Chargebee",
    docs: "https://apidocs.chargebee.com/docs/api/webhook_endpoints/create-a-webhook-endpoint",
    setup: "In Chargebee, Settings → Configure Chargebee → Webhooks → Add Webhook: paste `https://<api>/webhooks/<source>` as the URL and turn on basic authentication; the username and password, as `user:password`, are the key.",
    evidence: Evidence::Rule,
    spec: Spec {
        algorithm: Algorithm::Basic,
        signature: Carrier::Basic,
        signed: &[],
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/event_type")),
        secret: SecretFormat::UserPassword,
        id_style: IdStyle::Prefixed("ev_"),
        ..Spec::BODY_HMAC
    },
};
