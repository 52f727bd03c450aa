//! MailerSend: `Signature: <hex>`, HMAC-SHA256 of the body with the webhook's signing secret as
//! UTF-8. Nothing is timestamped. The type is the body's `type` (`activity.sent`), the id the
//! activity's `data.id`.

use crate::spec::*;

/// MailerSend.
pub const PROVIDER: Provider = Provider {
    name: "mailersend",
    title: "MailerSend",
    docs: "https://developers.mailersend.com/api/v1/webhooks.html#security",
    setup: "In MailerSend, Integrations > Webhooks > Add webhook (for the domain): the endpoint URL is https://<api>/webhooks/<source>; the webhook's page shows its signing secret.",
    evidence: Evidence::Sdk("mailersend 3.4.0"),
    spec: Spec {
        signature: Carrier::Header { name: "Signature", prefix: "", encoding: Encoding::Hex },
        id: Some(Locate::Pointer("/data/id")),
        event_type: Some(Locate::Pointer("/type")),
        ..Spec::BODY_HMAC
    },
};
