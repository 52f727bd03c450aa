//! The local gateway's conversion of an HTTP request into the events its front doors would send
//! (the REST API's, an HTTP API's, the Function URL's): whatever arrives, the intake reads back the
//! request that was sent (method, path, query, headers, body byte for byte, the sender's address),
//! and the worker reads back the job event that was rendered.

use hookway_core::job::JobEvent;
use hookway_dev::events::{GatewayContext, GatewayRequest, function_url_event, http_api_event, job_event, proxy_event};
use hookway_properties::{check, noise};
use http::{HeaderMap, HeaderName, HeaderValue};
use proptest::prelude::*;
use serde_json::json;

fn context(source_ip: String, request_id: String) -> GatewayContext {
    GatewayContext {
        request_id,
        stage: "v1".into(),
        api_id: "local".into(),
        resource_id: "local".into(),
        account_id: "000000000000".into(),
        source_ip,
        time_epoch_ms: 1_700_000_000_000,
    }
}

/// Headers as hyper hands them over: lowercase names, visible ASCII values (HTTP/1 allows more,
/// which API Gateway would not pass on as text either).
fn headers() -> impl Strategy<Value = HeaderMap> {
    let name = prop_oneof![4 => "[a-z][a-z0-9-]{0,30}", 1 => Just("x-api-key".to_owned())];
    proptest::collection::vec((name, "[!-~]([ -~]{0,60}[!-~])?"), 0..10).prop_map(|pairs| {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(HeaderName::try_from(name).unwrap(), HeaderValue::try_from(value).unwrap());
        }
        headers
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => proptest::collection::vec(any::<u8>(), 0..512),
        1 => (any::<u64>(), 4_096usize..65_536).prop_map(|(seed, len)| noise(seed, len)),
    ]
}

#[test]
fn the_intake_reads_back_the_request_the_gateway_received() {
    let strategy = (
        prop_oneof![Just("POST"), Just("GET")],
        // Dot segments (`/.`, `/..`) are resolved by any URL parser, lambda_http's included.
        "(/[a-zA-Z0-9_~-][a-zA-Z0-9._~-]{0,15}){1,4}",
        proptest::option::of("[a-z]{1,6}=[a-zA-Z0-9]{0,8}(&[a-z]{1,6}=[a-zA-Z0-9]{0,8}){0,3}"),
        headers(),
        body(),
        prop_oneof![Just("127.0.0.1".to_owned()), Just("::1".to_owned())],
    );
    check("parse(proxy_event(request)) == request", strategy, |(method, path, query, headers, body, ip)| {
        let request = GatewayRequest { method, path: &path, query: query.as_deref(), headers: &headers, body: &body };
        let event = proxy_event(&request, "/webhooks/{source}", &[("source", "x")], &context(ip.clone(), "r".into()));
        let read = lambda_http::request::from_str(&event.to_string()).unwrap();
        prop_assert_eq!(read.method().as_str(), method);
        // As from API Gateway: the path with the stage before it, unless it already starts with
        // it (lambda_http's rule; the intake routes on the path's end either way).
        let expected = if path.starts_with("/v1/") { path.clone() } else { format!("/v1{path}") };
        prop_assert_eq!(read.uri().path(), expected);
        prop_assert_eq!(read.body().as_ref(), &body[..]);
        // A repeated header reaches the intake as its last value: lambda_http lets a REST event's
        // `headers` (API Gateway's last values) override its `multiValueHeaders`, for an event
        // from API Gateway as for one from the local gateway.
        for name in headers.keys() {
            let sent = headers.get_all(name).iter().next_back();
            let received: Vec<_> = read.headers().get_all(name).iter().collect();
            prop_assert_eq!(received, Vec::from_iter(sent), "{}", name);
        }
        prop_assert_eq!(hookway_intake::client_address(&read).map(|address| address.to_string()), Some(ip));
        let parsed: Vec<(String, String)> = read.uri().query().map(form_pairs).unwrap_or_default();
        prop_assert_eq!(parsed, query.as_deref().map(form_pairs).unwrap_or_default());
        Ok(())
    });
}

#[test]
fn the_intake_reads_back_the_request_from_an_http_api_or_function_url_event() {
    let strategy = (
        (prop_oneof![Just("POST"), Just("GET")], any::<bool>()),
        "(/[a-zA-Z0-9_~-][a-zA-Z0-9._~-]{0,15}){1,4}",
        proptest::option::of("[a-z]{1,6}=[a-zA-Z0-9]{0,8}(&[a-z]{1,6}=[a-zA-Z0-9]{0,8}){0,3}"),
        (headers(), prop_oneof![Just(None), Just(Some("application/json")), Just(Some("application/octet-stream"))]),
        body(),
        prop_oneof![Just("127.0.0.1".to_owned()), Just("::1".to_owned())],
    );
    let description = "convert(http_api_event | function_url_event(request)) == request";
    check(description, strategy, |((method, function_url), path, query, (mut headers, content_type), body, ip)| {
        if let Some(content_type) = content_type {
            headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        let request = GatewayRequest { method, path: &path, query: query.as_deref(), headers: &headers, body: &body };
        let context = context(ip.clone(), "r".into());
        let event = match function_url {
            true => function_url_event(&request, &context),
            false => http_api_event(&request, &format!("{method} /webhooks/x"), &context),
        };
        let (origin, read) = hookway_intake::event::convert(&event.to_string()).unwrap();
        prop_assert_eq!(origin, hookway_intake::event::Origin::PayloadV2);
        prop_assert_eq!(read.method().as_str(), method);
        prop_assert_eq!(read.uri().path(), path.as_str(), "the $default stage adds nothing to the path");
        prop_assert_eq!(read.uri().query().unwrap_or_default(), query.as_deref().unwrap_or_default());
        prop_assert_eq!(read.body().as_ref(), &body[..]);
        // Payload 2.0 joins a repeated header's values with commas.
        for name in
            headers.keys().filter(|name| *name != http::header::COOKIE && !name.as_str().starts_with("x-forwarded-"))
        {
            let sent: Vec<&str> = headers.get_all(name).iter().map(|value| value.to_str().unwrap()).collect();
            let received = read.headers().get(name).map(|value| value.to_str().unwrap().to_owned());
            prop_assert_eq!(received, Some(sent.join(",")), "{}", name);
        }
        prop_assert_eq!(hookway_intake::client_address(&read).map(|address| address.to_string()), Some(ip));
        Ok(())
    });
}

fn form_pairs(query: &str) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> =
        query.split('&').filter_map(|pair| pair.split_once('=')).map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    // The event carries the last value of each name (and all of them in the multi-value map).
    pairs.sort();
    pairs.dedup_by(|a, b| a.0 == b.0);
    pairs
}

#[test]
fn the_worker_reads_back_the_job_event_the_gateway_rendered() {
    let strategy = (headers(), "[ -~]{1,40}", any::<String>(), any::<u64>());
    check("parse(job_event(request)) == job event", strategy, |(headers, request_id, text, number)| {
        let request = GatewayRequest { method: "POST", path: "/jobs", query: None, headers: &headers, body: b"" };
        let body = json!({"type": text, "payload": {"n": number, "text": text}});
        let event = job_event(&request, body, &context("127.0.0.1".into(), request_id));
        let written = serde_json::to_string(&event).unwrap();
        let read: JobEvent = serde_json::from_str(&written).unwrap();
        prop_assert_eq!(&read, &event);
        prop_assert!(!read.params.header.contains_key("x-api-key"), "the API key never travels");
        Ok(())
    });
}
