//! Microsoft Teams (outgoing webhooks): `Authorization: HMAC <base64>`, HMAC-SHA256 of the body
//! with the security token Teams shows when the webhook is created, which is base64 and is decoded
//! to its bytes first. No timestamp. The body is a Bot Framework activity: the id is its `id`, the
//! type its `type` (`message`).

use crate::spec::*;

/// Microsoft Teams.
pub const PROVIDER: Provider = Provider {
    name: "microsoft-teams",
    title: "Microsoft Teams",
    docs: "https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-outgoing-webhook#2-create-a-method-to-verify-the-outgoing-webhook-hmac-token",
    setup: "Create the outgoing webhook in the team's Apps, Manage, Create an outgoing webhook, with `https://<api>/webhooks/<source>` as its callback URL; Teams shows the security token (base64) once, when it is created.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "Authorization", prefix: "HMAC ", encoding: Encoding::Base64 },
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/type")),
        secret: SecretFormat::Base64Bytes,
        ..Spec::BODY_HMAC
    },
};
