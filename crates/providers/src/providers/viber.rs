//! Viber (REST bot API): `X-Viber-Content-Signature: <hex>`, HMAC-SHA256 of the body with the
//! bot's authentication token as UTF-8, no timestamp (the body's `timestamp` is the event's time,
//! which Viber gives no freshness window). The type is the body's `event` (`message`,
//! `subscribed`, `webhook` for the check `set_webhook` sends). Viber numbers its events with
//! `message_token`, a JSON number that not every event carries; the body's digest stands for the id
//! instead, so a retry of the same body is the same event.

use crate::spec::*;

/// Viber.
pub const PROVIDER: Provider = Provider {
    name: "viber",
    title: "Viber",
    docs: "https://developers.viber.com/docs/api/rest-bot-api/#callbacks",
    setup: "The bot's authentication token is on its \"edit info\" screen in the Viber Admin Panel; set `https://<api>/webhooks/<source>` as the bot's webhook with the `set_webhook` API call.",
    evidence: Evidence::Sdk("viberbot 1.0.12"),
    spec: Spec {
        signature: Carrier::Header { name: "X-Viber-Content-Signature", prefix: "", encoding: Encoding::Hex },
        event_type: Some(Locate::Pointer("/event")),
        ..Spec::BODY_HMAC
    },
};
