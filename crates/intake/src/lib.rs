//! The intake Lambda: verifies each webhook, queues it in SQS, and only then answers `202`.
//!
//! It receives `POST /webhooks/{source}`, refuses a sender outside the source's
//! `allowIps`, proves the request genuine with the source's scheme and secrets, puts the event in
//! the events queue, and only then answers `202 {"id": ...}`; each webhook is counted in an EMF
//! metrics line ([`metrics`]). A source's keys come from the secret cache, with one re-read when a
//! signature fails against them ([`keys`]). A provider's handshake — a signed `POST` such as Slack's
//! `url_verification` or Zoom's `endpoint.url_validation`, or a `GET /webhooks/{source}` such as
//! Meta's `hub.challenge` — is answered as the provider documents and never reaches the queue. It
//! also answers `GET /jobs/{id}` from the job's record in the state table (for a job that started a Step
//! Functions execution, from `DescribeExecution` while the record says it runs: see
//! [`hookway_core::job`]).
//!
//! A body over [`INLINE_BODY_LIMIT`] travels by claim check: the intake stores it in the archive
//! bucket first, and queues an envelope that names the object, its size and its SHA-256; if S3
//! fails, the answer is `503`, as when SQS fails. A body within the limit costs no S3 call here:
//! the worker archives it, a batch at a time.
//!
//! It accepts API Gateway REST proxy events (body base64 or not) and Lambda Function URL events;
//! [`event`] turns both into one [`Request`], answering 400 to what `lambda_http` would panic on. [`Intake::handle`] is a plain async function of
//! the request and the intake's dependencies, so tests drive it directly; `main` only wires.

// No unwrap or expect on request paths: every failure is an error with a status or an exit code.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod event;
pub mod keys;
pub mod metrics;
pub mod queue;
pub mod response;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::Arc;

use bytes::Bytes;
use hookway_core::archive::{INLINE_BODY_LIMIT, ObjectStore, Stamp, body_key, unique};
use hookway_core::config::Config;
use hookway_core::envelope::{BodyEncoding, BodyObject, ENVELOPE_VERSION, Envelope};
use hookway_core::hookway_providers::spec::Handshake;
use hookway_core::job::{self, Execution, Executions};
use hookway_core::scheme::{Answer, Identity, Request as Signed};
use hookway_core::secret_cache::{SecretCache, SecretStore};
use hookway_core::source::SourceError;
use hookway_core::store::{JobStatus, RecordKey, StateStore};
use hookway_core::{Source, source};
use http::{Method, StatusCode, header};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tracing::Instrument;
use tracing::field::Empty;

use crate::event::ProxyResponse;
use crate::keys::{SourceKeys, VerifyFailure};
use crate::metrics::{Counted, MetricsSink};
use crate::queue::{EventQueue, OutgoingMessage};
use crate::response::{Rejection, json};

/// The intake and what it depends on, built once at start-up.
#[derive(Debug)]
pub struct Intake<Q, S, J> {
    sources: HashMap<String, Source>,
    keys: SourceKeys<S>,
    queue: Q,
    jobs: J,
    bodies: Arc<dyn ObjectStore>,
    max_body_bytes: usize,
    metrics: MetricsSink,
    /// Where a job's Step Functions execution is looked up, while it runs.
    executions: Option<Arc<dyn Executions>>,
}

/// The routes the intake serves.
#[derive(Debug, PartialEq, Eq)]
enum Route<'a> {
    Webhook(&'a str),
    Job(&'a str),
    NotFound,
}

impl<'a> Route<'a> {
    /// Matches the end of the path, so the REST API's stage prefix (`/v1/webhooks/github`) and a
    /// Function URL's bare path (`/webhooks/github`) route alike.
    fn of(path: &'a str) -> Route<'a> {
        let mut segments = path.trim_end_matches('/').rsplit('/');
        match (segments.next(), segments.next()) {
            (Some(source), Some("webhooks")) if !source.is_empty() => Route::Webhook(source),
            (Some(id), Some("jobs")) if !id.is_empty() => Route::Job(id),
            _ => Route::NotFound,
        }
    }
}

#[derive(Serialize)]
struct Accepted<'a> {
    id: &'a str,
}

impl<Q: EventQueue, S: SecretStore, J: StateStore> Intake<Q, S, J> {
    /// Compiles the configuration's sources; `jobs` is the state table job statuses are read from,
    /// `bodies` the archive bucket large bodies are stored in.
    pub fn new(
        config: &Config,
        queue: Q,
        secrets: SecretCache<S>,
        jobs: J,
        bodies: Arc<dyn ObjectStore>,
    ) -> Result<Intake<Q, S, J>, SourceError> {
        Ok(Intake {
            sources: source::compile(config)?,
            keys: SourceKeys::new(secrets),
            queue,
            jobs,
            bodies,
            max_body_bytes: config.intake.max_body_bytes,
            metrics: MetricsSink::default(),
            executions: None,
        })
    }

    /// Follows the Step Functions executions jobs start with `executions` (without it, such a job
    /// stays `RUNNING`).
    pub fn with_executions(mut self, executions: Arc<dyn Executions>) -> Self {
        self.executions = Some(executions);
        self
    }

    /// Writes the metrics lines to `sink` instead of stdout.
    pub fn with_metrics(mut self, sink: MetricsSink) -> Self {
        self.metrics = sink;
        self
    }

    /// Reads every source's secrets, at start-up.
    pub async fn preload_secrets(&self) {
        self.keys.preload(self.sources.values()).await;
    }

    /// Answers one raw event, the JSON text Lambda hands over: a request, or a 400 for an event
    /// that cannot be one; the answer in the shape its origin expects.
    pub async fn handle_event(&self, payload: &str, context: lambda_http::Context) -> ProxyResponse {
        match event::convert(payload) {
            Ok((origin, request)) => {
                event::proxy_response(origin, self.handle(request.with_lambda_context(context)).await)
            }
            Err(malformed) => {
                tracing::warn!(lambda_request_id = %context.request_id, %malformed, "refused: 400");
                event::proxy_response(event::Origin::of(payload), malformed.into_response())
            }
        }
    }

    /// Answers one request. Every log line within carries the request ids and, once known, the
    /// source and event id.
    pub async fn handle(&self, mut request: Request) -> Response<Body> {
        let span = tracing::info_span!(
            "request",
            method = %request.method(),
            path = request.uri().path(),
            api_request_id = api_request_id(&request),
            lambda_request_id = request.lambda_context_ref().map(|context| context.request_id.as_str()),
            source = Empty,
            event_id = Empty,
        );
        async {
            let result = match Route::of(request.uri().path()) {
                Route::Webhook(name) if request.method() == Method::POST => {
                    let source = self.sources.get(name);
                    return self.receive(source, &mut request).await;
                }
                Route::Webhook(source) if request.method() == Method::GET => self.handshake(source, &request).await,
                Route::Webhook(_) => {
                    Err(Rejection::MethodNotAllowed { method: request.method().clone(), allow: "GET, POST" })
                }
                // Job statuses are behind the API key, which only API Gateway checks: a Function
                // URL serves webhooks alone.
                Route::Job(_) if !via_rest_api(&request) => Err(Rejection::NoRoute),
                Route::Job(id) if request.method() == Method::GET => self.job_status(id).await,
                Route::Job(_) => Err(Rejection::MethodNotAllowed { method: request.method().clone(), allow: "GET" }),
                Route::NotFound => Err(Rejection::NoRoute),
            };
            result.unwrap_or_else(|rejection| {
                rejection.log();
                rejection.into_response()
            })
        }
        .instrument(span)
        .await
    }

    /// `POST /webhooks/{source}`, counted in the metrics: a webhook's metrics line is its log line
    /// (a rejection the metrics do not count, as a queue that cannot be reached, is logged alone).
    async fn receive(&self, source: Option<&Source>, request: &mut Request) -> Response<Body> {
        let result = match source {
            Some(source) => {
                tracing::Span::current().record("source", source.name.as_str());
                self.accept(source, request).await
            }
            None => Err(Rejection::UnknownSource),
        };
        let rejection = match result {
            Ok(response) => return response,
            Err(rejection) => rejection,
        };
        match rejection.metric_reason() {
            Some(reason) => {
                let error = rejection.to_string();
                let log = metrics::RejectedLog {
                    level: rejection.level(),
                    status: rejection.status().as_u16(),
                    error: &error,
                    path: request.uri().path(),
                    request_id: api_request_id(request),
                };
                // An unknown source is counted without its name: the sender chooses it.
                let source = source.map(|source| source.name.as_str());
                self.metrics.count(Counted::Rejected { source, reason, log: Some(log) });
            }
            None => rejection.log(),
        }
        rejection.into_response()
    }

    /// A known source's webhook: the sender's address, then the size, the signature, the queue
    /// (and the bucket first for a large body), and only then the acknowledgement.
    async fn accept(&self, source: &Source, request: &mut Request) -> Result<Response<Body>, Rejection> {
        let address = client_address(request);
        if !source.allows(address) {
            return Err(Rejection::Forbidden { address, hidden: source.hide_rejections });
        }
        let body: &[u8] = request.body().as_ref();
        if body.len() > self.max_body_bytes {
            return Err(Rejection::TooLarge { size: body.len(), limit: self.max_body_bytes });
        }
        let url = match source.scheme.signs_url() {
            true => provider_url(source, request),
            false => String::new(),
        };
        let signed = Signed { method: request.method().as_str(), url: &url, headers: request.headers(), body };
        let now = hookway_core::unix_now();
        self.keys.verify(source, &signed, now).await.map_err(|failure| match failure {
            VerifyFailure::Rejected(reason) => Rejection::Unauthorized { reason, hidden: source.hide_rejections },
            VerifyFailure::Unavailable(error) => Rejection::SecretsUnavailable(error),
        })?;
        if source.scheme.spec().handshake.is_some() {
            let keys = self.keys.keys(source).await?;
            if let Some(answer) = source.answer_verified(&signed, &keys, now) {
                tracing::info!(scheme = source.scheme.name(), "answered the handshake");
                return Ok(handshake_response(answer));
            }
        }
        let identity = source.identify(&signed)?;
        tracing::Span::current().record("event_id", identity.id.as_str());
        let size = body.len();
        let message = if size <= INLINE_BODY_LIMIT {
            envelope_message(source, request, &identity, EnvelopeBody::Inline(body))?
        } else {
            let object = self.store_body(source, request).await?;
            envelope_message(source, request, &identity, EnvelopeBody::Stored(object))?
        };
        self.queue.send(message).await?;
        // The webhook's one log line, its metrics with it.
        self.metrics.count(Counted::Accepted(metrics::Accepted { source: &source.name, event_id: &identity.id }));
        Ok(json(StatusCode::ACCEPTED, &Accepted { id: &identity.id }))
    }

    /// Puts a large body in the archive bucket, taking it out of the request (no copy), and
    /// returns what the envelope names it by.
    async fn store_body(&self, source: &Source, request: &mut Request) -> Result<StoredBody, Rejection> {
        let sha256 = hex::encode(Sha256::digest(request.body().as_ref()));
        let received = Stamp::of(std::time::SystemTime::now());
        let key = body_key(&source.name, &received, &unique());
        let bytes = match std::mem::take(request.body_mut()) {
            Body::Binary(bytes) => Bytes::from(bytes),
            Body::Text(text) => Bytes::from(text.into_bytes()),
            _ => Bytes::new(),
        };
        let size = bytes.len() as u64;
        self.bodies.put(&key, bytes).await?;
        tracing::debug!(key = %key, bytes = size, "body stored in the archive bucket (claim check)");
        Ok(StoredBody { key, size, sha256, received })
    }
}

/// A body too large for the envelope, stored.
#[derive(Debug)]
pub struct StoredBody {
    key: String,
    size: u64,
    sha256: String,
    received: Stamp,
}

/// How the envelope carries the body.
#[derive(Debug)]
pub enum EnvelopeBody<'a> {
    /// In the envelope.
    Inline(&'a [u8]),
    /// In the archive bucket.
    Stored(StoredBody),
}

impl<Q: EventQueue, S: SecretStore, J: StateStore> Intake<Q, S, J> {
    /// `GET /webhooks/{source}`: a provider's `GET` handshake (Meta's `hub.challenge`, Dropbox's
    /// `challenge`), answered without touching the queue; 405 for a source that has none.
    async fn handshake(&self, name: &str, request: &Request) -> Result<Response<Body>, Rejection> {
        let source = self.sources.get(name).ok_or(Rejection::UnknownSource)?;
        tracing::Span::current().record("source", name);
        let address = client_address(request);
        if !source.allows(address) {
            return Err(Rejection::Forbidden { address, hidden: source.hide_rejections });
        }
        if !matches!(source.scheme.spec().handshake, Some(Handshake::Get { .. })) {
            return Err(Rejection::MethodNotAllowed { method: Method::GET, allow: "POST" });
        }
        let url = provider_url(source, request);
        let get = Signed { method: "GET", url: &url, headers: request.headers(), body: &[] };
        let keys = self.keys.keys(source).await?;
        match source.scheme.answer_get(&get, &keys) {
            Some(answer) => {
                tracing::info!(scheme = source.scheme.name(), "answered the handshake");
                Ok(handshake_response(answer))
            }
            None => Err(Rejection::HandshakeRefused { hidden: source.hide_rejections }),
        }
    }
}

impl<Q, S, J: StateStore> Intake<Q, S, J> {
    /// `GET /jobs/{id}`: the job's record, or 404. A job whose Step Functions execution runs is
    /// asked after at Step Functions, and its end, once there is one, cached in its record.
    async fn job_status(&self, id: &str) -> Result<Response<Body>, Rejection> {
        let mut status = self.jobs.job(id).await?.ok_or(Rejection::UnknownJob)?;
        if let (Some(arn), Some(executions)) = (status.running_execution(), &self.executions) {
            match executions.describe_execution(arn).await {
                Ok(execution) if execution.has_ended() => {
                    if let Some(ended) = self.end_execution(id, &execution).await? {
                        status = ended;
                    }
                }
                Ok(_) => {}
                // The job's status as recorded, rather than no answer: it is asked again next time.
                Err(error) => tracing::warn!(%error, execution_arn = arn, "cannot describe the job's execution"),
            }
        }
        Ok(json(StatusCode::OK, &status))
    }

    /// Caches the end of a job's execution in its record, beside its start: the job's status then.
    async fn end_execution(&self, id: &str, execution: &Execution) -> Result<Option<JobStatus>, Rejection> {
        let key = RecordKey::job(id);
        let Some(mut record) = self.jobs.status(&key).await? else { return Ok(None) };
        let Some(started) = &record.result else { return Ok(None) };
        let ended = job::with_end(started, execution);
        let now = hookway_core::unix_now();
        if !self.jobs.set_job_result(id, &ended, now).await? {
            return Ok(None);
        }
        tracing::info!(job_id = id, status = %execution.status, "the job's execution ended");
        record.result = Some(ended);
        record.updated_at = hookway_core::store::rfc3339(now);
        Ok(Some(JobStatus::of(id, record)))
    }
}

/// The SQS message carrying a verified request's event.
pub fn envelope_message(
    source: &Source,
    request: &Request,
    identity: &Identity,
    body: EnvelopeBody<'_>,
) -> Result<OutgoingMessage, Rejection> {
    let headers = request.headers();
    let kept: BTreeMap<Cow<'_, str>, Cow<'_, str>> = source
        .kept_headers
        .iter()
        .filter_map(|name| Some((Cow::Borrowed(name.as_str()), Cow::Borrowed(headers.get(name)?.to_str().ok()?))))
        .collect();
    let (body_encoding, encoded, body_object, received_at) = match body {
        EnvelopeBody::Inline(body) => {
            let (encoding, encoded) = Envelope::encode_body(body);
            (encoding, encoded, None, hookway_core::rfc3339_now())
        }
        EnvelopeBody::Stored(stored) => {
            let object =
                BodyObject { key: Cow::Owned(stored.key), size: stored.size, sha256: Cow::Owned(stored.sha256) };
            (BodyEncoding::S3, Cow::Borrowed(""), Some(object), stored.received.as_str().to_owned())
        }
    };
    let mut envelope = Envelope {
        version: ENVELOPE_VERSION,
        id: Cow::Borrowed(&identity.id),
        source: Cow::Borrowed(&source.name),
        event_type: identity.event_type.as_deref().map(Cow::Borrowed),
        received_at: Cow::Owned(received_at),
        request_id: api_request_id(request).map(Cow::Borrowed),
        content_type: headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).map(Cow::Borrowed),
        headers: kept,
        body_encoding,
        body: encoded,
        body_object,
        replay: None,
        retry: None,
    };
    let json = envelope.to_message()?;
    Ok(OutgoingMessage::new(&envelope, json))
}

/// The address the request came from, as API Gateway or the Function URL saw the connection: never
/// a header the caller writes, such as `X-Forwarded-For`.
pub fn client_address(request: &Request) -> Option<IpAddr> {
    let address = match request.request_context_ref()? {
        RequestContext::ApiGatewayV1(context) => context.identity.source_ip.as_deref(),
        RequestContext::ApiGatewayV2(context) => context.http.source_ip.as_deref(),
        _ => None,
    };
    address?.parse().ok()
}

/// The URL the provider called: the source's `publicUrl`, else rebuilt from the request — the
/// forwarded scheme, the `Host` header and the path as API Gateway received it (with the stage) —
/// with the request's query string.
pub fn provider_url(source: &Source, request: &Request) -> String {
    let uri = request.uri();
    let mut url = match &source.public_url {
        Some(public) => public.clone(),
        None => {
            let headers = request.headers();
            let scheme = headers.get("x-forwarded-proto").and_then(|value| value.to_str().ok()).unwrap_or("https");
            let host = headers
                .get(header::HOST)
                .and_then(|value| value.to_str().ok())
                .or_else(|| uri.authority().map(|authority| authority.as_str()))
                .unwrap_or_default();
            let path = match request.request_context_ref() {
                Some(RequestContext::ApiGatewayV1(context)) => context.path.as_deref().unwrap_or(uri.path()),
                _ => uri.path(),
            };
            format!("{scheme}://{host}{path}")
        }
    };
    if let Some(query) = uri.query().filter(|query| !query.is_empty()) {
        url.push('?');
        url.push_str(query);
    }
    url
}

/// A handshake's answer as an HTTP response.
fn handshake_response(answer: Answer) -> Response<Body> {
    let mut response = Response::new(Body::Text(answer.body));
    *response.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, header::HeaderValue::from_static(answer.content_type));
    for (name, value) in answer.headers {
        headers.insert(name, header::HeaderValue::from_static(value));
    }
    response
}

/// Whether the request came through the REST API (not a Function URL).
fn via_rest_api(request: &Request) -> bool {
    matches!(request.request_context_ref(), Some(RequestContext::ApiGatewayV1(_)))
}

/// The API Gateway request id (REST or Function URL).
fn api_request_id(request: &Request) -> Option<&str> {
    match request.request_context_ref()? {
        RequestContext::ApiGatewayV1(context) => context.request_id.as_deref(),
        RequestContext::ApiGatewayV2(context) => context.request_id.as_deref(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_match_with_or_without_a_stage_prefix() {
        assert_eq!(Route::of("/webhooks/github"), Route::Webhook("github"));
        assert_eq!(Route::of("/v1/webhooks/github"), Route::Webhook("github"));
        assert_eq!(Route::of("/webhooks/github/"), Route::Webhook("github"));
        assert_eq!(Route::of("/webhooks/"), Route::NotFound);
        assert_eq!(Route::of("/v1/jobs/c6af9ac6-7b61"), Route::Job("c6af9ac6-7b61"));
        assert_eq!(Route::of("/jobs"), Route::NotFound);
        assert_eq!(Route::of("/webhooks"), Route::NotFound);
        assert_eq!(Route::of("/"), Route::NotFound);
    }
}
