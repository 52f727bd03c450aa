//! Clerk: Standard Webhooks under Svix's header names — `svix-id`, `svix-timestamp` and
//! `svix-signature` (`v1,<base64>` entries), HMAC-SHA256 of `{id}.{timestamp}.{body}` with the
//! `whsec_` base64 secret. The id is `svix-id`, the type the body's `type`.

use super::standard_webhooks::SVIX_SPEC;
use crate::spec::*;

/// Clerk.
pub const PROVIDER: Provider = Provider {
    name: "clerk",
    title: "Clerk",
    docs: "https://clerk.com/docs/webhooks/sync-data",
    setup: "Dashboard → Configure → Webhooks → Add Endpoint: paste the Hookway URL; the endpoint's Signing Secret (whsec_…) is the secret.",
    evidence: Evidence::Verifier("svix 2.9.1"),
    spec: SVIX_SPEC,
};
