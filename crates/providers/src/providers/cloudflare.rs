//! Cloudflare (Notifications, generic webhook destination): it signs nothing; the destination's
//! secret arrives as it is in `cf-webhook-auth` and is compared in constant time. That
//! authenticates the sender, not the body, and bounds no replay (the body's `ts` is not signed).
//! The type is the body's `alert_type` (`universal_ssl_event_type`); there is no event id, so a
//! digest of the body stands for it.

use crate::spec::*;

/// Cloudflare.
pub const PROVIDER: Provider = Provider {
    name: "cloudflare",
    title: "Cloudflare",
    docs: "https://developers.cloudflare.com/notifications/get-started/configure-webhooks/",
    setup: "In the Cloudflare dashboard, open Notifications > Destinations > Webhooks > Create, paste `https://<api>/webhooks/<source>` as the URL and fill in Secret: that value, sent as cf-webhook-auth, is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        algorithm: Algorithm::Token,
        signature: Carrier::Token { name: "cf-webhook-auth" },
        signed: &[],
        event_type: Some(Locate::Pointer("/alert_type")),
        ..Spec::BODY_HMAC
    },
};
