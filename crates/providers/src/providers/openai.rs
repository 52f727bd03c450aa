//! OpenAI: Standard Webhooks — `webhook-id`, `webhook-timestamp` (Unix seconds, within the
//! tolerance) and `webhook-signature` (space-separated `v1,<base64>`, several while a secret
//! rotates), HMAC-SHA256 of `{id}.{timestamp}.{body}` with the base64 after `whsec_` in the
//! endpoint's signing secret. The id is `webhook-id`, the type the body's `type`
//! (`response.completed`).

use super::standard_webhooks;
use crate::spec::*;

/// OpenAI.
pub const PROVIDER: Provider = Provider {
    name: "openai",
    title: "OpenAI",
    docs: "https://platform.openai.com/docs/guides/webhooks",
    setup: "In the OpenAI dashboard, Settings → Project → Webhooks, create an endpoint with the Hookway URL https://<api>/webhooks/<source>; the signing secret (whsec_…) it shows once is the key.",
    evidence: Evidence::Sdk("openai 3.63.0"),
    spec: Spec {
        signature: Carrier::Custom { shown: "webhook-signature (v1), webhook-id, webhook-timestamp" },
        id_style: IdStyle::Prefixed("wh_"),
        kept_headers: &["webhook-id", "webhook-timestamp"],
        ..standard_webhooks::PROVIDER.spec
    },
};
