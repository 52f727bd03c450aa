//! Vercel: `x-vercel-signature: <hex>`, HMAC-SHA1 of the body with the webhook's secret (or the
//! integration's client secret) as UTF-8, no timestamp. The id and type are the body's `id` and `type`
//! (`deployment.created`).

use crate::spec::*;

/// Vercel.
pub const PROVIDER: Provider = Provider {
    name: "vercel",
    title: "Vercel",
    docs: "https://vercel.com/docs/webhooks/webhooks-api#securing-webhooks",
    setup: "Team Settings → Webhooks → Create webhook: paste the Hookway URL; the secret shown once on creation is the secret (integration webhooks sign with the integration's Client Secret).",
    evidence: Evidence::Rule,
    spec: Spec {
        algorithm: Algorithm::HmacSha1,
        signature: Carrier::Header { name: "x-vercel-signature", prefix: "", encoding: Encoding::Hex },
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/type")),
        ..Spec::BODY_HMAC
    },
};
