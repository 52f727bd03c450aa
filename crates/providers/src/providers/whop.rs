//! Whop: [Standard Webhooks](https://www.standardwebhooks.com) — `webhook-id`,
//! `webhook-timestamp` (Unix seconds, checked against the tolerance) and `webhook-signature`, a
//! space-separated list of `v1,<base64>` entries, each the HMAC-SHA256 of
//! `{webhook-id}.{webhook-timestamp}.{body}`. The key is the webhook secret's UTF-8 bytes, the
//! whole `ws_…` text as Whop shows it (not base64-decoded as a `whsec_` secret would be). The id is
//! `webhook-id`, the type the payload's `type` (`payment.succeeded`).

use super::polar::TEXT_SECRET_SPEC;
use crate::spec::*;

/// Whop.
pub const PROVIDER: Provider = Provider {
    name: "whop",
    title: "Whop",
    docs: "https://docs.whop.com/developer/guides/webhooks",
    setup: "In the Whop dashboard, Developer → Webhooks → Create webhook: paste the Hookway URL \
            `https://<api>/webhooks/<source>`, pick the events, and copy the webhook secret (`ws_…`) \
            as the source's secret.",
    evidence: Evidence::Sdk("whop-sdk 2.6.0"),
    spec: TEXT_SECRET_SPEC,
};
