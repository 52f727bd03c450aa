//! Xendit: no signature — the account's callback verification token is sent as it is in
//! `x-callback-token` and compared in constant time; it authenticates the sender, not the body.
//! The id is `webhook-id`; the type is the body's `event` (`ewallet.capture`) where the product's
//! callback names one.

use crate::spec::*;

/// Xendit.
pub const PROVIDER: Provider = Provider {
    name: "xendit",
    title: "Xendit",
    docs: "https://docs.xendit.co/api-integration/callback/setup",
    setup: "In the Xendit Dashboard, Settings → Webhooks (Callbacks): paste `https://<api>/webhooks/<source>` as the product's URL; the Verification Token shown there is the key.",
    evidence: Evidence::Rule,
    spec: Spec {
        algorithm: Algorithm::Token,
        signature: Carrier::Token { name: "x-callback-token" },
        signed: &[],
        id: Some(Locate::Header("webhook-id")),
        event_type: Some(Locate::Pointer("/event")),
        ..Spec::BODY_HMAC
    },
};
