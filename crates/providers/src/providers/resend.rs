//! Resend: Standard Webhooks under Svix's header names — `svix-id`, `svix-timestamp` and
//! `svix-signature` (`v1,<base64>` entries), HMAC-SHA256 of `{id}.{timestamp}.{body}` with the
//! `whsec_` base64 secret. The id is `svix-id`, the type the body's `type`.

use super::standard_webhooks::SVIX_SPEC;
use crate::spec::*;

/// Resend.
pub const PROVIDER: Provider = Provider {
    name: "resend",
    title: "Resend",
    docs: "https://resend.com/docs/webhooks/verify-webhooks-requests",
    setup: "Dashboard → Webhooks → Add Webhook: paste the Hookway URL; the webhook's Signing Secret (whsec_…) is the secret.",
    evidence: Evidence::Verifier("svix 2.9.1"),
    spec: SVIX_SPEC,
};
