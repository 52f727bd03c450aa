//! Plain: `Plain-Request-Signature: <hex>`, HMAC-SHA256 of the body with the workspace's request
//! signing secret as UTF-8. Nothing is timestamped in the signature. The id is the event's `id`
//! (`pEv_…`), the type `payload.eventType` (`thread.thread_created`).

use crate::spec::*;

/// Plain.
pub const PROVIDER: Provider = Provider {
    name: "plain",
    title: "Plain",
    docs: "https://www.plain.com/docs/request-signing",
    setup: "In Plain, Settings > Request signing shows (or generates) the workspace's HMAC secret; add https://<api>/webhooks/<source> under Settings > Webhooks > Add webhook target.",
    evidence: Evidence::Sdk("@team-plain/typescript-sdk 5.12.1"),
    spec: Spec {
        signature: Carrier::Header { name: "Plain-Request-Signature", prefix: "", encoding: Encoding::Hex },
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/payload/eventType")),
        ..Spec::BODY_HMAC
    },
};
