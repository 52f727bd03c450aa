//! LINE (Messaging API): `X-Line-Signature: <base64>`, HMAC-SHA256 of the body with the channel
//! secret as UTF-8, no timestamp. A body carries a batch of events (`{"destination": …,
//! "events": […]}`): the id is the first event's `webhookEventId` (a ULID, kept on redelivery),
//! the type its `type` (`message`). The endpoint check of the console's "Verify" button sends an
//! empty `events` array, signed like any other: it has no id (the body's digest stands for it)
//! and no type.

use crate::spec::*;

/// LINE.
pub const PROVIDER: Provider = Provider {
    name: "line",
    title: "LINE",
    docs: "https://developers.line.biz/en/reference/messaging-api/#signature-validation",
    setup: "The channel secret is on the channel's Basic settings tab in the LINE Developers Console; paste `https://<api>/webhooks/<source>` as the Webhook URL on its Messaging API tab and turn on Use webhook.",
    evidence: Evidence::Sdk("line-bot-sdk 3.27.0"),
    spec: Spec {
        signature: Carrier::Header { name: "X-Line-Signature", prefix: "", encoding: Encoding::Base64 },
        id: Some(Locate::Pointer("/events/0/webhookEventId")),
        event_type: Some(Locate::Pointer("/events/0/type")),
        ..Spec::BODY_HMAC
    },
};
