//! Documenso: no signature. The webhook's secret, chosen when it is created, is sent as is in the
//! `X-Documenso-Secret` header and compared in constant time with the configured secret; it
//! authenticates the sender, not the body. The type is the body's `event` (`DOCUMENT_COMPLETED`);
//! the body names no event id (`payload.id` is the document's), so its digest stands for one.

use crate::spec::*;

/// Documenso.
pub const PROVIDER: Provider = Provider {
    name: "documenso",
    title: "Documenso",
    docs: "https://docs.documenso.com/docs/developers/webhooks/verification",
    setup: "In Documenso, open the team's Settings > Webhooks, create a webhook with the URL https://<api>/webhooks/<source>, and set its Secret (the same text is configured here).",
    evidence: Evidence::Rule,
    spec: Spec {
        algorithm: Algorithm::Token,
        signature: Carrier::Token { name: "X-Documenso-Secret" },
        event_type: Some(Locate::Pointer("/event")),
        signed: &[],
        ..Spec::BODY_HMAC
    },
};
