//! Hugging Face: a static token — the webhook's secret sent as is in `X-Webhook-Secret`, compared
//! in constant time. Nothing is signed: the token proves the sender, not the body. The type is the
//! body's `event.scope` (`repo.content`); a delivery carries no id, so the body's digest stands
//! for it.

use crate::spec::*;

/// Hugging Face.
pub const PROVIDER: Provider = Provider {
    name: "hugging-face",
    title: "Hugging Face",
    docs: "https://huggingface.co/docs/hub/webhooks#webhook-secret",
    setup: "In Hugging Face, Settings → Webhooks, create a webhook with the Hookway URL https://<api>/webhooks/<source> and a secret you choose; that secret is the key.",
    evidence: Evidence::Rule,
    spec: Spec {
        algorithm: Algorithm::Token,
        signature: Carrier::Token { name: "X-Webhook-Secret" },
        event_type: Some(Locate::Pointer("/event/scope")),
        signed: &[],
        ..Spec::BODY_HMAC
    },
};
