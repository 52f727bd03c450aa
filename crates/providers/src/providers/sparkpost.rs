//! SparkPost: webhooks authenticate with HTTP Basic credentials set on the webhook
//! (`auth_type: basic`), sent as `Authorization: Basic …` and compared in constant time; the secret
//! is `user:password`. The body is not signed. A delivery is a batch, a JSON array of events, so
//! the body's digest stands for the id; no single type names it.

use crate::spec::*;

/// SparkPost.
pub const PROVIDER: Provider = Provider {
    name: "sparkpost",
    title: "SparkPost",
    docs: "https://developers.sparkpost.com/api/webhooks/",
    setup: "In SparkPost, Configuration > Webhooks > Create webhook: the target URL is https://<api>/webhooks/<source>; choose Basic Auth, and the username and password are the secret, as user:password.",
    evidence: Evidence::Rule,
    spec: Spec {
        algorithm: Algorithm::Basic,
        signature: Carrier::Basic,
        signed: &[],
        secret: SecretFormat::UserPassword,
        ..Spec::BODY_HMAC
    },
};
