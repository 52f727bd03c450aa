//! AgentMail: delivered by Svix — `svix-id`, `svix-timestamp` and `svix-signature` (`v1,<base64>`
//! entries), HMAC-SHA256 of `{id}.{timestamp}.{body}` with the `whsec_` base64 secret, the
//! timestamp checked against the tolerance. The id is `svix-id`; the type is the body's
//! `event_type` (`message.received`), its `type` being always `event`.

use std::borrow::Cow;

use super::standard_webhooks::SVIX_SPEC;
use crate::MalformedEvent;
use crate::engine::{Named, Request};
use crate::spec::*;
use crate::wire;

/// AgentMail.
pub const PROVIDER: Provider = Provider {
    name: "agentmail",
    title: "AgentMail",
    docs: "https://docs.agentmail.to/webhook-verification",
    setup: "In the AgentMail console, Webhooks > Create webhook with the URL https://<api>/webhooks/<source> (or client.webhooks.create); the webhook's secret (whsec_…) is shown there and returned by the API.",
    evidence: Evidence::Verifier("svix 2.9.1"),
    spec: Spec { hooks: Hooks { identify: Some(identify), ..SVIX_SPEC.hooks }, ..SVIX_SPEC },
};

fn identify<'r>(request: &Request<'r>) -> Result<Named<'r>, MalformedEvent> {
    Ok(Named {
        id: wire::optional_header(request.headers, "svix-id").map(Cow::Borrowed),
        event_type: wire::pointer(request.body, "/event_type").ok().flatten(),
    })
}
