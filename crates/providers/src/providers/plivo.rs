//! Plivo (signature V3): `X-Plivo-Signature-V3: <base64>[,<base64>…]` (one entry a valid auth
//! token), HMAC-SHA256 with the account's auth token as UTF-8 over `{url}.{nonce}`, the nonce in
//! `X-Plivo-Signature-V3-Nonce`. For a `POST` the URL is the callback URL without its query, then
//! `?` and its query parameters sorted by name as `name=value` joined with `&` (decoded; the `?`
//! is written even with no query when the body has parameters, a `.` after a non-empty query),
//! then the body's form parameters sorted by name, each as name then value. No timestamp: the
//! nonce is unique to the request, not bounded in time. The URL is the source's `publicUrl`
//! behind a custom domain or a proxy, else the one the request came to. Callbacks name no event
//! id Plivo keeps across retries: the body's digest stands for it.

use std::collections::BTreeMap;

use crate::VerifyError;
use crate::engine::{Presented, Request, SignRequest, Signed};
use crate::spec::*;
use crate::wire::{self, Signature};

const SIGNATURE: &str = "X-Plivo-Signature-V3";
const NONCE: &str = "X-Plivo-Signature-V3-Nonce";

/// Plivo.
pub const PROVIDER: Provider = Provider {
    name: "plivo",
    title: "Plivo",
    docs: "https://www.plivo.com/docs/voice/concepts/signature-validation",
    setup: "The auth token is on the Overview page of the Plivo console (a subaccount's own token if the application is a subaccount's); paste `https://<api>/webhooks/<source>` as the application's message or answer/hangup URL.",
    evidence: Evidence::Sdk("plivo 4.63.0"),
    spec: Spec {
        signature: Carrier::Custom { shown: "X-Plivo-Signature-V3, X-Plivo-Signature-V3-Nonce" },
        signed: &[Part::Url, Part::SortedForm, Part::text("."), Part::Id],
        hooks: Hooks { presented: Some(presented), identify: None, sign: Some(sign), signed: Some(signed), url_variant: None },
        ..Spec::BODY_HMAC
    },
};

/// Every signature of the header, and the nonce (held as the presented id).
fn presented<'r>(request: &Request<'r>) -> Result<Presented<'r>, VerifyError> {
    let header = wire::header(request.headers, SIGNATURE)?;
    let signatures = header
        .split(',')
        .map(|entry| Signature::decode(entry.trim(), Encoding::Base64).ok_or_else(|| wire::malformed(SIGNATURE)))
        .collect::<Result<Vec<_>, _>>()?;
    let nonce = wire::header(request.headers, NONCE)?;
    if request.url.is_empty() {
        return Err(VerifyError::NoUrl);
    }
    Ok(Presented { signatures, id: Some(nonce.into()), ..Presented::default() })
}

/// The URL with its sorted query, the sorted form parameters, `.` and the nonce.
fn signed(request: &Request<'_>, presented: &Presented<'_>) -> Vec<u8> {
    let (base, query) = match request.url.split_once('?') {
        Some((base, query)) => (base, query.split_once('#').map_or(query, |(query, _)| query)),
        None => (request.url.split_once('#').map_or(request.url, |(base, _)| base), ""),
    };
    let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        by_name.entry(name.into_owned()).or_default().push(value.into_owned());
    }
    let sorted_query = by_name
        .iter_mut()
        .flat_map(|(name, values)| {
            values.sort();
            values.iter().map(move |value| format!("{name}={value}"))
        })
        .collect::<Vec<_>>()
        .join("&");
    let form = wire::sorted_form(request.body);
    let mut bytes = base.as_bytes().to_vec();
    if !sorted_query.is_empty() || !form.is_empty() {
        bytes.push(b'?');
        bytes.extend_from_slice(sorted_query.as_bytes());
    }
    if !sorted_query.is_empty() && !form.is_empty() {
        bytes.push(b'.');
    }
    for (name, value) in form {
        bytes.extend_from_slice(name.as_bytes());
        bytes.extend_from_slice(value.as_bytes());
    }
    bytes.push(b'.');
    bytes.extend_from_slice(presented.id.as_deref().unwrap_or_default().as_bytes());
    bytes
}

/// The signature and the nonce (the request's id).
fn sign(request: &SignRequest<'_>, _timestamp: &str, signature: &[u8], _asymmetric: bool) -> Signed {
    Signed {
        headers: vec![
            (SIGNATURE.to_owned(), wire::encode(signature, Encoding::Base64)),
            (NONCE.to_owned(), request.id.to_owned()),
        ],
        body: None,
    }
}
