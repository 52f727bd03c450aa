//! LaunchDarkly: `X-LD-Signature: <hex>`, HMAC-SHA256 of the raw body with the webhook's secret as
//! UTF-8 (sent only when the webhook is signed, which Hookway requires), no timestamp. The id and
//! type are the body's `_id` and `kind` (`flag`).

use crate::spec::*;

/// LaunchDarkly.
pub const PROVIDER: Provider = Provider {
    name: "launchdarkly",
    title: "LaunchDarkly",
    docs: "https://launchdarkly.com/docs/home/connect/webhooks#sign-webhooks",
    setup: "In LaunchDarkly, open Organization settings > Integrations > Webhooks > Add integration, paste `https://<api>/webhooks/<source>` as the URL and check Sign this webhook: the secret it then shows is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-LD-Signature", prefix: "", encoding: Encoding::Hex },
        id: Some(Locate::Pointer("/_id")),
        event_type: Some(Locate::Pointer("/kind")),
        ..Spec::BODY_HMAC
    },
};
