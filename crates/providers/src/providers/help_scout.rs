//! Help Scout: `X-HelpScout-Signature: <base64>`, HMAC-SHA1 of the body with the webhook's secret
//! key as UTF-8. Nothing is timestamped. The type is `X-HelpScout-Event` (`convo.created`), not
//! signed; the body's digest stands for the id.

use crate::spec::*;

/// Help Scout.
pub const PROVIDER: Provider = Provider {
    name: "help-scout",
    title: "Help Scout",
    docs: "https://developer.helpscout.com/webhooks/",
    setup: "In Help Scout, Manage > Apps > Webhooks: paste https://<api>/webhooks/<source> as the callback URL and choose a secret key (up to 40 characters); the same key goes to Hookway.",
    evidence: Evidence::Rule,
    spec: Spec {
        algorithm: Algorithm::HmacSha1,
        signature: Carrier::Header { name: "X-HelpScout-Signature", prefix: "", encoding: Encoding::Base64 },
        event_type: Some(Locate::Header("X-HelpScout-Event")),
        ..Spec::BODY_HMAC
    },
};
