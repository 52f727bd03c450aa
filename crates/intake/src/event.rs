//! From the raw event Lambda hands the function to the [`Request`] the intake handles, and from its
//! response back to the proxy response its front door expects: the REST API's (payload 1.0), or an
//! HTTP API's or the Function URL's (payload 2.0, one shape for both: `webhooks.endpoint`).
//!
//! `lambda_http` does the same conversion, but panics on some requests a client can send: a
//! `X-Forwarded-Proto: h t`, a `Host: a b`, a Function URL raw query `a=<b>` — its URL parsing
//! unwraps. The runtime turns the panic into an error, API Gateway answers 502, and a webhook is
//! lost (and the release build aborts on panic). Here every such request, and an event that is not
//! of either shape, is answered `400 {"error": "malformed request: …"}` before any conversion:
//! [`convert`] checks what the conversion would parse, with the same rules, and only then converts.
//!
//! The event is read from its text straight into `lambda_http`'s typed event, as `lambda_http`
//! reads it: no generic JSON tree first, whose strings would all be copied once more.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::{HeaderMap, StatusCode, Uri};
use lambda_http::aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayV2httpResponse};
use lambda_http::request::LambdaRequest;
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};

use crate::response::{MALFORMED_REQUEST, error_response};

/// Where an event came from, and so the shape its answer takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// An API Gateway REST proxy event (payload 1.0).
    RestApi,
    /// An API Gateway HTTP API event or a Lambda Function URL event (payload 2.0).
    PayloadV2,
}

impl Origin {
    /// The origin an event says it has, whatever else it holds: payload 2.0 carries
    /// `"version": "2.0"`.
    pub fn of(payload: &str) -> Origin {
        #[derive(Deserialize)]
        struct Version<'a> {
            #[serde(borrow)]
            version: Option<&'a str>,
        }
        match serde_json::from_str::<Version<'_>>(payload) {
            Ok(Version { version: Some("2.0") }) => Origin::PayloadV2,
            _ => Origin::RestApi,
        }
    }
}

/// The answer, in the shape its origin expects.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum ProxyResponse {
    /// To API Gateway.
    RestApi(ApiGatewayProxyResponse),
    /// To an HTTP API or a Function URL.
    PayloadV2(ApiGatewayV2httpResponse),
}

/// Why an event cannot be a request: it is answered 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed request: {0}")]
pub struct Malformed(&'static str);

impl Malformed {
    /// `400 {"error": "malformed request: …"}` ([`MALFORMED_REQUEST`]).
    pub fn into_response(self) -> Response<Body> {
        error_response(
            StatusCode::from_u16(MALFORMED_REQUEST.status).unwrap_or(StatusCode::BAD_REQUEST),
            &self.to_string(),
        )
    }
}

/// The request in a raw event (its JSON text) and where it came from, or why the event cannot be
/// one: not of either shape, or one that `lambda_http`'s conversion would panic on.
pub fn convert(payload: &str) -> Result<(Origin, Request), Malformed> {
    let malformed = Malformed;
    let mut event = serde_json::from_str::<LambdaRequest>(payload)
        .map_err(|_| malformed("not an API Gateway or Function URL event"))?;
    let origin = match event {
        LambdaRequest::ApiGatewayV2(_) => Origin::PayloadV2,
        _ => Origin::RestApi,
    };
    // The body is decoded here, not by the conversion, which unwraps a base64 body that does not decode.
    let (body, base64) = match &mut event {
        LambdaRequest::ApiGatewayV1(event) => {
            let path = with_stage(event.request_context.stage.as_deref(), event.path.as_deref().unwrap_or_default());
            let host = host(&event.headers, event.request_context.domain_name.as_deref());
            check_uri(&event.headers, host, &path, None).map_err(malformed)?;
            (event.body.take(), event.is_base64_encoded)
        }
        LambdaRequest::ApiGatewayV2(event) => {
            let path =
                with_stage(event.request_context.stage.as_deref(), event.raw_path.as_deref().unwrap_or_default());
            let host = host(&event.headers, event.request_context.domain_name.as_deref());
            check_uri(&event.headers, host, &path, event.raw_query_string.as_deref()).map_err(malformed)?;
            (event.body.take(), event.is_base64_encoded)
        }
        _ => return Err(malformed("not an API Gateway or Function URL event")),
    };
    let body = match body {
        None => Body::Empty,
        Some(body) if base64 => {
            Body::Binary(BASE64.decode(body).map_err(|_| malformed("the body is not the base64 it says it is"))?)
        }
        Some(body) => Body::Text(body),
    };
    let mut request: Request = event.into();
    *request.body_mut() = body;
    Ok((origin, request))
}

/// The host `lambda_http` puts in the URI: the `Host` header, else the request context's domain.
fn host<'a>(headers: &'a HeaderMap, domain_name: Option<&'a str>) -> Option<&'a str> {
    headers.get(http::header::HOST).and_then(|host| host.to_str().ok()).or(domain_name)
}

/// The path with the stage in front, as `lambda_http` builds it.
fn with_stage(stage: Option<&str>, path: &str) -> String {
    if std::env::var_os("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH").is_some() {
        return path.to_owned();
    }
    match stage {
        None | Some("$default") => path.to_owned(),
        Some(stage) if path.starts_with(&format!("/{stage}/")) => path.to_owned(),
        Some(stage) => format!("/{stage}{path}"),
    }
}

/// Whether the URI `lambda_http` builds from these parts parses, both as a URL and as an HTTP
/// URI — the two places it unwraps. (A REST event's query is re-encoded from its parameters,
/// which always parses; a Function URL's raw query is appended as sent.)
fn check_uri(headers: &HeaderMap, host: Option<&str>, path: &str, raw_query: Option<&str>) -> Result<(), &'static str> {
    let mut uri = match host {
        None => url::Url::parse(&format!("http://localhost{path}"))
            .map_err(|_| "the path is not a URL path")?
            .path()
            .to_owned(),
        Some(host) => {
            let scheme = headers.get("x-forwarded-proto").and_then(|proto| proto.to_str().ok()).unwrap_or("https");
            url::Url::parse(&format!("{scheme}://{host}{path}"))
                .map_err(|_| "the Host, X-Forwarded-Proto or path do not make a URL")?
                .to_string()
        }
    };
    if let Some(query) = raw_query.filter(|query| !query.is_empty()) {
        uri.push('?');
        uri.push_str(query);
    }
    uri.parse::<Uri>().map(drop).map_err(|_| "the URL or its query is not a valid URI")
}

/// The intake's response, as its origin expects it.
pub fn proxy_response(origin: Origin, response: Response<Body>) -> ProxyResponse {
    let (parts, body) = response.into_parts();
    let (is_base64_encoded, body) = match body {
        Body::Text(text) => (false, Some(Body::Text(text))),
        Body::Binary(bytes) => (true, Some(Body::Binary(bytes))),
        _ => (false, None),
    };
    let status_code = i64::from(parts.status.as_u16());
    match origin {
        Origin::RestApi => {
            let mut response = ApiGatewayProxyResponse::default();
            response.status_code = status_code;
            // Every header in `multiValueHeaders`: API Gateway merges the two fields.
            response.multi_value_headers = parts.headers;
            response.body = body;
            response.is_base64_encoded = is_base64_encoded;
            ProxyResponse::RestApi(response)
        }
        Origin::PayloadV2 => {
            let mut response = ApiGatewayV2httpResponse::default();
            response.status_code = status_code;
            response.headers = parts.headers;
            response.body = body;
            response.is_base64_encoded = is_base64_encoded;
            ProxyResponse::PayloadV2(response)
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    const REST: &str = include_str!("../../../fixtures/apigw-rest-proxy-event.json");
    const FUNCTION_URL: &str = include_str!("../../../fixtures/function-url-event.json");
    const HTTP_API: &str = include_str!("../../../fixtures/apigw-http-api-event.json");

    fn status(result: Result<(Origin, Request), Malformed>) -> u16 {
        match result {
            Ok(_) => 200,
            Err(malformed) => malformed.into_response().status().as_u16(),
        }
    }

    #[test]
    fn the_fixtures_convert_as_lambda_http_converts_them() {
        for fixture in [REST, HTTP_API, FUNCTION_URL] {
            let (_, ours) = convert(fixture).unwrap();
            let theirs = lambda_http::request::from_str(fixture).unwrap();
            assert_eq!((ours.method(), ours.uri(), ours.headers()), (theirs.method(), theirs.uri(), theirs.headers()));
            assert_eq!(ours.body().as_ref(), theirs.body().as_ref());
        }
    }

    #[test]
    fn what_lambda_http_panics_on_is_a_400() {
        let mut rest: Value = serde_json::from_str(REST).unwrap();
        rest["headers"]["X-Forwarded-Proto"] = "h t".into();
        let mut host: Value = serde_json::from_str(REST).unwrap();
        host["headers"]["Host"] = "a b".into();
        let mut query: Value = serde_json::from_str(FUNCTION_URL).unwrap();
        query["rawQueryString"] = "a=<b>".into();
        let mut body: Value = serde_json::from_str(FUNCTION_URL).unwrap();
        (body["body"], body["isBase64Encoded"]) = ("not base64!".into(), true.into());
        for (what, payload) in
            [("X-Forwarded-Proto: h t", rest), ("Host: a b", host), ("raw query a=<b>", query), ("body", body)]
        {
            let text = payload.to_string();
            let panicked = std::panic::catch_unwind(|| lambda_http::request::from_str(&text)).is_err();
            assert!(panicked, "{what}: lambda_http's own conversion panics on it");
            let answer = convert(&text).unwrap_err().into_response();
            assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{what}");
            let Body::Text(body) = answer.body() else { panic!("{what}: a JSON body") };
            assert!(body.starts_with(r#"{"error":"malformed request: "#), "{what}: {body}");
            assert!(MALFORMED_REQUEST.error.starts_with("malformed request: "));
        }
        assert_eq!(status(convert(r#"{"anything": 1}"#)), 400, "not an event at all");
        assert_eq!(status(convert("null")), 400);
        assert_eq!(status(convert("{not json")), 400);
    }

    #[test]
    fn a_response_takes_its_origins_shape() {
        let response = error_response(StatusCode::BAD_REQUEST, "malformed request: x");
        let rest = serde_json::to_value(proxy_response(Origin::RestApi, response)).unwrap();
        assert_eq!(rest["statusCode"], 400);
        assert_eq!(rest["multiValueHeaders"]["content-type"], serde_json::json!(["application/json"]));
        assert_eq!(rest["isBase64Encoded"], false);
        let response = error_response(StatusCode::BAD_REQUEST, "malformed request: x");
        let url = serde_json::to_value(proxy_response(Origin::PayloadV2, response)).unwrap();
        assert_eq!(
            (url["statusCode"].as_u64(), url["headers"]["content-type"].as_str()),
            (Some(400), Some("application/json"))
        );
        for payload_v2 in [HTTP_API, FUNCTION_URL] {
            assert_eq!(Origin::of(payload_v2), Origin::PayloadV2);
            assert_eq!(convert(payload_v2).unwrap().0, Origin::PayloadV2);
        }
        assert_eq!(Origin::of(REST), Origin::RestApi);
        assert_eq!(convert(REST).unwrap().0, Origin::RestApi);
    }
}
