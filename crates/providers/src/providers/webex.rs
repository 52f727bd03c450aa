//! Webex: `X-Spark-Signature: <hex>`, HMAC-SHA1 of the body with the webhook's `secret` (set when
//! the webhook is created) as UTF-8, no timestamp. The body names the webhook (`id`), not the
//! event: the body's digest stands for the id; the type is `{resource}.{event}`
//! (`messages.created`).

use std::borrow::Cow;

use serde::Deserialize;

use crate::MalformedEvent;
use crate::engine::{Named, Request};
use crate::spec::*;
use crate::wire::JsonStr;

/// Webex.
pub const PROVIDER: Provider = Provider {
    name: "webex",
    title: "Webex",
    docs: "https://developer.webex.com/docs/webhooks#handling-requests-from-webex",
    setup: "Create the webhook with the Webex API (`POST /v1/webhooks`), with `targetUrl` set to `https://<api>/webhooks/<source>` and `secret` set to a secret of your choice; that secret goes here.",
    evidence: Evidence::Rule,
    spec: Spec {
        algorithm: Algorithm::HmacSha1,
        signature: Carrier::Header { name: "X-Spark-Signature", prefix: "", encoding: Encoding::Hex },
        hooks: Hooks { presented: None, identify: Some(identify), sign: None, signed: None, url_variant: None },
        ..Spec::BODY_HMAC
    },
};

#[derive(Deserialize)]
struct Notification<'a> {
    #[serde(borrow)]
    resource: Option<JsonStr<'a>>,
    #[serde(borrow)]
    event: Option<JsonStr<'a>>,
}

fn identify<'r>(request: &Request<'r>) -> Result<Named<'r>, MalformedEvent> {
    let Ok(notification) = serde_json::from_slice::<Notification<'_>>(request.body) else {
        return Ok(Named::default());
    };
    let event_type = match (notification.resource, notification.event) {
        (Some(resource), Some(event)) => Some(Cow::Owned(format!("{}.{}", resource.0, event.0))),
        _ => None,
    };
    Ok(Named { id: None, event_type })
}
