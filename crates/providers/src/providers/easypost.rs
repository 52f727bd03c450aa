//! EasyPost: `X-Hmac-Signature: hmac-sha256-hex=<hex>`, HMAC-SHA256 of the raw body with the
//! webhook's `webhook_secret` as UTF-8 (EasyPost's libraries NFKD-normalise it first, which leaves
//! an ASCII secret as it is; a secret with accents is configured in its NFKD form). No timestamp
//! is signed. The id and type are the Event's `id` (`evt_…`) and `description`
//! (`tracker.updated`).

use crate::spec::*;

/// EasyPost.
pub const PROVIDER: Provider = Provider {
    name: "easypost",
    title: "EasyPost",
    docs: "https://docs.easypost.com/docs/webhooks#hmac-validation",
    setup: "Create the webhook with the API (POST /v2/webhooks) or in the dashboard's Webhooks page, its url the Hookway URL https://<api>/webhooks/<source> and a webhook_secret you choose; that secret is the key.",
    evidence: Evidence::Sdk("easypost 10.7.0"),
    spec: Spec {
        signature: Carrier::Header { name: "X-Hmac-Signature", prefix: "hmac-sha256-hex=", encoding: Encoding::Hex },
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/description")),
        id_style: IdStyle::Prefixed("evt_"),
        ..Spec::BODY_HMAC
    },
};
