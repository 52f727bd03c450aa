//! Airtable: `X-Airtable-Content-MAC: hmac-sha256=<hex>`, HMAC-SHA256 of the body with the
//! webhook's `macSecretBase64` decoded from base64, no timestamp. A notification only says that a
//! base changed (`{"base": {"id"}, "webhook": {"id"}, "timestamp"}`): the receiver lists the
//! webhook's payloads through the API. It names no event, so the body's digest stands for its id.

use crate::spec::*;

/// Airtable.
pub const PROVIDER: Provider = Provider {
    name: "airtable",
    title: "Airtable",
    docs: "https://airtable.com/developers/web/api/webhooks-overview#webhook-notification-delivery",
    setup: "Create the webhook through Airtable's API (POST /v0/bases/{baseId}/webhooks) with notificationUrl https://<api>/webhooks/<source>; the response's macSecretBase64 is the secret, shown only then.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-Airtable-Content-MAC", prefix: "hmac-sha256=", encoding: Encoding::Hex },
        secret: SecretFormat::Base64Bytes,
        ..Spec::BODY_HMAC
    },
};
