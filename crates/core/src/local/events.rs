//! The events the front doors would send for a request: for the intake, a REST API proxy event
//! (payload 1.0), an HTTP API event or a Function URL event (payload 2.0, each with its own request
//! context) — whichever `webhooks.endpoint` chooses — and for the worker, the passthrough job event
//! the `POST /jobs` request template renders. `hookway dev`'s gateway sends them, and the cold-start
//! bench builds its requests with them; hookway-dev's tests check each against the repository's
//! fixture of the real event.

use std::collections::BTreeMap;

use super::REGION;
use crate::job::{JobContext, JobEvent, JobParams};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
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
        .filter(|(name, _)| crate::job::KEPT_HEADERS.contains(&name.as_str()))
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
    use super::*;

    #[test]
    fn json_xml_javascript_and_text_come_as_text_anything_else_base64() {
        for (content_type, text) in [
            ("application/json; charset=utf-8", true),
            ("text/plain", true),
            ("Application/XML", true),
            ("application/x-www-form-urlencoded", false),
            ("image/png", false),
        ] {
            assert_eq!(is_text(content_type), text, "{content_type}");
        }
    }
}
