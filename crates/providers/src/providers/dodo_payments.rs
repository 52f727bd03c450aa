//! Dodo Payments: [Standard Webhooks](https://www.standardwebhooks.com) — `webhook-id`,
//! `webhook-timestamp` (Unix seconds, checked against the tolerance) and `webhook-signature`, a
//! space-separated list of `v1,<base64>` entries, each the HMAC-SHA256 of
//! `{webhook-id}.{webhook-timestamp}.{body}` keyed with the `whsec_` secret's base64-decoded bytes.
//! The id is `webhook-id`, the type the payload's `type` (`payment.succeeded`).

use super::standard_webhooks;
use crate::spec::*;

/// Dodo Payments.
pub const PROVIDER: Provider = Provider {
    name: "dodo-payments",
    title: "Dodo Payments",
    docs: "https://docs.dodopayments.com/developer-resources/webhooks",
    setup: "In the Dodo Payments dashboard, Settings → Webhooks → Add Webhook: paste the Hookway URL \
            `https://<api>/webhooks/<source>`; the endpoint's Secret Key (`whsec_…`) is the \
            source's secret.",
    evidence: Evidence::Sdk("dodopayments 1.123.0"),
    spec: standard_webhooks::PROVIDER.spec,
};
