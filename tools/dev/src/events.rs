//! The events the front doors would send for a request: for the intake, a REST API proxy event
//! (payload 1.0), an HTTP API event or a Function URL event (payload 2.0, each with its own request
//! context) — whichever `webhooks.endpoint` chooses — and for the worker, the passthrough job event
//! the `POST /jobs` request template renders. Each is checked against the repository's fixture of
//! the real event.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hookway_core::job::{JobContext, JobEvent, JobParams};
use hookway_core::local::REGION;
use http::HeaderMap;
use serde_json::{Map, Value, json};

/// What API Gateway knows about a request besides the request itself.
#[derive(Debug, Clone)]
pub struct GatewayContext {
    /// The request id (the job id of a job).
    pub request_id: String,
    /// The stage.
    pub stage: String,
    /// The API's id.
    pub api_id: String,
    /// The resource's id.
    pub resource_id: String,
    /// The account.
    pub account_id: String,
    /// The caller's address.
    pub source_ip: String,
    /// Unix milliseconds.
    pub time_epoch_ms: u64,
}

/// A request as the gateway received it.
#[derive(Debug)]
pub struct GatewayRequest<'a> {
    /// `GET`, `POST`, ...
    pub method: &'a str,
    /// The path, without the stage.
    pub path: &'a str,
    /// The query string, if any.
    pub query: Option<&'a str>,
    /// The headers.
    pub headers: &'a HeaderMap,
    /// The body.
    pub body: &'a [u8],
}

/// A REST API Lambda proxy event. The API has binary media types `*/*`, so the body is always
/// base64, byte for byte.
pub fn proxy_event(
    request: &GatewayRequest<'_>,
    resource: &str,
    path_parameters: &[(&str, &str)],
    context: &GatewayContext,
) -> Value {
    let mut single = Map::new();
    let mut multi: Map<String, Value> = Map::new();
    for (name, value) in request.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        single.insert(name.as_str().to_owned(), json!(value));
        match multi.get_mut(name.as_str()).and_then(Value::as_array_mut) {
            Some(values) => values.push(json!(value)),
            None => {
                multi.insert(name.as_str().to_owned(), json!([value]));
            }
        }
    }
    let query = query_parameters(request.query);
    let (query_single, query_multi) = if query.is_empty() {
        (Value::Null, Value::Null)
    } else {
        let single: Map<String, Value> = query.iter().map(|(k, v)| (k.clone(), json!(v.last()))).collect();
        let multi: Map<String, Value> = query.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        (Value::Object(single), Value::Object(multi))
    };
    let user_agent = request.headers.get(http::header::USER_AGENT).and_then(|value| value.to_str().ok());
    // API Gateway tells the function the scheme it was called with; here it is plain HTTP.
    single.insert("x-forwarded-proto".to_owned(), json!("http"));
    multi.insert("x-forwarded-proto".to_owned(), json!(["http"]));
    json!({
        "resource": resource,
        "path": request.path,
        "httpMethod": request.method,
        "headers": single,
        "multiValueHeaders": multi,
        "queryStringParameters": query_single,
        "multiValueQueryStringParameters": query_multi,
        "pathParameters": path_parameters.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect::<Map<_, _>>(),
        "stageVariables": Value::Null,
        "requestContext": {
            "resourceId": context.resource_id,
            "resourcePath": resource,
            "httpMethod": request.method,
            // The path as called: here no stage precedes it, as behind a custom domain in AWS, so
            // a URL-signing provider's URL is rebuilt as the sender called it.
            "path": request.path,
            "stage": context.stage,
            "requestId": context.request_id,
            "accountId": context.account_id,
            "apiId": context.api_id,
            "identity": {"sourceIp": context.source_ip, "userAgent": user_agent},
            "protocol": "HTTP/1.1",
            "requestTimeEpoch": context.time_epoch_ms,
        },
        "body": BASE64.encode(request.body),
        "isBase64Encoded": true,
    })
}

/// The payload 2.0 event of an HTTP API's Lambda proxy integration: its `$default` stage (no
/// stage in the path), the route's key (`POST /webhooks/github`, a route per source), the API's
/// domain name. See [`payload_v2`] for the request's own parts.
pub fn http_api_event(request: &GatewayRequest<'_>, route_key: &str, context: &GatewayContext) -> Value {
    let domain = format!("{}.execute-api.{REGION}.amazonaws.com", context.api_id);
    payload_v2(request, route_key, &context.account_id, &domain, context)
}

/// A Lambda Function URL's event: payload 2.0 with the URL's own request context — route key and
/// stage `$default`, account `anonymous` (auth `NONE`), the domain `<url-id>.lambda-url.<region>.on.aws`.
pub fn function_url_event(request: &GatewayRequest<'_>, context: &GatewayContext) -> Value {
    let domain = format!("{}.lambda-url.{REGION}.on.aws", context.api_id);
    payload_v2(request, "$default", "anonymous", &domain, context)
}

/// What payload 2.0 makes of a request: header names lowercase and repeated ones joined with
/// commas, cookies apart, the raw query as sent (and its parameters, repeated ones joined), and
/// the body as text for the content types both front doors treat as text (`text/*`, JSON, XML,
/// JavaScript) when it is UTF-8, else base64.
fn payload_v2(
    request: &GatewayRequest<'_>,
    route_key: &str,
    account_id: &str,
    domain: &str,
    context: &GatewayContext,
) -> Value {
    let mut headers = Map::new();
    let mut cookies = Vec::new();
    for (name, value) in request.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == http::header::COOKIE {
            cookies.extend(value.split(';').map(str::trim).filter(|cookie| !cookie.is_empty()).map(str::to_owned));
            continue;
        }
        match headers.get_mut(name.as_str()) {
            Some(Value::String(joined)) => {
                joined.push(',');
                joined.push_str(&value);
            }
            _ => {
                headers.insert(name.as_str().to_owned(), json!(value));
            }
        }
    }
    // The front door tells the function the scheme it was called with; here it is plain HTTP.
    headers.insert("x-forwarded-proto".to_owned(), json!("http"));
    // The caller's address is appended to any X-Forwarded-For it sent, as the front doors do.
    let forwarded = match headers.get("x-forwarded-for").and_then(Value::as_str) {
        Some(sent) => format!("{sent}, {}", context.source_ip),
        None => context.source_ip.clone(),
    };
    headers.insert("x-forwarded-for".to_owned(), json!(forwarded));
    let user_agent = request.headers.get(http::header::USER_AGENT).and_then(|value| value.to_str().ok());
    let domain_prefix = domain.split('.').next().unwrap_or_default();
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.path,
        "rawQueryString": request.query.unwrap_or_default(),
        "headers": headers,
        "requestContext": {
            "accountId": account_id,
            "apiId": domain_prefix,
            "domainName": domain,
            "domainPrefix": domain_prefix,
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": "HTTP/1.1",
                "sourceIp": context.source_ip,
                "userAgent": user_agent,
            },
            "requestId": context.request_id,
            "routeKey": route_key,
            "stage": "$default",
            "timeEpoch": context.time_epoch_ms,
        },
        "isBase64Encoded": false,
    });
    if !cookies.is_empty() {
        event["cookies"] = json!(cookies);
    }
    let query = query_parameters(request.query);
    if !query.is_empty() {
        let joined: Map<String, Value> =
            query.into_iter().map(|(name, values)| (name, json!(values.join(",")))).collect();
        event["queryStringParameters"] = Value::Object(joined);
    }
    if !request.body.is_empty() {
        let content_type = request.headers.get(http::header::CONTENT_TYPE).and_then(|value| value.to_str().ok());
        match std::str::from_utf8(request.body) {
            Ok(text) if content_type.is_some_and(is_text) => event["body"] = json!(text),
            _ => {
                event["body"] = json!(BASE64.encode(request.body));
                event["isBase64Encoded"] = json!(true);
            }
        }
    }
    event
}

/// The content types an HTTP API and a Function URL hand over as text rather than base64.
fn is_text(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence.starts_with("text/")
        || ["application/json", "application/xml", "application/javascript"].contains(&essence.as_str())
}

/// The job event the stack's `/jobs` request template renders: `bodyJson`, `params`,
/// `stage-variables` and `context`, as in `fixtures/apigw-async-job-event.json`.
pub fn job_event(request: &GatewayRequest<'_>, body_json: Value, context: &GatewayContext) -> JobEvent {
    // As the stack's template: the allowed headers only (never the API key, Authorization or Cookie).
    let header = request
        .headers
        .iter()
        .filter(|(name, _)| hookway_core::job::KEPT_HEADERS.contains(&name.as_str()))
        .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect();
    let querystring = query_parameters(request.query)
        .into_iter()
        .filter_map(|(name, values)| Some((name, values.into_iter().next_back()?)))
        .collect();
    let header_value =
        |name: &str| request.headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default().to_owned();
    JobEvent {
        body_json,
        params: JobParams { path: BTreeMap::new(), querystring, header },
        stage_variables: BTreeMap::new(),
        context: JobContext {
            api_id: context.api_id.clone(),
            // The stack's template passes the key's id, never the key; the local API has none.
            api_key: String::new(),
            http_method: request.method.to_owned(),
            stage: context.stage.clone(),
            source_ip: context.source_ip.clone(),
            user_agent: header_value("user-agent"),
            request_id: context.request_id.clone(),
            resource_id: context.resource_id.clone(),
            resource_path: request.path.to_owned(),
            ..JobContext::default()
        },
    }
}

fn query_parameters(query: Option<&str>) -> BTreeMap<String, Vec<String>> {
    let mut parameters: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        parameters.entry(name.into_owned()).or_default().push(value.into_owned());
    }
    parameters
}

#[cfg(test)]
mod tests {
    use http::{HeaderName, HeaderValue};

    use super::*;

    fn headers_of(fixture: &Value) -> HeaderMap {
        fixture
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, value)| {
                (
                    HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    HeaderValue::from_str(value.as_str().unwrap()).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn a_job_request_becomes_exactly_the_shared_fixture() {
        let fixture: Value =
            serde_json::from_str(include_str!("../../../fixtures/apigw-async-job-event.json")).unwrap();
        let headers = headers_of(&fixture["params"]["header"]);
        let request = GatewayRequest { method: "POST", path: "/jobs", query: None, headers: &headers, body: b"" };
        let context = GatewayContext {
            request_id: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef".into(),
            stage: "v1".into(),
            api_id: "abcdef1234".into(),
            resource_id: "r3pmxm".into(),
            account_id: String::new(),
            source_ip: "203.0.113.10".into(),
            time_epoch_ms: 0,
        };
        let event = job_event(&request, fixture["bodyJson"].clone(), &context);
        let mut rendered = serde_json::to_value(&event).unwrap();
        // HTTP/1 header names arrive lowercase; API Gateway keeps the sender's case.
        let lowercase = |value: &Value| -> Value {
            value
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                .collect::<Map<_, _>>()
                .into()
        };
        assert_eq!(lowercase(&rendered["params"]["header"]), lowercase(&fixture["params"]["header"]));
        rendered["params"]["header"] = fixture["params"]["header"].clone();
        assert_eq!(rendered, fixture);
    }

    #[test]
    fn a_webhook_request_becomes_a_proxy_event_the_intake_reads() {
        let fixture: Value =
            serde_json::from_str(include_str!("../../../fixtures/apigw-rest-proxy-event.json")).unwrap();
        let event = github_delivery(&fixture, |request, context| {
            proxy_event(request, "/webhooks/{source}", &[("source", "github")], context)
        });
        for field in
            ["resource", "path", "httpMethod", "pathParameters", "body", "isBase64Encoded", "queryStringParameters"]
        {
            assert_eq!(event[field], fixture[field], "{field}");
        }
        for field in ["resourcePath", "httpMethod", "stage", "requestId", "accountId", "apiId", "requestTimeEpoch"] {
            assert_eq!(event["requestContext"][field], fixture["requestContext"][field], "requestContext.{field}");
        }
        // The path as called: locally no stage precedes it, as behind a custom domain in AWS.
        assert_eq!(fixture["requestContext"]["path"], "/v1/webhooks/github");
        assert_eq!(event["requestContext"]["path"], "/webhooks/github");
        let request = lambda_http::request::from_str(&event.to_string()).unwrap();
        assert_eq!(request.body().as_ref(), b"Hello, World!");
        assert_eq!(request.headers()["x-github-delivery"], "72d3162e-cc78-11e3-81ab-4c9367dc0958");
    }

    /// GitHub's documented delivery, as the fixtures have it, through the local gateway.
    fn github_delivery(fixture: &Value, check: impl Fn(&GatewayRequest<'_>, &GatewayContext) -> Value) -> Value {
        let headers: HeaderMap = headers_of(&fixture["headers"])
            .into_iter()
            .filter(|(name, _)| name.as_ref().is_some_and(|name| !name.as_str().starts_with("x-forwarded-")))
            .map(|(name, value)| (name.unwrap(), value))
            .collect();
        let request = GatewayRequest {
            method: "POST",
            path: "/webhooks/github",
            query: None,
            headers: &headers,
            body: b"Hello, World!",
        };
        let context = GatewayContext {
            request_id: fixture["requestContext"]["requestId"].as_str().unwrap().into(),
            stage: "v1".into(),
            api_id: fixture["requestContext"]["apiId"].as_str().unwrap().into(),
            resource_id: "r3pmxm".into(),
            account_id: "123456789012".into(),
            source_ip: "192.30.252.1".into(),
            time_epoch_ms: 1_583_817_383_220,
        };
        check(&request, &context)
    }

    #[test]
    fn a_webhook_request_becomes_the_http_api_event_of_its_route() {
        let fixture: Value = serde_json::from_str(include_str!("../../../fixtures/apigw-http-api-event.json")).unwrap();
        let event =
            github_delivery(&fixture, |request, context| http_api_event(request, "POST /webhooks/github", context));
        for field in ["version", "routeKey", "rawPath", "rawQueryString", "body", "isBase64Encoded"] {
            assert_eq!(event[field], fixture[field], "{field}");
        }
        assert_eq!(event["headers"]["x-forwarded-for"], "192.30.252.1");
        assert_eq!(event["headers"]["x-hub-signature-256"], fixture["headers"]["x-hub-signature-256"]);
        let context = &event["requestContext"];
        for field in ["accountId", "apiId", "domainPrefix", "http", "requestId", "routeKey", "stage", "timeEpoch"] {
            assert_eq!(context[field], fixture["requestContext"][field], "requestContext.{field}");
        }
        assert_eq!(context["domainName"], "abcdef1234.execute-api.us-east-1.amazonaws.com");
        assert!(event.get("pathParameters").is_none(), "a route per source has no path parameter");
        let request = lambda_http::request::from_str(&event.to_string()).unwrap();
        assert_eq!(request.body().as_ref(), b"Hello, World!");
    }

    #[test]
    fn a_webhook_request_becomes_the_function_url_event() {
        let fixture: Value = serde_json::from_str(include_str!("../../../fixtures/function-url-event.json")).unwrap();
        let event = github_delivery(&fixture, function_url_event);
        for field in ["version", "routeKey", "rawPath", "rawQueryString"] {
            assert_eq!(event[field], fixture[field], "{field}");
        }
        let context = &event["requestContext"];
        for field in ["accountId", "apiId", "domainPrefix", "http", "requestId", "routeKey", "stage", "timeEpoch"] {
            assert_eq!(context[field], fixture["requestContext"][field], "requestContext.{field}");
        }
        assert_eq!(
            context["domainName"],
            format!("{}.lambda-url.us-east-1.on.aws", fixture["requestContext"]["apiId"].as_str().unwrap())
        );
        // JSON comes as text (the fixture carries it base64, as a binary type would come).
        assert_eq!((&event["body"], &event["isBase64Encoded"]), (&json!("Hello, World!"), &json!(false)));
        let request = lambda_http::request::from_str(&event.to_string()).unwrap();
        assert_eq!(request.body().as_ref(), b"Hello, World!");
    }

    #[test]
    fn payload_v2_joins_repeated_headers_and_queries_and_sends_binary_bodies_base64() {
        let mut headers = HeaderMap::new();
        headers.append("x-tag", HeaderValue::from_static("a"));
        headers.append("x-tag", HeaderValue::from_static("b"));
        headers.insert("cookie", HeaderValue::from_static("a=1; b=2"));
        headers.insert("x-forwarded-for", HeaderValue::from_static("203.0.113.9"));
        headers.insert("content-type", HeaderValue::from_static("application/octet-stream"));
        let body = [0xff, 0x00, 0x7f];
        let request = GatewayRequest {
            method: "POST",
            path: "/webhooks/a",
            query: Some("x=1&x=2"),
            headers: &headers,
            body: &body,
        };
        let event = function_url_event(&request, &local_context());
        assert_eq!(event["headers"]["x-tag"], "a,b");
        assert_eq!(event["cookies"], json!(["a=1", "b=2"]));
        assert!(event["headers"].get("cookie").is_none());
        assert_eq!(event["headers"]["x-forwarded-for"], "203.0.113.9, 127.0.0.1", "appended, never trusted");
        assert_eq!(
            (&event["rawQueryString"], &event["queryStringParameters"]),
            (&json!("x=1&x=2"), &json!({"x": "1,2"}))
        );
        assert_eq!((&event["body"], &event["isBase64Encoded"]), (&json!("/wB/"), &json!(true)));
        for (content_type, text) in [
            ("application/json; charset=utf-8", true),
            ("text/plain", true),
            ("application/x-www-form-urlencoded", false),
            ("image/png", false),
        ] {
            assert_eq!(is_text(content_type), text, "{content_type}");
        }
        let request = lambda_http::request::from_str(&event.to_string()).unwrap();
        assert_eq!(request.body().as_ref(), &body);
    }

    fn local_context() -> GatewayContext {
        GatewayContext {
            request_id: "r".into(),
            stage: "v1".into(),
            api_id: "local".into(),
            resource_id: "local".into(),
            account_id: String::new(),
            source_ip: "127.0.0.1".into(),
            time_epoch_ms: 0,
        }
    }

    #[test]
    fn a_job_event_never_carries_the_api_key() {
        let mut headers = HeaderMap::new();
        headers.insert("x-api-key", HeaderValue::from_static("k3y-v4lue"));
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        let request = GatewayRequest { method: "POST", path: "/jobs", query: None, headers: &headers, body: b"" };
        let context = local_context();
        let event = serde_json::to_string(&job_event(&request, json!({"type": "t"}), &context)).unwrap();
        assert!(!event.contains("k3y-v4lue"), "{event}");
        assert!(event.contains("content-type"));
    }

    #[test]
    fn query_strings_keep_every_value() {
        let headers = HeaderMap::new();
        let request = GatewayRequest {
            method: "GET",
            path: "/jobs/1",
            query: Some("a=1&a=2&b=x%20y"),
            headers: &headers,
            body: b"",
        };
        let context = local_context();
        let event = proxy_event(&request, "/jobs/{id}", &[("id", "1")], &context);
        assert_eq!(event["queryStringParameters"], json!({"a": "2", "b": "x y"}));
        assert_eq!(event["multiValueQueryStringParameters"], json!({"a": ["1", "2"], "b": ["x y"]}));
    }
}
