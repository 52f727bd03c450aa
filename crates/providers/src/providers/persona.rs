//! Persona: `Persona-Signature: t=<seconds>,v1=<hex>`, the hex HMAC-SHA256 of `{t}.{body}` with
//! the webhook's secret (`wbhsec_…`) as UTF-8, `t` checked against the tolerance. While a secret
//! rotates the header carries two such groups separated by a space, one for each secret: a request
//! verifies when either matches a configured key. The body is a JSON:API event: the id is
//! `data.id` (`evt_…`), the type `data.attributes.name` (`inquiry.completed`).

use super::workos::pairs;
use crate::VerifyError;
use crate::engine::{Presented, Request, SignRequest, Signed};
use crate::spec::*;

const HEADER: &str = "Persona-Signature";

/// Persona.
pub const PROVIDER: Provider = Provider {
    name: "persona",
    title: "Persona",
    docs: "https://docs.withpersona.com/docs/webhooks-best-practices#checking-signatures",
    setup: "In the Persona dashboard, open Integrations > Webhooks, create a webhook with the URL https://<api>/webhooks/<source>, and copy its secret (wbhsec_…).",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Custom { shown: "Persona-Signature: t=…,v1=…" },
        signed: &[Part::Timestamp, Part::text("."), Part::Body],
        timestamp: Some(Timestamp { at: TimestampAt::Custom, format: TimeFormat::UnixSeconds, checked: true }),
        id: Some(Locate::Pointer("/data/id")),
        event_type: Some(Locate::Pointer("/data/attributes/name")),
        hooks: Hooks { presented: Some(presented), identify: None, sign: Some(sign), signed: None, url_variant: None },
        ..Spec::BODY_HMAC
    },
};

fn presented<'r>(request: &Request<'r>) -> Result<Presented<'r>, VerifyError> {
    pairs(request, HEADER, TimeFormat::UnixSeconds, &["v1"])
}

fn sign(_request: &SignRequest<'_>, timestamp: &str, signature: &[u8], _asymmetric: bool) -> Signed {
    Signed { headers: vec![(HEADER.to_owned(), format!("t={timestamp},v1={}", hex::encode(signature)))], body: None }
}
