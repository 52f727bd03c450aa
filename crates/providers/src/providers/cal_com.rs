//! Cal.com: `X-Cal-Signature-256: <hex>`, HMAC-SHA256 of the body with the webhook's secret as
//! UTF-8, no timestamp. The type is the body's `triggerEvent` (`BOOKING_CREATED`); the body names
//! no event id (`payload.uid` is the booking's, shared by its events), so its digest stands for one.

use crate::spec::*;

/// Cal.com.
pub const PROVIDER: Provider = Provider {
    name: "cal-com",
    title: "Cal.com",
    docs: "https://cal.com/docs/developing/guides/automation/webhooks",
    setup: "In Cal.com, open Settings > Developer > Webhooks, add a webhook with the Subscriber URL https://<api>/webhooks/<source>, and set its Secret (the same text is configured here).",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-Cal-Signature-256", prefix: "", encoding: Encoding::Hex },
        event_type: Some(Locate::Pointer("/triggerEvent")),
        ..Spec::BODY_HMAC
    },
};
