//! Convoy (simple signatures, its default): `X-Convoy-Signature: <hex>`, HMAC-SHA512 of the raw
//! body with the endpoint's secret as UTF-8. No timestamp is signed, and the body is the
//! sender's own payload, naming no id or type Convoy defines: the body's digest stands for the id.

use crate::spec::*;

/// Convoy.
pub const PROVIDER: Provider = Provider {
    name: "convoy",
    title: "Convoy",
    docs: "https://docs.getconvoy.io/product-manual/signatures",
    setup: "In Convoy, add an endpoint with the Hookway URL https://<api>/webhooks/<source> in the project whose signature format is simple, hash SHA512 and encoding hex; the endpoint's secret is the key.",
    evidence: Evidence::Sdk("convoy-python 0.2.0"),
    spec: Spec {
        algorithm: Algorithm::HmacSha512,
        signature: Carrier::Header { name: "X-Convoy-Signature", prefix: "", encoding: Encoding::Hex },
        ..Spec::BODY_HMAC
    },
};
