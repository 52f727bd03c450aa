//! OpenMeter: Svix — `svix-id`, `svix-timestamp` (Unix seconds, checked against the tolerance) and
//! `svix-signature`, space-separated `v1,<base64>` entries (several while a secret rotates),
//! HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed with the base64 after the channel's `whsec_`
//! signing secret (the `webhook-` names are accepted too). OpenMeter's docs verify with the Svix
//! libraries. The id is `svix-id`, the type the body's `type` (`entitlements.balance.threshold`).

use super::standard_webhooks::SVIX_SPEC;
use crate::spec::*;

/// OpenMeter.
pub const PROVIDER: Provider = Provider {
    name: "openmeter",
    title: "OpenMeter",
    docs: "https://openmeter.io/docs/guides/webhooks",
    setup: "In OpenMeter, create a notification channel of type Webhook (Notifications → Channels, or the API) with `https://<api>/webhooks/<source>` as its URL; the channel's signing secret (`whsec_…`) is the secret.",
    evidence: Evidence::Sdk("svix 2.9.1"),
    spec: SVIX_SPEC,
};
