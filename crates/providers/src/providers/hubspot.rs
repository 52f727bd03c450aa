//! HubSpot (signature v3): `X-HubSpot-Signature-v3: <base64>`, HMAC-SHA256 with the app's client
//! secret as UTF-8 of the method, the full URL, the body and the timestamp
//! (`X-HubSpot-Request-Timestamp`, Unix milliseconds) concatenated, as the official SDK computes it.
//! The URL is the source's `publicUrl` behind a custom domain, else the one the request came to.
//! A delivery batches events, so the body's digest stands for its id.

use crate::spec::*;

/// HubSpot.
pub const PROVIDER: Provider = Provider {
    name: "hubspot",
    title: "HubSpot",
    docs: "https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests#validate-the-v3-request-signature",
    setup: "Developer account → your app → Auth: the Client secret is the secret; set the Hookway URL as the Target URL under Webhooks.",
    evidence: Evidence::Sdk("hubspot-api-client 12.0.0"),
    spec: Spec {
        signature: Carrier::Header { name: "X-HubSpot-Signature-v3", prefix: "", encoding: Encoding::Base64 },
        signed: &[Part::Method, Part::Url, Part::Body, Part::Timestamp],
        timestamp: Some(Timestamp {
            at: TimestampAt::Header("X-HubSpot-Request-Timestamp"),
            format: TimeFormat::UnixMillis,
            checked: true,
        }),
        ..Spec::BODY_HMAC
    },
};
