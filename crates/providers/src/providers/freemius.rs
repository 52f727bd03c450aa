//! Freemius: `X-Signature: <hex>`, HMAC-SHA256 of the body with the product's secret key as UTF-8.
//! No timestamp is signed. The id is the body's `id` (the event's), the type its `type`
//! (`license.created`).

use crate::spec::*;

/// Freemius.
pub const PROVIDER: Provider = Provider {
    name: "freemius",
    title: "Freemius",
    docs: "https://freemius.com/help/documentation/saas/events-webhooks",
    setup: "In the Freemius Developer Dashboard, the product's Integrations → Webhooks: add a listener \
            with the Hookway URL `https://<api>/webhooks/<source>`; the product's secret key \
            (Settings → Keys) is the source's secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-Signature", prefix: "", encoding: Encoding::Hex },
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/type")),
        ..Spec::BODY_HMAC
    },
};
