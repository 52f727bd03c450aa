//! Pipedrive: webhooks authenticate with HTTP Basic credentials set on the webhook
//! (`http_auth_user`, `http_auth_password`), sent as `Authorization: Basic …` and compared in
//! constant time; the secret is `user:password`. The body is not signed.
//!
//! A v2 webhook's id is `meta.id` and its type `{meta.action}.{meta.entity}` (`create.deal`). A v1
//! body names its type in `event` (`added.deal`), and its `meta.id` is the object's id, not the
//! event's, so its digest stands for the id.

use crate::MalformedEvent;
use crate::engine::{Named, Request};
use crate::spec::*;
use crate::wire;

/// Pipedrive.
pub const PROVIDER: Provider = Provider {
    name: "pipedrive",
    title: "Pipedrive",
    docs: "https://pipedrive.readme.io/docs/guide-for-webhooks-v2",
    setup: "In Pipedrive, Tools and apps > Webhooks > Create new webhook: the endpoint URL is https://<api>/webhooks/<source>, and the HTTP Auth username and password you set there are the secret, as user:password.",
    evidence: Evidence::Rule,
    spec: Spec {
        algorithm: Algorithm::Basic,
        signature: Carrier::Basic,
        signed: &[],
        secret: SecretFormat::UserPassword,
        hooks: Hooks { presented: None, identify: Some(identify), sign: None, signed: None, url_variant: None },
        ..Spec::BODY_HMAC
    },
};

fn identify<'r>(request: &Request<'r>) -> Result<Named<'r>, MalformedEvent> {
    if let Ok(Some(event)) = wire::pointer(request.body, "/event") {
        return Ok(Named { id: None, event_type: Some(event) });
    }
    Ok(super::close::dotted(request.body, "/meta/id", "/meta/action", "/meta/entity"))
}
