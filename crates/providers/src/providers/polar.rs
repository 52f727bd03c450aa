//! Polar: [Standard Webhooks](https://www.standardwebhooks.com) — `webhook-id`,
//! `webhook-timestamp` (Unix seconds, checked against the tolerance) and `webhook-signature`, a
//! space-separated list of `v1,<base64>` entries, each the HMAC-SHA256 of
//! `{webhook-id}.{webhook-timestamp}.{body}`. Unlike a `whsec_` secret, Polar's webhook secret is
//! used as it is, its UTF-8 bytes the key (Polar's SDK base64-encodes it before handing it to a
//! Standard Webhooks library). Several entries verify during a rotation. The id is `webhook-id`, the
//! type the payload's `type` (`order.paid`).

use super::standard_webhooks::{self, STANDARD};
use crate::engine::{SignRequest, Signed};
use crate::spec::*;

/// Polar.
pub const PROVIDER: Provider = Provider {
    name: "polar",
    title: "Polar",
    docs: "https://polar.sh/docs/integrate/webhooks/delivery",
    setup: "In the Polar dashboard, Settings → Webhooks → Add Endpoint: paste the Hookway URL \
            `https://<api>/webhooks/<source>`, choose the Raw format, and copy the secret it generates \
            (or the one you set) as the source's secret.",
    evidence: Evidence::Sdk("polar-sdk 1.0.2"),
    spec: TEXT_SECRET_SPEC,
};

/// Standard Webhooks keyed with a text secret's UTF-8 bytes rather than a `whsec_` base64 one, as
/// Polar and Whop sign: `webhook-id`, `webhook-timestamp`, `webhook-signature` (`v1,<base64>`
/// entries) over `{id}.{timestamp}.{body}`. The type is the body's `type`.
pub const TEXT_SECRET_SPEC: Spec<'static> = Spec {
    signature: Carrier::Custom { shown: "webhook-signature, webhook-id, webhook-timestamp" },
    secret: SecretFormat::Text,
    id_style: IdStyle::Uuid,
    kept_headers: &["webhook-id", "webhook-timestamp"],
    hooks: Hooks {
        presented: Some(standard_webhooks::presented),
        identify: Some(standard_webhooks::identify),
        sign: Some(sign),
        signed: None,
        url_variant: None,
    },
    ..standard_webhooks::PROVIDER.spec
};

fn sign(request: &SignRequest<'_>, timestamp: &str, signature: &[u8], asymmetric: bool) -> Signed {
    standard_webhooks::sign_as(&STANDARD, request, timestamp, signature, asymmetric)
}
