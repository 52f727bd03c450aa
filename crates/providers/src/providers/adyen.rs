//! Adyen (standard webhooks): the signature travels in the JSON body, at
//! `notificationItems[0].NotificationRequestItem.additionalData.hmacSignature`: the base64
//! HMAC-SHA256 of the item's `pspReference`, `originalReference`, `merchantAccountCode`,
//! `merchantReference`, `amount.value`, `amount.currency`, `eventCode` and `success`, joined with
//! `:` (an absent field is empty), keyed with the hex-decoded HMAC key. Only those fields are
//! signed, and no timestamp: the id is a digest of the body, which Adyen re-sends unchanged. Adyen
//! sends one item a request; a body of several is refused, since one signature covers one item.
//! The type is the item's `eventCode` (`AUTHORISATION`).

use std::borrow::Cow;

use serde::Deserialize;

use crate::VerifyError;
use crate::engine::{Presented, Request, SignRequest, Signed};
use crate::spec::*;
use crate::wire::{JsonStr, Signature};

const ITEM: &str = "/notificationItems/0/NotificationRequestItem";

/// Adyen.
pub const PROVIDER: Provider = Provider {
    name: "adyen",
    title: "Adyen",
    docs: "https://docs.adyen.com/development-resources/webhooks/verify-hmac-signatures",
    setup: "In the Adyen Customer Area, Developers → Webhooks → Create new webhook (Standard webhook): paste `https://<api>/webhooks/<source>` as the server URL, then under Security generate the HMAC key; that hex key is the key.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Custom { shown: "body: NotificationRequestItem.additionalData.hmacSignature" },
        // What the hook signs: eight fields of the item, not the body.
        signed: &[],
        event_type: Some(Locate::Pointer("/notificationItems/0/NotificationRequestItem/eventCode")),
        secret: SecretFormat::HexBytes,
        hooks: Hooks { presented: Some(presented), identify: None, sign: Some(sign), signed: Some(signed), url_variant: None },
        ..Spec::BODY_HMAC
    },
};

#[derive(Deserialize)]
struct Body<'a> {
    #[serde(rename = "notificationItems", borrow)]
    items: Vec<Wrapped<'a>>,
}

#[derive(Deserialize)]
struct Wrapped<'a> {
    #[serde(rename = "NotificationRequestItem", borrow)]
    item: Item<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item<'a> {
    #[serde(default, borrow)]
    psp_reference: Option<JsonStr<'a>>,
    #[serde(default, borrow)]
    original_reference: Option<JsonStr<'a>>,
    #[serde(default, borrow)]
    merchant_account_code: Option<JsonStr<'a>>,
    #[serde(default, borrow)]
    merchant_reference: Option<JsonStr<'a>>,
    #[serde(default, borrow)]
    amount: Option<Amount<'a>>,
    #[serde(default, borrow)]
    event_code: Option<JsonStr<'a>>,
    #[serde(default, borrow)]
    success: Option<JsonStr<'a>>,
    #[serde(default, borrow)]
    additional_data: Option<AdditionalData<'a>>,
}

#[derive(Deserialize)]
struct Amount<'a> {
    #[serde(default)]
    value: Option<serde_json::Number>,
    #[serde(default, borrow)]
    currency: Option<JsonStr<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AdditionalData<'a> {
    #[serde(default, borrow)]
    hmac_signature: Option<JsonStr<'a>>,
}

/// The one item of the body.
fn item<'r>(body: &'r [u8]) -> Result<Item<'r>, VerifyError> {
    let body: Body<'r> = serde_json::from_slice(body).map_err(|_| VerifyError::MalformedBody)?;
    let mut items = body.items.into_iter();
    match (items.next(), items.next()) {
        (Some(only), None) => Ok(only.item),
        _ => Err(VerifyError::MalformedBody),
    }
}

fn presented<'r>(request: &Request<'r>) -> Result<Presented<'r>, VerifyError> {
    let item = item(request.body)?;
    let encoded = item.additional_data.and_then(|data| data.hmac_signature).ok_or(VerifyError::MalformedBody)?;
    let signature = Signature::decode(&encoded.0, Encoding::Base64).ok_or(VerifyError::MalformedBody)?;
    Ok(Presented { signatures: vec![signature], tokens: Vec::new(), timestamp: None, id: None })
}

/// The item's eight fields, joined with `:`.
fn signed(request: &Request<'_>, _presented: &Presented<'_>) -> Vec<u8> {
    let Ok(item) = item(request.body) else { return Vec::new() };
    fn text(field: Option<JsonStr<'_>>) -> Cow<'_, str> {
        field.map(|field| field.0).unwrap_or(Cow::Borrowed(""))
    }
    let (value, currency) = match item.amount {
        Some(amount) => (amount.value.map(|value| value.to_string()).unwrap_or_default(), text(amount.currency)),
        None => (String::new(), Cow::Borrowed("")),
    };
    [
        text(item.psp_reference),
        text(item.original_reference),
        text(item.merchant_account_code),
        text(item.merchant_reference),
        Cow::Owned(value),
        currency,
        text(item.event_code),
        text(item.success),
    ]
    .join(":")
    .into_bytes()
}

/// The body Adyen would send: the given body with the signature in its item's `additionalData`.
fn sign(request: &SignRequest<'_>, _timestamp: &str, signature: &[u8], _asymmetric: bool) -> Signed {
    let mut body: serde_json::Value = serde_json::from_slice(request.body).unwrap_or_default();
    if let Some(serde_json::Value::Object(item)) = body.pointer_mut(ITEM) {
        let data = item.entry("additionalData").or_insert_with(|| serde_json::json!({}));
        if let serde_json::Value::Object(data) = data {
            data.insert("hmacSignature".to_owned(), crate::wire::encode(signature, Encoding::Base64).into());
        }
    }
    Signed { headers: Vec::new(), body: Some(body.to_string().into_bytes()) }
}
