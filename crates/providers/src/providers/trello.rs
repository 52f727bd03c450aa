//! Trello: `X-Trello-Webhook: <base64>`, HMAC-SHA1 of the body followed by the webhook's
//! `callbackURL` exactly as it was registered, with the application's secret (the API key's
//! "Secret") as UTF-8, no timestamp. The id is the body's `action.id`, the type `action.type`
//! (`updateCard`). Trello checks a new webhook's URL with a `HEAD` request, which must answer 200.

use crate::spec::*;

/// Trello.
pub const PROVIDER: Provider = Provider {
    name: "trello",
    title: "Trello",
    docs: "https://developer.atlassian.com/cloud/trello/guides/rest-api/webhooks/#webhook-signatures",
    setup: "The secret is the Secret of your Trello Power-Up's API key (trello.com/power-ups/admin > API key); create the webhook through Trello's API (POST /1/webhooks) with callbackURL https://<api>/webhooks/<source>, the same URL set as the source's publicUrl.",
    evidence: Evidence::Rule,
    spec: Spec {
        algorithm: Algorithm::HmacSha1,
        signature: Carrier::Header { name: "X-Trello-Webhook", prefix: "", encoding: Encoding::Base64 },
        signed: &[Part::Body, Part::Url],
        id: Some(Locate::Pointer("/action/id")),
        event_type: Some(Locate::Pointer("/action/type")),
        ..Spec::BODY_HMAC
    },
};
