//! Xero: `x-xero-signature: <base64>`, HMAC-SHA256 of the body with the app's webhook key as
//! UTF-8, no timestamp. A body carries a batch of `events` (each a resource, its category and
//! type); the "Intent to Receive" check Xero runs when a webhook is saved is an empty batch signed
//! the same way, answered 200 when it verifies and 401 when it does not, which is what every
//! request here gets. No id or type is named: the body's digest stands for the id.

use crate::spec::*;

/// Xero.
pub const PROVIDER: Provider = Provider {
    name: "xero",
    title: "Xero",
    docs: "https://developer.xero.com/documentation/guides/webhooks/configuring-your-server/",
    setup: "In the Xero Developer portal, My Apps → your app → Webhooks: choose the events, paste the Hookway URL https://<api>/webhooks/<source> as the delivery URL, and save; the Webhooks key shown there is the secret. Then send \"Intent to receive\".",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "x-xero-signature", prefix: "", encoding: Encoding::Base64 },
        ..Spec::BODY_HMAC
    },
};
