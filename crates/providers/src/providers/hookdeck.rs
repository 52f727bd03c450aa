//! Hookdeck (Event Gateway, forwarding to a destination): `x-hookdeck-signature: <base64>`,
//! HMAC-SHA256 of the raw body with the project's signing secret as UTF-8. No timestamp is
//! signed. The body is the original provider's, forwarded as received, so no type is named; the
//! id is Hookdeck's `x-hookdeck-eventid` (not signed: a captured request re-sent under another id
//! would count as another event).

use crate::spec::*;

/// Hookdeck.
pub const PROVIDER: Provider = Provider {
    name: "hookdeck",
    title: "Hookdeck",
    docs: "https://hookdeck.com/docs/authentication#hookdeck-webhook-signature-verification",
    setup: "In the Hookdeck dashboard, Settings → Secrets shows the project's signing secret; make the Hookway URL https://<api>/webhooks/<source> the connection's HTTP destination, with Hookdeck signature authentication.",
    evidence: Evidence::Sdk("@hookdeck/sdk 0.4.0"),
    spec: Spec {
        signature: Carrier::Header { name: "x-hookdeck-signature", prefix: "", encoding: Encoding::Base64 },
        id: Some(Locate::Header("x-hookdeck-eventid")),
        id_style: IdStyle::Prefixed("evt_"),
        kept_headers: &["x-hookdeck-source-name", "x-hookdeck-attempt-count", "x-hookdeck-verified"],
        ..Spec::BODY_HMAC
    },
};
