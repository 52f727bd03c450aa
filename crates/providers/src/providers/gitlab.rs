//! GitLab: the secret token configured on the webhook, sent as it is in `X-Gitlab-Token` and
//! compared in constant time. The id is `X-Gitlab-Event-UUID`, the type `X-Gitlab-Event`
//! (`Push Hook`).

use crate::spec::*;

/// GitLab.
pub const PROVIDER: Provider = Provider {
    name: "gitlab",
    title: "GitLab",
    docs: "https://docs.gitlab.com/user/project/integrations/webhooks/#validate-requests-with-a-secret-token",
    setup: "Project Settings → Webhooks → Add new webhook: paste the Hookway URL and set a Secret token, which GitLab sends as it is.",
    evidence: Evidence::Documented,
    spec: Spec {
        algorithm: Algorithm::Token,
        signature: Carrier::Token { name: "X-Gitlab-Token" },
        signed: &[],
        id: Some(Locate::Header("X-Gitlab-Event-UUID")),
        event_type: Some(Locate::Header("X-Gitlab-Event")),
        kept_headers: &["X-Gitlab-Instance", "X-Gitlab-Webhook-UUID"],
        ..Spec::BODY_HMAC
    },
};
