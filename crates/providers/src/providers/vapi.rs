//! Vapi: a static token — the server URL's secret sent as is in `x-vapi-secret`, compared in
//! constant time. Nothing is signed: the token proves the sender, not the body. The type is the
//! body's `message.type` (`end-of-call-report`); a message carries no id, so the body's digest
//! stands for it.

use crate::spec::*;

/// Vapi.
pub const PROVIDER: Provider = Provider {
    name: "vapi",
    title: "Vapi",
    docs: "https://docs.vapi.ai/server-url/server-authentication",
    setup: "In the Vapi dashboard, set the assistant's (or the organization's) Server URL to the Hookway URL https://<api>/webhooks/<source> and give it a secret; that secret is the key.",
    evidence: Evidence::Rule,
    spec: Spec {
        algorithm: Algorithm::Token,
        signature: Carrier::Token { name: "x-vapi-secret" },
        event_type: Some(Locate::Pointer("/message/type")),
        signed: &[],
        ..Spec::BODY_HMAC
    },
};
