//! ImageKit: [Standard Webhooks](https://www.standardwebhooks.com) — `webhook-id`,
//! `webhook-timestamp` (Unix seconds, checked against the tolerance) and `webhook-signature`,
//! space-separated `v1,<base64>` entries, HMAC-SHA256 of `{id}.{timestamp}.{body}`. Unlike the
//! specification's `whsec_` secrets, the key is the webhook secret's own UTF-8 bytes, as
//! imagekitio's `webhooks.unwrap` uses it. The id is `webhook-id`, the type the body's `type`
//! (`video.transformation.ready`).

use super::standard_webhooks::PROVIDER as STANDARD_WEBHOOKS;
use crate::spec::*;

/// ImageKit.
pub const PROVIDER: Provider = Provider {
    name: "imagekit",
    title: "ImageKit",
    docs: "https://imagekit.io/docs/webhooks",
    setup: "In the ImageKit dashboard, open Developer options → Webhooks → Add new, paste `https://<api>/webhooks/<source>` as the endpoint and pick its events; the endpoint's webhook secret is the secret.",
    evidence: Evidence::Sdk("imagekitio 5.11.0"),
    spec: Spec {
        signature: Carrier::Custom { shown: "webhook-signature (v1), webhook-id, webhook-timestamp" },
        id: Some(Locate::Header("webhook-id")),
        secret: SecretFormat::Text,
        kept_headers: &["webhook-timestamp"],
        hooks: Hooks { identify: None, ..STANDARD_WEBHOOKS.spec.hooks },
        ..STANDARD_WEBHOOKS.spec
    },
};
