//! OpenMeter: its notifications are sent by Svix — `svix-id`, `svix-timestamp` (Unix seconds,
//! checked against the tolerance) and `svix-signature` (`v1,<base64>` entries, several during a
//! rotation), HMAC-SHA256 of `{id}.{timestamp}.{body}` with the `whsec_` base64 secret. The id is
//! `svix-id`, the type the body's `type` (`entitlements.balance.threshold`).

use super::standard_webhooks::SVIX_SPEC;
use crate::spec::*;

/// OpenMeter.
pub const PROVIDER: Provider = Provider {
    name: "openmeter",
    title: "OpenMeter",
    docs: "https://openmeter.io/docs/guides/webhooks",
    setup: "In OpenMeter Cloud, Notifications → Channels → create a webhook channel with the Hookway URL \
            `https://<api>/webhooks/<source>`; the channel's signing secret (`whsec_…`) is the source's \
            secret.",
    evidence: Evidence::Verifier("svix 2.9.1"),
    spec: SVIX_SPEC,
};
