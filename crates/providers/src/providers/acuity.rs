//! Acuity Scheduling: `X-Acuity-Signature: <base64>`, HMAC-SHA256 of the form-encoded body with
//! the account's API key as UTF-8, no timestamp. A notification only names what changed
//! (`action=appointment.scheduled&id=…&calendarID=…&appointmentTypeID=…`): the type is the
//! `action` field; `id` is the appointment's, shared by its notifications, so the body's digest
//! stands for the event id.

use std::borrow::Cow;

use crate::MalformedEvent;
use crate::engine::{Named, Request};
use crate::spec::*;

/// Acuity Scheduling.
pub const PROVIDER: Provider = Provider {
    name: "acuity",
    title: "Acuity Scheduling",
    docs: "https://developers.acuityscheduling.com/docs/webhooks",
    setup: "The secret is your Acuity API key (Integrations > API > View credentials); set the webhook URL https://<api>/webhooks/<source> under Integrations > API > Webhooks, or create it through the API (POST /api/v1/webhooks).",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-Acuity-Signature", prefix: "", encoding: Encoding::Base64 },
        hooks: Hooks { presented: None, identify: Some(identify), sign: None, signed: None, url_variant: None },
        ..Spec::BODY_HMAC
    },
};

fn identify<'r>(request: &Request<'r>) -> Result<Named<'r>, MalformedEvent> {
    let event_type = form_urlencoded::parse(request.body)
        .find(|(key, _)| key == "action")
        .map(|(_, value)| Cow::Owned(value.into_owned()));
    Ok(Named { id: None, event_type })
}
