//! Alchemy (Notify): `X-Alchemy-Signature: <hex>`, HMAC-SHA256 of the body with the webhook's
//! signing key as UTF-8, no timestamp. The id is the body's `id` (`whevt_…`), the type its `type`
//! (`ADDRESS_ACTIVITY`).

use crate::spec::*;

/// Alchemy.
pub const PROVIDER: Provider = Provider {
    name: "alchemy",
    title: "Alchemy",
    docs: "https://www.alchemy.com/docs/reference/notify-api-quickstart#validate-the-signature-received",
    setup: "In the Alchemy dashboard, Data → Webhooks → Create webhook: paste the Hookway URL https://<api>/webhooks/<source> as the webhook URL; the webhook's signing key (top right of its page) is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-Alchemy-Signature", prefix: "", encoding: Encoding::Hex },
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/type")),
        id_style: IdStyle::Prefixed("whevt_"),
        ..Spec::BODY_HMAC
    },
};
