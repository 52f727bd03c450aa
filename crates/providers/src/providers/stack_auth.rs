//! Stack Auth: sent by Svix — `svix-id`, `svix-timestamp` (Unix seconds, within the tolerance)
//! and `svix-signature` (space-separated `v1,<base64>`, several while a secret rotates),
//! HMAC-SHA256 of `{id}.{timestamp}.{body}` with the base64 after `whsec_` in the endpoint's
//! secret; Stack Auth's docs tell users to verify with Svix's library. The id is `svix-id`, the
//! type the body's `type` (`team.created`).

use super::standard_webhooks::SVIX_SPEC;
use crate::spec::*;

/// Stack Auth.
pub const PROVIDER: Provider = Provider {
    name: "stack-auth",
    title: "Stack Auth",
    docs: "https://docs.stack-auth.com/docs/apps/webhooks",
    setup: "In the Stack Auth dashboard, Webhooks → create an endpoint with the Hookway URL https://<api>/webhooks/<source>; the signing secret (whsec_…) shown in the endpoint's details is the secret.",
    evidence: Evidence::Verifier("svix 2.9.1"),
    spec: SVIX_SPEC,
};
