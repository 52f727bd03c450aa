//! Onfido (Entrust): `X-SHA2-Signature: <hex>`, HMAC-SHA256 of the body with the webhook's token
//! as UTF-8, no timestamp. The type is the body's `payload.action` (`check.completed`); the body
//! names no event id (`payload.object.id` is the check's, shared by its events), so its digest
//! stands for one.

use crate::spec::*;

/// Onfido.
pub const PROVIDER: Provider = Provider {
    name: "onfido",
    title: "Onfido",
    docs: "https://documentation.identity.entrust.com/api/manual-webhook-signature-verification/",
    setup: "In the Onfido dashboard, under Developers > Webhooks, create a webhook with the URL https://<api>/webhooks/<source> and copy its token (also returned by the API when the webhook is created).",
    evidence: Evidence::Sdk("onfido-python 6.2.0"),
    spec: Spec {
        signature: Carrier::Header { name: "X-SHA2-Signature", prefix: "", encoding: Encoding::Hex },
        event_type: Some(Locate::Pointer("/payload/action")),
        ..Spec::BODY_HMAC
    },
};
