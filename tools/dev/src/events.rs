//! The events the front doors would send for a request, as the gateway builds them: the builders
//! live in [`hookway_core::local::events`], which the benches share without the emulator; each is
//! checked here against the repository's fixture of the real event, through `lambda_http`.

pub use hookway_core::local::events::*;

#[cfg(test)]
mod tests {
    use http::{HeaderMap, HeaderName, HeaderValue};
    use serde_json::{Map, Value, json};

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
