//! Svix: Standard Webhooks under Svix's header names — `svix-id`, `svix-timestamp` and
//! `svix-signature` (`v1,<base64>` entries), HMAC-SHA256 of `{id}.{timestamp}.{body}` with the
//! `whsec_` base64 secret. The id is `svix-id`, the type the body's `type`.

use super::standard_webhooks::SVIX_SPEC;
use crate::spec::*;

/// Svix.
pub const PROVIDER: Provider = Provider {
    name: "svix",
    title: "Svix",
    docs: "https://docs.svix.com/receiving/verifying-payloads/how-manual",
    setup: "In the Svix application portal of the sender, add an endpoint with the Hookway URL; the endpoint's Signing Secret (whsec_…) is the secret.",
    evidence: Evidence::Sdk("svix 2.9.1"),
    spec: SVIX_SPEC,
};
