//! Figma: no signature. The webhook's `passcode`, chosen when it is created, comes back in every
//! JSON body's `passcode` field; it is compared in constant time with the configured passcode. It
//! authenticates the sender, not the body. The type is the body's `event_type` (`FILE_UPDATE`);
//! the body names no event id (`webhook_id` is the webhook's), so its digest stands for one.

use serde::Deserialize;

use crate::VerifyError;
use crate::engine::{Presented, Request, SignRequest, Signed};
use crate::spec::*;
use crate::wire::JsonStr;

/// Figma.
pub const PROVIDER: Provider = Provider {
    name: "figma",
    title: "Figma",
    docs: "https://www.figma.com/developers/api#webhooks-v2-security",
    setup: "Create the webhook through Figma's API (POST /v2/webhooks) with endpoint https://<api>/webhooks/<source> and a passcode of your choosing: that passcode is the secret configured here.",
    evidence: Evidence::Rule,
    spec: Spec {
        algorithm: Algorithm::Token,
        signature: Carrier::Custom { shown: "body: passcode" },
        event_type: Some(Locate::Pointer("/event_type")),
        hooks: Hooks { presented: Some(presented), identify: None, sign: Some(sign), signed: None, url_variant: None },
        ..Spec::BODY_HMAC
    },
};

#[derive(Deserialize)]
struct Body<'a> {
    #[serde(borrow)]
    passcode: JsonStr<'a>,
}

fn presented<'r>(request: &Request<'r>) -> Result<Presented<'r>, VerifyError> {
    let body: Body<'r> = serde_json::from_slice(request.body).map_err(|_| VerifyError::MalformedBody)?;
    Ok(Presented { tokens: vec![body.passcode.0], ..Presented::default() })
}

/// The body Figma would send: the given body with the passcode in it.
fn sign(request: &SignRequest<'_>, _timestamp: &str, passcode: &[u8], _asymmetric: bool) -> Signed {
    let mut body: serde_json::Value = serde_json::from_slice(request.body).unwrap_or_else(|_| serde_json::json!({}));
    if let Some(object) = body.as_object_mut() {
        object.insert("passcode".to_owned(), String::from_utf8_lossy(passcode).into_owned().into());
    }
    Signed { headers: Vec::new(), body: Some(body.to_string().into_bytes()) }
}
