//! Supabase Auth hooks: [Standard Webhooks](https://www.standardwebhooks.com) — `webhook-id`,
//! `webhook-timestamp` (Unix seconds, checked against the tolerance) and `webhook-signature`,
//! space-separated `v1,<base64>` entries, HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed with the
//! base64 of the hook's secret, which Supabase shows as `v1,whsec_<base64>`. Supabase's examples
//! verify with the Standard Webhooks library. The id is `webhook-id`; the type is the Send Email
//! hook's `email_data.email_action_type` (`signup`, `recovery`, …), and none for other hooks.
//! Hookway acknowledges the request, so it suits the hooks whose answer is only an acknowledgement
//! (Send Email, Send SMS), not those that must answer with data.

use super::standard_webhooks::PROVIDER as STANDARD_WEBHOOKS;
use crate::spec::*;

/// Supabase Auth.
pub const PROVIDER: Provider = Provider {
    name: "supabase-auth",
    title: "Supabase Auth",
    docs: "https://supabase.com/docs/guides/auth/auth-hooks/send-email-hook",
    setup: "In the Supabase Dashboard, open Authentication → Hooks, add a Send Email (or Send SMS) hook of type HTTPS with `https://<api>/webhooks/<source>` as its URL, and generate its secret; the secret shown (`v1,whsec_…`) without its `v1,` prefix is the secret.",
    evidence: Evidence::Verifier("standardwebhooks 1.1.0"),
    spec: Spec {
        signature: Carrier::Custom { shown: "webhook-signature (v1), webhook-id, webhook-timestamp" },
        id: Some(Locate::Header("webhook-id")),
        event_type: Some(Locate::Pointer("/email_data/email_action_type")),
        kept_headers: &["webhook-timestamp"],
        hooks: Hooks { identify: None, ..STANDARD_WEBHOOKS.spec.hooks },
        ..STANDARD_WEBHOOKS.spec
    },
};
