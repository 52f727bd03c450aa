//! ClickUp: `X-Signature: <hex>`, HMAC-SHA256 of the body with the webhook's secret as UTF-8, no
//! timestamp. The type is the body's `event` (`taskCreated`); the body names no event id
//! (`webhook_id` is the webhook's, `task_id` the task's), so its digest stands for one.

use crate::spec::*;

/// ClickUp.
pub const PROVIDER: Provider = Provider {
    name: "clickup",
    title: "ClickUp",
    docs: "https://developer.clickup.com/docs/webhooksignature",
    setup: "Create the webhook through ClickUp's API (POST /v2/team/{team_id}/webhook) with endpoint https://<api>/webhooks/<source>; the response's webhook.secret is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-Signature", prefix: "", encoding: Encoding::Hex },
        event_type: Some(Locate::Pointer("/event")),
        ..Spec::BODY_HMAC
    },
};
