//! Sellix: `X-Sellix-Signature: <hex>`, HMAC-SHA512 of the body with the shop's webhook secret as
//! UTF-8. No timestamp is signed. The type is the `X-Sellix-Event` header (`order:paid`), not
//! signed; there is no id, so a digest of the body stands for it.

use crate::spec::*;

/// Sellix.
pub const PROVIDER: Provider = Provider {
    name: "sellix",
    title: "Sellix",
    docs: "https://docs.sellix.io/api-reference/webhooks",
    setup: "In the Sellix dashboard, add a webhook endpoint with the Hookway URL \
            `https://<api>/webhooks/<source>`; the shop's webhook secret, on its settings page, is the \
            source's secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        algorithm: Algorithm::HmacSha512,
        signature: Carrier::Header { name: "X-Sellix-Signature", prefix: "", encoding: Encoding::Hex },
        event_type: Some(Locate::Header("X-Sellix-Event")),
        ..Spec::BODY_HMAC
    },
};
