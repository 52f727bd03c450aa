//! Telegram (Bot API webhooks): the `secret_token` given to `setWebhook`, sent as it is in
//! `X-Telegram-Bot-Api-Secret-Token` and compared in constant time. It authenticates the sender,
//! not the body, and carries no timestamp. The body is an `Update`: the id is its `update_id` (a
//! number), the type the one other field it carries (`message`, `callback_query`, …).

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::MalformedEvent;
use crate::engine::{Named, Request};
use crate::spec::*;

/// Telegram.
pub const PROVIDER: Provider = Provider {
    name: "telegram",
    title: "Telegram",
    docs: "https://core.telegram.org/bots/api#setwebhook",
    setup: "Choose a secret token (1-256 characters: A-Z, a-z, 0-9, `_` and `-`) and call the Bot API's `setWebhook` with `url` set to `https://<api>/webhooks/<source>` and `secret_token` set to it.",
    evidence: Evidence::Rule,
    spec: Spec {
        algorithm: Algorithm::Token,
        signature: Carrier::Token { name: "X-Telegram-Bot-Api-Secret-Token" },
        signed: &[],
        hooks: Hooks { presented: None, identify: Some(identify), sign: None, signed: None, url_variant: None },
        ..Spec::BODY_HMAC
    },
};

fn identify<'r>(request: &Request<'r>) -> Result<Named<'r>, MalformedEvent> {
    let Ok(update) = serde_json::from_slice::<Map<String, Value>>(request.body) else { return Ok(Named::default()) };
    let id = update.get("update_id").and_then(|id| id.as_u64().map(|id| id.to_string()));
    let event_type = update.keys().find(|key| *key != "update_id").cloned();
    Ok(Named { id: id.map(Cow::Owned), event_type: event_type.map(Cow::Owned) })
}
