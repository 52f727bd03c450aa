//! The local gateway: only what API Gateway and Lambda's asynchronous invocation do in AWS.
//!
//! * `/webhooks/{source}` → the event of the front door `webhooks.endpoint` chooses ([`Webhooks`])
//!   → the intake → its proxy response back to the client (`502` if the function fails):
//!   - `rest`: `POST|GET` → a REST proxy event (payload 1.0);
//!   - `http-api`: `POST|GET` → an HTTP API event (payload 2.0) of the route that serves it in
//!     AWS, `/webhooks/{source}` (an unknown source's name included: the intake answers it); any
//!     other method → `404 {"message": "Not Found"}`, the HTTP API's own answer;
//!   - `function-url`: any method → a Function URL event (payload 2.0), as the URL hands the
//!     function every request;
//! * `GET /jobs/{id}` → a REST proxy event → the intake (the REST API keeps `/jobs` whatever the
//!   webhooks' endpoint);
//! * `POST /jobs` → the request validator's checks (a `Content-Type` header, a job body) → the
//!   integration's (a template for the content type: `application/json` only, else `415`) →
//!   `202 {"jobId", "status": "ACCEPTED"}` at once, then the passthrough job event → the worker,
//!   asynchronously, with Lambda's retries and on-failure destination;
//! * `POST /2015-03-31/functions/<worker>/invocations` → the Lambda Invoke API, so that
//!   `hookway dlq redrive --queue jobs` re-invokes a job exactly as it does in AWS;
//! * `/_hookway/…` → the [`Mount`] `hookway dev` gives it (the inspector: local only, nothing of
//!   it is deployed), when it has one;
//! * anything else → `403 {"message": "Missing Authentication Token"}`, API Gateway's answer.
//!
//! It serves its user only, not the web pages its user visits: a request whose `Host` is not
//! `127.0.0.1:PORT` or `localhost:PORT` is refused (DNS rebinding), and so is a cross-origin
//! browser request — an `Origin` other than its own — on every route but `/webhooks/*` (a page
//! could otherwise `POST /jobs`, or reach the worker's invoke route with a forged job). A plain
//! `curl` sends no `Origin` and a matching `Host`. A source whose configuration sets a `throttle`
//! is throttled as API Gateway would ([`crate::throttle`]).

use std::convert::Infallible;
use std::fmt::Debug;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use hookway_core::config::WebhookEndpoint;
use hookway_core::job::JobAccepted;
use http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::events::{GatewayContext, GatewayRequest, function_url_event, http_api_event, job_event, proxy_event};
use super::lambda::{AsyncInvoker, CallLog, Destination, InvokeError, Lambda};
use super::throttle::Throttles;

/// An HTTP answer of the gateway's.
pub type Answer = Response<Full<Bytes>>;

/// Where the gateway serves what `hookway dev` adds to the local stack.
pub const MOUNT_PREFIX: &str = "/_hookway/";

/// What `hookway dev` serves under [`MOUNT_PREFIX`] besides the API: the inspector. The gateway
/// has already refused a foreign `Host` or `Origin` (see [`foreign`]); the request's body is read.
pub trait Mount: Debug + Send + Sync {
    /// The answer to a request under [`MOUNT_PREFIX`] (or to its bare `/_hookway`).
    fn answer(&self, request: Request<Bytes>) -> Pin<Box<dyn Future<Output = Answer> + Send + '_>>;
}

/// The gateway and the functions behind it.
#[derive(Debug)]
pub struct Gateway<D> {
    /// The Invoke API.
    pub lambda: Lambda,
    /// The intake function's name.
    pub intake: String,
    /// The worker function's name.
    pub worker: String,
    /// The worker's asynchronous invocation.
    pub jobs: Arc<AsyncInvoker<D>>,
    /// The stage, as in the deployed API.
    pub stage: String,
    /// The sources' throttles, where the configuration sets them.
    pub throttles: Throttles,
    /// The front door of `/webhooks/*`.
    pub webhooks: Webhooks,
    /// What is served under [`MOUNT_PREFIX`], if anything.
    pub mount: Option<Arc<dyn Mount>>,
    /// Where the Lambda API calls it serves are recorded, if anywhere.
    pub calls: Option<CallLog>,
}

/// The front door of `/webhooks/*`, as the stack deploys it: `webhooks.endpoint`, and the
/// sources with a route of their own (those with a throttle); `/webhooks/{source}` serves the rest.
#[derive(Debug, Clone, Default)]
pub struct Webhooks {
    /// `rest`, `http-api` or `function-url`.
    pub endpoint: WebhookEndpoint,
    /// The names of the sources with a route of their own.
    pub own_routes: Vec<String>,
}

impl Webhooks {
    /// The front door `config` chooses.
    pub fn from_config(config: &hookway_core::Config) -> Webhooks {
        Webhooks {
            endpoint: config.webhooks.endpoint,
            own_routes: config
                .sources
                .iter()
                .filter(|source| source.throttle.is_some())
                .map(|source| source.name.clone())
                .collect(),
        }
    }
}

impl<D: Destination> Gateway<D> {
    /// Serves connections until `stop` turns true.
    pub async fn serve(self: Arc<Self>, listener: TcpListener, mut stop: watch::Receiver<bool>) {
        let port = listener.local_addr().map_or(0, |address| address.port());
        loop {
            let (stream, peer) = tokio::select! {
                _ = stop.changed() => return,
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        eprintln!("[gateway] accept failed: {error}");
                        continue;
                    }
                },
            };
            let gateway = Arc::clone(&self);
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    let gateway = Arc::clone(&gateway);
                    async move { Ok::<_, Infallible>(gateway.answer(request, peer, port).await) }
                });
                let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    }

    async fn answer(&self, request: Request<Incoming>, peer: SocketAddr, port: u16) -> Answer {
        let started = Instant::now();
        let (parts, body) = request.into_parts();
        if let Some(refused) = foreign(&parts.headers, parts.uri.path(), port) {
            eprintln!("[gateway] {} {} → 403 ({refused})", parts.method, parts.uri.path());
            return message(StatusCode::FORBIDDEN, refused);
        }
        let body = match body.collect().await {
            Ok(body) => body.to_bytes(),
            Err(_) => return message(StatusCode::BAD_REQUEST, "Could not read the request body"),
        };
        let path = parts.uri.path().to_owned();
        if let Some(mount) = self.mount.as_ref().filter(|_| path == "/_hookway" || path.starts_with(MOUNT_PREFIX)) {
            return mount.answer(Request::from_parts(parts, body)).await;
        }
        let request = GatewayRequest {
            method: parts.method.as_str(),
            path: &path,
            query: parts.uri.query(),
            headers: &parts.headers,
            body: &body,
        };
        let context = self.context(peer);
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let answer = match (&parts.method, segments.as_slice()) {
            (method, ["webhooks", source]) => self.webhook(method, source, &request, &context).await,
            (&Method::GET, ["jobs", id]) => {
                let event = proxy_event(&request, "/jobs/{id}", &[("id", id)], &context);
                self.proxy(&event).await
            }
            (&Method::POST, ["jobs"]) => self.submit_job(&request, &context),
            (&Method::POST, ["2015-03-31", "functions", function, "invocations"]) if *function == self.worker => {
                self.invoke_worker(&request, &body, &context).await
            }
            _ => message(StatusCode::FORBIDDEN, "Missing Authentication Token"),
        };
        eprintln!(
            "[gateway] {} {path} → {} ({} ms)",
            parts.method,
            answer.status().as_u16(),
            started.elapsed().as_millis()
        );
        answer
    }

    /// `/webhooks/{source}`, through the front door of [`Webhooks::endpoint`].
    async fn webhook(
        &self,
        method: &Method,
        source: &str,
        request: &GatewayRequest<'_>,
        context: &GatewayContext,
    ) -> Answer {
        let routed = matches!(*method, Method::POST | Method::GET);
        // What has no route is answered by the front door itself, then the throttle, and only
        // then is the event built.
        match self.webhooks.endpoint {
            WebhookEndpoint::Rest if !routed => return message(StatusCode::FORBIDDEN, "Missing Authentication Token"),
            WebhookEndpoint::HttpApi if !routed => return message(StatusCode::NOT_FOUND, "Not Found"),
            _ => {}
        }
        if let Err(wait) = self.throttles.take(source) {
            return throttled(wait);
        }
        let event = match self.webhooks.endpoint {
            WebhookEndpoint::Rest => proxy_event(request, "/webhooks/{source}", &[("source", source)], context),
            WebhookEndpoint::HttpApi => {
                let own = self.webhooks.own_routes.iter().any(|name| name == source);
                let route = if own { source } else { "{source}" };
                http_api_event(request, &format!("{method} /webhooks/{route}"), context)
            }
            WebhookEndpoint::FunctionUrl => function_url_event(request, context),
        };
        self.proxy(&event).await
    }

    fn context(&self, peer: SocketAddr) -> GatewayContext {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        GatewayContext {
            request_id: uuid::Uuid::new_v4().to_string(),
            stage: self.stage.clone(),
            api_id: "local".into(),
            resource_id: "local".into(),
            account_id: "000000000000".into(),
            source_ip: peer.ip().to_string(),
            time_epoch_ms: u64::try_from(now.as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// The intake's proxy response (payload 1.0 or 2.0), as its front door returns it.
    async fn proxy(&self, event: &Value) -> Answer {
        match self.lambda.invoke(&self.intake, event).await {
            Ok(response) => {
                proxy_response(&response).unwrap_or_else(|| message(StatusCode::BAD_GATEWAY, "Internal server error"))
            }
            Err(error) => {
                eprintln!("[gateway] {error}");
                message(StatusCode::BAD_GATEWAY, "Internal server error")
            }
        }
    }

    /// `POST /jobs`: the request validator's checks, then the integration's, `202` at once, the
    /// worker in the background.
    fn submit_job(&self, request: &GatewayRequest<'_>, context: &GatewayContext) -> Answer {
        let Some(content_type) = request.headers.get(http::header::CONTENT_TYPE) else {
            return message(StatusCode::BAD_REQUEST, "Missing required request parameters: [Content-Type]");
        };
        let body: Option<Value> = serde_json::from_slice(request.body).ok();
        let valid = body.as_ref().and_then(|body| body.get("type")?.as_str()).is_some_and(|t| !t.is_empty());
        let Some(body) = body.filter(|_| valid) else {
            return message(StatusCode::BAD_REQUEST, "Invalid request body");
        };
        // Only `application/json` has a mapping template, and passthrough is NEVER: any other
        // type is refused before the worker is invoked.
        if !has_job_template(content_type) {
            return message(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Unsupported Media Type");
        }
        let event = job_event(request, body, context);
        match serde_json::to_value(&event) {
            Ok(payload) => self.jobs.submit(context.request_id.clone(), payload),
            Err(_) => return message(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error"),
        }
        json_answer(
            StatusCode::ACCEPTED,
            &serde_json::to_value(JobAccepted::new(&context.request_id)).unwrap_or_default(),
        )
    }

    /// The Lambda Invoke API for the worker: `Event` invocations are asynchronous, with retries.
    /// A call that cannot be recorded is not served: the IAM check would not see it.
    async fn invoke_worker(&self, request: &GatewayRequest<'_>, body: &Bytes, context: &GatewayContext) -> Answer {
        if let Some(calls) = &self.calls
            && let Err(error) = calls.invoke(request.headers, &self.worker).await
        {
            return message(StatusCode::BAD_GATEWAY, &format!("cannot record the call: {error}"));
        }
        let Ok(payload) = serde_json::from_slice::<Value>(body) else {
            return message(StatusCode::BAD_REQUEST, "the payload is not JSON");
        };
        let asynchronous = request
            .headers
            .get("x-amz-invocation-type")
            .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"Event"));
        if asynchronous {
            self.jobs.submit(context.request_id.clone(), payload);
            return Response::builder()
                .status(StatusCode::ACCEPTED)
                .body(Full::new(Bytes::new()))
                .unwrap_or_else(|_| message(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error"));
        }
        match self.lambda.invoke(&self.worker, &payload).await {
            Ok(response) => bytes_answer(StatusCode::OK, response),
            Err(InvokeError::Function { error_type, error_message }) => {
                let mut answer =
                    json_answer(StatusCode::OK, &json!({"errorType": error_type, "errorMessage": error_message}));
                answer.headers_mut().insert("x-amz-function-error", HeaderValue::from_static("Unhandled"));
                answer
            }
            Err(error) => message(StatusCode::BAD_GATEWAY, &error.to_string()),
        }
    }
}

/// Why a request is not its user's: a `Host` other than this gateway's own (DNS rebinding), or,
/// outside `/webhooks/*`, an `Origin` other than its own (a web page's cross-origin request).
fn foreign(headers: &http::HeaderMap, path: &str, port: u16) -> Option<&'static str> {
    let own = |value: &str, scheme: &str| {
        [format!("{scheme}127.0.0.1:{port}"), format!("{scheme}localhost:{port}")].iter().any(|own| own == value)
    };
    let host = headers.get(http::header::HOST).and_then(|host| host.to_str().ok()).unwrap_or_default();
    if !own(host, "") {
        return Some("the Host must be this gateway's own: 127.0.0.1:PORT or localhost:PORT");
    }
    let webhook = path.trim_start_matches('/').starts_with("webhooks/");
    match headers.get(http::header::ORIGIN).map(|origin| origin.to_str().unwrap_or_default()) {
        Some(origin) if !webhook && !own(origin, "http://") => Some("cross-origin requests are refused"),
        _ => None,
    }
}

/// API Gateway's answer to a throttled request, with when to try again.
fn throttled(wait: Duration) -> Answer {
    let mut answer = message(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    answer.headers_mut().insert(http::header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    answer
}

/// Whether the integration of `POST /jobs` has a template for this content type: API Gateway
/// selects a template by the media type, whatever its parameters (`; charset=utf-8`).
fn has_job_template(content_type: &HeaderValue) -> bool {
    let essence = content_type.to_str().unwrap_or_default().split(';').next().unwrap_or_default();
    essence.trim().eq_ignore_ascii_case("application/json")
}

/// A proxy response: payload 1.0's (`statusCode`, `headers`, `multiValueHeaders`, `body`,
/// `isBase64Encoded`) or 2.0's (the same without `multiValueHeaders`).
fn proxy_response(response: &[u8]) -> Option<Answer> {
    let response: Value = serde_json::from_slice(response).ok()?;
    let status = StatusCode::from_u16(u16::try_from(response.get("statusCode")?.as_u64()?).ok()?).ok()?;
    let body = match response.get("body").and_then(Value::as_str) {
        None => Vec::new(),
        Some(body) if response.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) => {
            BASE64.decode(body).ok()?
        }
        Some(body) => body.as_bytes().to_vec(),
    };
    let mut answer = bytes_answer(status, Bytes::from(body));
    let headers = answer.headers_mut();
    if let Some(single) = response.get("headers").and_then(Value::as_object) {
        for (name, value) in single {
            if let (Ok(name), Some(Ok(value))) =
                (HeaderName::try_from(name.as_str()), value.as_str().map(HeaderValue::from_str))
            {
                headers.insert(name, value);
            }
        }
    }
    if let Some(multi) = response.get("multiValueHeaders").and_then(Value::as_object) {
        for (name, values) in multi {
            let Ok(name) = HeaderName::try_from(name.as_str()) else { continue };
            headers.remove(&name);
            for value in values.as_array().into_iter().flatten().filter_map(Value::as_str) {
                if let Ok(value) = HeaderValue::from_str(value) {
                    headers.append(name.clone(), value);
                }
            }
        }
    }
    Some(answer)
}

/// API Gateway's own error shape: `{"message": "..."}`.
fn message(status: StatusCode, text: &str) -> Answer {
    json_answer(status, &json!({ "message": text }))
}

fn json_answer(status: StatusCode, body: &Value) -> Answer {
    let mut answer = bytes_answer(status, Bytes::from(body.to_string()));
    answer.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    answer
}

fn bytes_answer(status: StatusCode, body: Bytes) -> Answer {
    let mut answer = Response::new(Full::new(body));
    *answer.status_mut() = status;
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proxy_response_becomes_the_http_response() {
        let response = json!({
            "statusCode": 405, "headers": {"content-type": "application/json"},
            "multiValueHeaders": {"allow": ["POST"]}, "body": "eyJlcnJvciI6IDF9", "isBase64Encoded": true
        });
        let answer = proxy_response(response.to_string().as_bytes()).unwrap();
        assert_eq!(answer.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(answer.headers()["allow"], "POST");
        assert_eq!(answer.headers()["content-type"], "application/json");
        let body = futures_executor(answer);
        assert_eq!(body, br#"{"error": 1}"#);
    }

    fn futures_executor(answer: Answer) -> Vec<u8> {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(async { answer.into_body().collect().await.unwrap().to_bytes().to_vec() })
    }

    #[test]
    fn only_json_has_a_job_template() {
        for (content_type, templated) in [
            ("application/json", true),
            ("application/json; charset=utf-8", true),
            ("Application/JSON", true),
            ("text/plain", false),
            ("application/x-www-form-urlencoded", false),
            ("application/jsonp", false),
            ("", false),
        ] {
            assert_eq!(has_job_template(&HeaderValue::from_static(content_type)), templated, "{content_type}");
        }
    }

    #[test]
    fn a_malformed_proxy_response_is_none() {
        assert!(proxy_response(b"not json").is_none());
        assert!(proxy_response(br#"{"statusCode": 1000}"#).is_none());
    }
}
