//! Crossmint: its webhooks are sent by Svix — `svix-id`, `svix-timestamp` (Unix seconds, checked
//! against the tolerance) and `svix-signature` (`v1,<base64>` entries, several during a rotation),
//! HMAC-SHA256 of `{svix-id}.{svix-timestamp}.{body}` with the endpoint's `whsec_` base64 secret;
//! Crossmint's docs verify with Svix's library. The id is `svix-id` (the same on every retry), the
//! type the body's `type` (`orders.payment.succeeded`).

use super::standard_webhooks::SVIX_SPEC;
use crate::spec::*;

/// Crossmint.
pub const PROVIDER: Provider = Provider {
    name: "crossmint",
    title: "Crossmint",
    docs: "https://docs.crossmint.com/introduction/platform/webhooks/verify-webhooks",
    setup: "In the Crossmint console, Webhooks → Add Endpoint: paste the Hookway URL \
            `https://<api>/webhooks/<source>` and pick the events; the endpoint's Signing Secret \
            (`whsec_…`) is the source's secret.",
    evidence: Evidence::Verifier("svix 2.9.1"),
    spec: SVIX_SPEC,
};
