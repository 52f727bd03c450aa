//! Intercom: `X-Hub-Signature: sha1=<hex>`, HMAC-SHA1 of the body with the app's client secret as
//! UTF-8, no timestamp. The id is the notification's `id`, the type its `topic`
//! (`conversation.user.created`).

use crate::spec::*;

/// Intercom.
pub const PROVIDER: Provider = Provider {
    name: "intercom",
    title: "Intercom",
    docs: "https://developers.intercom.com/docs/webhooks/webhook-notifications#signed-notifications",
    setup: "Developer Hub → your app → Basic information: the Client secret is the secret; paste the Hookway URL under Webhooks.",
    evidence: Evidence::Rule,
    spec: Spec {
        algorithm: Algorithm::HmacSha1,
        signature: Carrier::Header { name: "X-Hub-Signature", prefix: "sha1=", encoding: Encoding::Hex },
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/topic")),
        id_style: IdStyle::Prefixed("notif_"),
        ..Spec::BODY_HMAC
    },
};
