//! Mailjet (event API): webhooks authenticate with HTTP Basic credentials written into the event
//! URL (`https://user:password@…`), sent as `Authorization: Basic …` and compared in constant
//! time; the secret is `user:password`. The body is not signed. The type is the body's `event`
//! (`sent`, `open`); the body's digest stands for the id.

use crate::spec::*;

/// Mailjet.
pub const PROVIDER: Provider = Provider {
    name: "mailjet",
    title: "Mailjet",
    docs: "https://dev.mailjet.com/email/guides/webhooks/#event-api-real-time-notifications",
    setup: "In Mailjet, Account settings > Event notifications (webhooks), or the eventcallbackurl API: set the URL to https://user:password@<api>/webhooks/<source>, and give Hookway the same user:password.",
    evidence: Evidence::Rule,
    spec: Spec {
        algorithm: Algorithm::Basic,
        signature: Carrier::Basic,
        signed: &[],
        event_type: Some(Locate::Pointer("/event")),
        secret: SecretFormat::UserPassword,
        ..Spec::BODY_HMAC
    },
};
