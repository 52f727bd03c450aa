//! Bandwidth (Messaging API callbacks): Bandwidth signs nothing; a callback authenticates with the
//! HTTP Basic credentials set on the application (`callbackCredentials`), sent as
//! `Authorization: Basic …` and compared in constant time; the secret is `user:password`. The body
//! is an array of events: the type is the first one's `type` (`message-received`,
//! `message-delivered`). The message id names the message, not the event (one message has
//! several): the body's digest stands for the id.

use crate::spec::*;

/// Bandwidth.
pub const PROVIDER: Provider = Provider {
    name: "bandwidth",
    title: "Bandwidth",
    docs: "https://dev.bandwidth.com/docs/messaging/webhooks/",
    setup: "In the Bandwidth App, open the messaging application (Applications), set its Callback URL to `https://<api>/webhooks/<source>` and its callback username and password; give them here as `user:password`.",
    evidence: Evidence::Rule,
    spec: Spec {
        algorithm: Algorithm::Basic,
        signature: Carrier::Basic,
        signed: &[],
        event_type: Some(Locate::Pointer("/0/type")),
        secret: SecretFormat::UserPassword,
        ..Spec::BODY_HMAC
    },
};
