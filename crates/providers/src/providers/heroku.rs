//! Heroku (app webhooks): `Heroku-Webhook-Hmac-SHA256: <base64>`, HMAC-SHA256 of the raw body with
//! the webhook's secret as UTF-8, no timestamp. The id is the body's `id`; the type is the entity
//! subscribed to, the body's `webhook_metadata.event.include` (`api:release`), whose `action`
//! (`create`, `update`, `destroy`) is beside it.

use crate::spec::*;

/// Heroku.
pub const PROVIDER: Provider = Provider {
    name: "heroku",
    title: "Heroku",
    docs: "https://devcenter.heroku.com/articles/app-webhooks#securing-webhook-requests",
    setup: "Create the webhook with `heroku webhooks:add -i api:release -l notify -u https://<api>/webhooks/<source> -a <app>`, or in the app's More > View Webhooks in the Dashboard; the secret it prints (or the one you pass with `--secret`) is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "Heroku-Webhook-Hmac-SHA256", prefix: "", encoding: Encoding::Base64 },
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/webhook_metadata/event/include")),
        kept_headers: &["Heroku-Webhook-Id"],
        ..Spec::BODY_HMAC
    },
};
