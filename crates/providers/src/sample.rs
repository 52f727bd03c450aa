//! Sample events: for each provider, real requests as its documentation or official SDK shows
//! them (`samples/<provider>/`, listed with their source in `samples/<provider>/samples.json`),
//! for a test sender to sign and post (`hookway trigger`). The first of a provider's samples is an
//! ordinary event, never a handshake.
//!
//! A sample's body is sent as written, except that a fresh id and the current time go where the
//! provider puts them in the body ([`Sample::body`]), so that each delivery is a new event and a
//! signed timestamp in the body is fresh.

use serde_json::Value;

use crate::spec::{Locate, Spec, TimeFormat, TimestampAt};

/// One sample event of a provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// Its name on the command line, e.g. `payment_intent.succeeded`.
    pub event: &'static str,
    /// The body's content type, e.g. `application/json`.
    pub content_type: &'static str,
    /// The event type the provider names it by, sent in the provider's type header where it has one.
    pub event_type: Option<&'static str>,
    /// Where the sample comes from: the documentation page, or the official SDK's fixture.
    pub source: &'static str,
    /// Headers the provider sends with this event besides its signature, id and type headers.
    pub headers: &'static [(&'static str, &'static str)],
    /// Where else a fresh id goes: a JSON pointer, or a form field's name.
    pub id_field: Option<&'static str>,
    /// What differs from the source, if anything.
    pub note: Option<&'static str>,
    /// The body, as the source shows it.
    pub body: &'static str,
}

/// The samples of the catalog's provider of that name (none for an unknown name).
pub fn samples(provider: &str) -> &'static [Sample] {
    crate::providers::SAMPLES
        .iter()
        .find(|(candidate, _)| candidate.name == provider)
        .map(|(_, samples)| *samples)
        .unwrap_or_default()
}

/// The provider's sample named `event`, else its first.
pub fn sample(provider: &str, event: Option<&str>) -> Option<&'static Sample> {
    let samples = samples(provider);
    match event {
        Some(event) => samples.iter().find(|sample| sample.event == event),
        None => samples.first(),
    }
}

impl Sample {
    /// Whether the body is a form (`application/x-www-form-urlencoded`).
    pub fn is_form(&self) -> bool {
        self.content_type.starts_with("application/x-www-form-urlencoded")
    }

    /// The body to send: the sample's, with `id` where the provider's id is in the body (the
    /// provider's id pointer, and [`Sample::id_field`]) and `now` (Unix seconds) where its signed
    /// timestamp is in the body.
    pub fn body(&self, spec: &Spec<'_>, id: &str, now: i64) -> Vec<u8> {
        if self.is_form() {
            return match self.id_field {
                Some(field) => form_with(self.body, field, id),
                None => self.body.as_bytes().to_vec(),
            };
        }
        let Ok(mut json) = serde_json::from_str::<Value>(self.body) else { return self.body.as_bytes().to_vec() };
        let mut changed = false;
        let id_pointer = match spec.id {
            Some(Locate::Pointer(pointer)) => Some(pointer),
            _ => None,
        };
        for pointer in [id_pointer, self.id_field].into_iter().flatten() {
            if let Some(value @ Value::String(_)) = json.pointer_mut(pointer) {
                *value = Value::String(id.to_owned());
                changed = true;
            }
        }
        if let Some(timestamp) = spec.timestamp
            && let TimestampAt::Pointer(pointer) = timestamp.at
            && let Some(value) = json.pointer_mut(pointer)
        {
            *value = match timestamp.format {
                TimeFormat::UnixSeconds => Value::from(now),
                TimeFormat::UnixMillis => Value::from(now.saturating_mul(1000)),
                TimeFormat::Rfc3339 => Value::String(
                    u64::try_from(now)
                        .map(|seconds| {
                            humantime::format_rfc3339_seconds(
                                std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds),
                            )
                            .to_string()
                        })
                        .unwrap_or_default(),
                ),
            };
            changed = true;
        }
        match changed {
            true => serde_json::to_vec_pretty(&json).unwrap_or_else(|_| self.body.as_bytes().to_vec()),
            false => self.body.as_bytes().to_vec(),
        }
    }
}

/// The form `body` with the field `name` set to `value`, the other fields as they were.
fn form_with(body: &str, name: &str, value: &str) -> Vec<u8> {
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (key, old) in form_urlencoded::parse(body.trim_end().as_bytes()) {
        form.append_pair(&key, if key == name { value } else { &old });
    }
    form.finish().into_bytes()
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, HeaderName, HeaderValue};

    use super::*;
    use crate::engine::{Request, SignRequest};
    use crate::providers::{CATALOG, SAMPLES, VECTORS};
    use crate::{Scheme, find};

    #[test]
    fn every_provider_has_a_sample_and_the_first_is_an_ordinary_event() {
        for provider in CATALOG {
            let samples = samples(provider.name);
            assert!(!samples.is_empty(), "{}: add samples/<file stem>/samples.json", provider.name);
            let first = samples[0].event;
            assert!(
                !["url_verification", "endpoint.url_validation", "webhook_callback_verification", "ping"]
                    .contains(&first),
                "{}: the first sample is the default `hookway trigger` sends; make it an ordinary event",
                provider.name
            );
            let mut names: Vec<&str> = samples.iter().map(|sample| sample.event).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), samples.len(), "{}: two samples share a name", provider.name);
        }
        assert_eq!(SAMPLES.len(), CATALOG.len());
    }

    #[test]
    fn every_sample_names_its_source_and_parses_as_its_content_type() {
        for (provider, samples) in SAMPLES {
            for sample in *samples {
                let at = format!("{} {}", provider.name, sample.event);
                assert!(sample.source.starts_with("https://"), "{at}: its source is a URL: {}", sample.source);
                assert!(sample.body.len() < 4096, "{at}: keep samples under 4 KB");
                if sample.is_form() {
                    let fields: Vec<_> = form_urlencoded::parse(sample.body.trim_end().as_bytes()).collect();
                    // Field names, not a JSON text read as one: Mandrill's one field is a form too.
                    let named = |key: &str| {
                        !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || "_-.[]".contains(c))
                    };
                    assert!(!fields.is_empty() && fields.iter().all(|(key, _)| named(key)), "{at}: a form");
                } else {
                    assert!(sample.content_type.starts_with("application/json"), "{at}: {}", sample.content_type);
                    serde_json::from_str::<Value>(sample.body).unwrap_or_else(|error| panic!("{at}: {error}"));
                }
            }
        }
    }

    #[test]
    fn a_fresh_id_and_timestamp_go_where_the_provider_puts_them_in_the_body() {
        let stripe = find("stripe").unwrap();
        let body = sample("stripe", None).unwrap().body(&stripe.spec, "evt_fresh", 1_700_000_000);
        assert_eq!(serde_json::from_slice::<Value>(&body).unwrap()["id"], "evt_fresh");
        let linear = find("linear").unwrap();
        let body = sample("linear", None).unwrap().body(&linear.spec, "x", 1_700_000_000);
        assert_eq!(serde_json::from_slice::<Value>(&body).unwrap()["webhookTimestamp"], 1_700_000_000_000_i64);
        let slack = find("slack").unwrap();
        let command = sample("slack", Some("slash_command")).unwrap();
        let body = String::from_utf8(command.body(&slack.spec, "trigger.1", 0)).unwrap();
        assert!(body.contains("trigger_id=trigger.1") && body.contains("command=%2F"), "{body}");
        // A provider whose id is not in the body: the body is the source's, byte for byte.
        let github = find("github").unwrap();
        let push = sample("github", None).unwrap();
        assert_eq!(push.body(&github.spec, "x", 0), push.body.as_bytes());
    }

    /// The first vector's secret and test private key, to sign with as the provider would.
    fn vector_keys(provider: &crate::Provider) -> (String, Option<String>) {
        let stem = provider.name.replace('-', "_");
        let (_, text) = VECTORS.iter().find(|(name, _)| *name == stem).unwrap();
        let vectors: Value = serde_json::from_str(text).unwrap();
        let first = &vectors["vectors"][0];
        (first["secret"].as_str().unwrap().to_owned(), first["privateKey"].as_str().map(str::to_owned))
    }

    #[test]
    fn every_sample_signed_as_its_provider_verifies_and_names_its_event() {
        let now = 1_700_000_000;
        let url = "https://hooks.example.com/webhooks/source";
        for (provider, samples) in SAMPLES {
            let scheme = Scheme::Provider(provider);
            let (secret, private) = vector_keys(provider);
            let verifying = scheme.key(&secret, None).unwrap();
            let signing = match &private {
                Some(private) => scheme.private_key(private).unwrap(),
                None => verifying.clone(),
            };
            for (index, sample) in samples.iter().enumerate() {
                let at = format!("{} {}", provider.name, sample.event);
                let body = sample.body(&provider.spec, "sample-id-1", now);
                let request = SignRequest { id: "sample-id-1", timestamp: now, body: &body, method: "POST", url };
                let signed = scheme.sign(&signing, &request).unwrap();
                let body = signed.body.unwrap_or(body);
                let mut headers = HeaderMap::new();
                let type_header = scheme.type_header().zip(sample.event_type);
                let named = signed.headers.iter().map(|(name, value)| (name.as_str(), value.as_str()));
                for (name, value) in named.chain(type_header).chain(sample.headers.iter().copied()) {
                    headers.append(
                        HeaderName::from_bytes(name.as_bytes()).unwrap(),
                        HeaderValue::from_str(value).unwrap(),
                    );
                }
                headers.insert("content-type", HeaderValue::from_static(sample.content_type));
                let request = Request { method: "POST", url, headers: &headers, body: &body };
                assert_eq!(scheme.verify(&request, std::slice::from_ref(&verifying), 300, now), Ok(()), "{at}");
                if scheme.answer_verified(&request, std::slice::from_ref(&verifying), 300, now).is_some() {
                    assert_ne!(index, 0, "{at}: the first sample is an ordinary event, not a handshake");
                    continue;
                }
                let identity = scheme.identify("source", &request).unwrap_or_else(|error| panic!("{at}: {error}"));
                assert_eq!(
                    identity.event_type.as_deref(),
                    sample.event_type,
                    "{at}: the type the provider names it by"
                );
                if matches!(provider.spec.id, Some(Locate::Pointer(_))) || sample.id_field.is_some() {
                    assert_eq!(identity.id, "sample-id-1", "{at}: the fresh id is the event's");
                }
            }
        }
    }
}
