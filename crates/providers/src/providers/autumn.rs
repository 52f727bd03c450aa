//! Autumn: its webhooks are sent by Svix — `svix-id`, `svix-timestamp` (Unix seconds, checked
//! against the tolerance) and `svix-signature` (`v1,<base64>` entries, several during a rotation),
//! HMAC-SHA256 of `{id}.{timestamp}.{body}` with the `whsec_` base64 secret. The id is `svix-id`,
//! the type the body's `type` (`customer.products.updated`).

use super::standard_webhooks::SVIX_SPEC;
use crate::spec::*;

/// Autumn.
pub const PROVIDER: Provider = Provider {
    name: "autumn",
    title: "Autumn",
    docs: "https://docs.useautumn.com/documentation/webhooks",
    setup: "In the Autumn dashboard, Developer → Webhooks → Add Endpoint: paste the Hookway URL \
            `https://<api>/webhooks/<source>` and pick the events; the endpoint's signing secret \
            (`whsec_…`) is the source's secret.",
    evidence: Evidence::Verifier("svix 2.9.1"),
    spec: SVIX_SPEC,
};
