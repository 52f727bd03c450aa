//! Flutterwave: no signature — the secret hash set in the dashboard is sent as it is in
//! `verif-hash` and compared in constant time; it authenticates the sender, not the body. No event
//! id is sent: the id is a digest of the body. The type is the body's `event` (`charge.completed`).

use crate::spec::*;

/// Flutterwave.
pub const PROVIDER: Provider = Provider {
    name: "flutterwave",
    title: "Flutterwave",
    docs: "https://developer.flutterwave.com/v3.0.0/docs/webhooks",
    setup: "In the Flutterwave Dashboard, Settings → Webhooks: paste `https://<api>/webhooks/<source>` as the URL and set a Secret hash; that hash is the key.",
    evidence: Evidence::Rule,
    spec: Spec {
        algorithm: Algorithm::Token,
        signature: Carrier::Token { name: "verif-hash" },
        signed: &[],
        event_type: Some(Locate::Pointer("/event")),
        ..Spec::BODY_HMAC
    },
};
