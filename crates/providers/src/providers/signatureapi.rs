//! SignatureAPI: Standard Webhooks — `webhook-id`, `webhook-timestamp` (Unix seconds, checked
//! against the tolerance) and `webhook-signature` (space-separated `v1,<base64>` entries, one
//! matching is enough), HMAC-SHA256 of `{id}.{timestamp}.{body}` with the endpoint's `whsec_`
//! base64 signing secret. Its docs point receivers to the Standard Webhooks libraries. The id is
//! `webhook-id`, the type the body's `type` (`envelope.completed`).

use super::standard_webhooks;
use crate::spec::*;

/// SignatureAPI.
pub const PROVIDER: Provider = Provider {
    name: "signatureapi",
    title: "SignatureAPI",
    docs: "https://signatureapi.com/docs/api/guides/how-to/verify-webhooks",
    setup: "In the SignatureAPI Dashboard (in test or live mode), open Settings > Webhooks, add an endpoint with the URL https://<api>/webhooks/<source>, and copy its Signing Secret (whsec_…).",
    evidence: Evidence::Verifier("standardwebhooks 1.1.0"),
    spec: standard_webhooks::PROVIDER.spec,
};
