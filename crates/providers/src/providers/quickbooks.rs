//! QuickBooks Online (Intuit): `intuit-signature: <base64>`, HMAC-SHA256 of the body with the
//! app's webhook verifier token as UTF-8, no timestamp. A body carries `eventNotifications`, each
//! a company (`realmId`) and its changed entities; no id or type is named, so the body's digest
//! stands for the id.

use crate::spec::*;

/// QuickBooks Online.
pub const PROVIDER: Provider = Provider {
    name: "quickbooks",
    title: "QuickBooks Online",
    docs: "https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks/managing-webhooks-notifications#validating-the-notification",
    setup: "In the Intuit Developer portal, your app → Webhooks (Development or Production): paste the Hookway URL https://<api>/webhooks/<source> as the endpoint and pick the entities; the Verifier Token shown there is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "intuit-signature", prefix: "", encoding: Encoding::Base64 },
        ..Spec::BODY_HMAC
    },
};
