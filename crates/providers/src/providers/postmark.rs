//! Postmark: webhooks authenticate with HTTP Basic credentials in the webhook's URL
//! (`https://user:password@…`), sent as `Authorization: Basic …` and compared in constant time;
//! the secret is `user:password`. The type is the body's `RecordType` (`Delivery`, `Bounce`); the
//! body's digest stands for the id.

use crate::spec::*;

/// Postmark.
pub const PROVIDER: Provider = Provider {
    name: "postmark",
    title: "Postmark",
    docs: "https://postmarkapp.com/developer/webhooks/webhooks-overview#protecting-your-webhook",
    setup: "Server → Webhooks → Add webhook: paste the Hookway URL with basic-auth credentials (https://user:password@…); those credentials are the secret.",
    evidence: Evidence::Documented,
    spec: Spec {
        algorithm: Algorithm::Basic,
        signature: Carrier::Basic,
        signed: &[],
        event_type: Some(Locate::Pointer("/RecordType")),
        secret: SecretFormat::UserPassword,
        ..Spec::BODY_HMAC
    },
};
