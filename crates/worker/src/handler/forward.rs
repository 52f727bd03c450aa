//! The `forward` handler: POST the event's original body and content type to a URL.
//!
//! * `Idempotency-Key` is the event id, so the destination can drop a repeat of a delivery; an
//!   event `hookway replay` sent again keeps its id and says so in `X-Hookway-Replay: <run>`;
//! * with `sign`, Standard Webhooks headers prove the request came from Hookway (see
//!   [`crate::signature`]); with `authorization`, the parameter's value is the `Authorization`
//!   header; `headers` are added as they are. Secrets are read through [`Secrets`], never logged;
//! * with `transform`, the body is what the jq program yielded (JSON), and the headers it set
//!   with `with_headers` are sent beside the static ones (over them, for the same name); one that
//!   is not a header a destination may be sent refuses the event for good;
//! * each attempt has a timeout (default 10 s), never past the invocation's deadline;
//! * failures are retried by the [`RetryPolicy`] — one *series* of up to `maxAttempts` attempts,
//!   with exponential backoff and full jitter within the invocation's time budget; a 4xx other
//!   than 408 and 429 is not: it is a permanent failure, and the event goes straight to the
//!   dead-letter queue;
//! * a 429, or any answer with `Retry-After`, ends the series at once: the event waits as long as
//!   the destination asked (see [`crate::schedule`]), without using an entry of its schedule;
//! * a circuit breaker per destination, shared by every instance, stops calling one that keeps
//!   failing: while it is open, the delivery waits for the end of the cool-down;
//! * with `rateLimit`, each request takes a slot of the destination's shared rate limit, and goes
//!   at the slot's time: waited for in the invocation if near, else the delivery waits for it;
//! * redirects are not followed (a webhook POST must not turn into a GET elsewhere).
//!
//! When a series fails, the delivery's retry schedule says when the next one starts (a delivery
//! that succeeded is not repeated); when the schedule is used up, the event goes to the
//! dead-letter queue.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use bytes::Bytes;
use hookway_core::config::{ForwardConfig, header_problem};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use serde_json::Value;

use super::guard::{Cause, Guards, Held, Series};
use super::{Handler, HandlerError, Report};
use crate::breaker::{CircuitBreaker, CircuitOpen};
use crate::deadline::Deadline;
use crate::event::Event;
use crate::rate_limit::RateLimiter;
use crate::retry::{Attempt, Backoff, RetryError, RetryPolicy, retry_after};
use crate::schedule::Setback;
use crate::secrets::{Secret, SecretError, Secrets};
use crate::signature;

/// The `User-Agent` of forwarded requests.
const USER_AGENT: &str = concat!("Hookway/", env!("CARGO_PKG_VERSION"));

/// Forwards events to one destination.
#[derive(Debug)]
pub struct Forward {
    client: reqwest::Client,
    url: reqwest::Url,
    timeout: Duration,
    guards: Guards,
    /// The static `headers`, ready to send.
    headers: HeaderMap,
    /// The `sign.secretParameters`.
    signing: Vec<String>,
    /// The `authorization.parameter`.
    authorization: Option<String>,
    /// Both, the `authorization.parameter` first: read together.
    parameters: Vec<String>,
    secrets: Arc<Secrets>,
}

/// Why a forward failed. None of its messages holds a secret.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    /// The destination's circuit is open.
    #[error(transparent)]
    CircuitOpen(#[from] CircuitOpen),
    /// An operator paused the destination.
    #[error("{0} is paused: its events are held until it is resumed")]
    Paused(reqwest::Url),
    /// The destination answered with an error status.
    #[error("{url} answered {status}")]
    Status {
        /// The destination.
        url: reqwest::Url,
        /// Its answer.
        status: StatusCode,
    },
    /// The destination refused our credentials (401 or 403) while they may have been rotated:
    /// they are read again, and the delivery retried; a second refusal within the secret cache's
    /// minimum gap is a [`ForwardError::Status`], final.
    #[error("{url} answered {status}: its credentials are read again before the next try")]
    CredentialsRefused {
        /// The destination.
        url: reqwest::Url,
        /// Its answer.
        status: StatusCode,
    },
    /// The destination asked to wait: a 429, or `Retry-After`.
    #[error("{url} answered {status}, asking to wait{}", .retry_after.map(|wait| format!(" {}", humantime::format_duration(wait))).unwrap_or_default())]
    Throttled {
        /// The destination.
        url: reqwest::Url,
        /// Its answer.
        status: StatusCode,
        /// How long it asked to wait.
        retry_after: Option<Duration>,
    },
    /// The destination's rate limit is reached: a slot is reserved later.
    #[error("rate limit of {url} reached: next slot at {}", hookway_core::rfc3339_ms(*.slot))]
    RateLimited {
        /// The destination.
        url: reqwest::Url,
        /// The slot reserved (Unix ms).
        slot: i64,
    },
    /// The shared state of the destination (its rate limit) could not be reached.
    #[error("rate limit of {url} unavailable: {reason}")]
    Shared {
        /// The destination.
        url: reqwest::Url,
        /// Why.
        reason: String,
    },
    /// The request did not complete: connection refused, timeout, ...
    #[error("POST {url} failed: {reason}")]
    Request {
        /// The destination.
        url: reqwest::Url,
        /// What went wrong.
        reason: String,
    },
    /// A secret the request needs cannot be had: it is not sent at all, never unsigned.
    #[error("not sent to {url}: {reason}")]
    Secret {
        /// The destination.
        url: reqwest::Url,
        /// Which parameter, and why.
        reason: String,
    },
    /// The invocation had no time left for a first attempt.
    #[error("no time left in the invocation to forward to {0}")]
    NoTime(reqwest::Url),
    /// The invocation's deadline came before the forward could (be retried to) succeed.
    #[error("out of time after {attempts} attempt(s); last: {last}")]
    OutOfTime {
        /// Attempts made.
        attempts: u32,
        /// The last attempt's error.
        last: Box<ForwardError>,
    },
}

impl ForwardError {
    /// The destination's last answer, if it gave one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            ForwardError::Status { status, .. }
            | ForwardError::CredentialsRefused { status, .. }
            | ForwardError::Throttled { status, .. } => Some(*status),
            ForwardError::OutOfTime { last, .. } => last.status(),
            _ => None,
        }
    }

    /// Whether retrying cannot help: the destination refused the request itself (a 4xx other
    /// than 408 Request Timeout and 429 Too Many Requests; 410 Gone included).
    pub fn is_permanent(&self) -> bool {
        matches!(self, ForwardError::Status { status, .. } if !is_retryable(*status))
    }
}

fn is_retryable(status: StatusCode) -> bool {
    status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT || status == StatusCode::TOO_MANY_REQUESTS
}

/// A forward's configuration was refused when the worker started.
#[derive(Debug, thiserror::Error)]
pub enum ForwardSetupError {
    /// The URL does not parse.
    #[error("url: {0}")]
    Url(#[from] url::ParseError),
    /// A static header is not a valid HTTP header.
    #[error("headers.{0}: not a valid HTTP header")]
    Header(String),
}

impl Forward {
    /// A forward handler for `settings`, sharing the destination's `breaker` and rate `limiter`,
    /// the worker's HTTP `client` and its destination `secrets` (built once, at start-up).
    pub fn new(
        settings: &ForwardConfig,
        client: reqwest::Client,
        breaker: Arc<CircuitBreaker>,
        limiter: Option<Arc<RateLimiter>>,
        secrets: Arc<Secrets>,
    ) -> Result<Forward, ForwardSetupError> {
        let mut headers = HeaderMap::with_capacity(settings.headers.len());
        for (name, value) in &settings.headers {
            let header = HeaderName::from_bytes(name.as_bytes()).ok().zip(HeaderValue::from_str(value).ok());
            let (name, value) = header.ok_or_else(|| ForwardSetupError::Header(name.clone()))?;
            headers.insert(name, value);
        }
        let signing: Vec<String> =
            settings.sign.iter().flat_map(|sign| sign.secret_parameters.iter().cloned()).collect();
        let authorization = settings.authorization.as_ref().map(|authorization| authorization.parameter.clone());
        Ok(Forward {
            client,
            url: settings.url.parse()?,
            timeout: Duration::from_secs(u64::from(settings.timeout_seconds)),
            guards: Guards { retry: RetryPolicy::new(settings.max_attempts, Backoff::default()), breaker, limiter },
            headers,
            parameters: authorization.iter().chain(&signing).cloned().collect(),
            signing,
            authorization,
            secrets,
        })
    }

    /// The same handler with another backoff (tests use short ones).
    pub fn with_backoff(mut self, backoff: Backoff) -> Forward {
        self.guards.retry = self.guards.retry.clone().with_backoff(backoff);
        self
    }

    /// The destination.
    pub fn url(&self) -> &reqwest::Url {
        &self.url
    }

    /// The headers only this destination gets: its static ones, those its transform set,
    /// `Authorization`, the signature.
    async fn credentials(&self, event: &Event, set_headers: &HeaderMap) -> Result<HeaderMap, ForwardError> {
        let mut headers = self.headers.clone();
        for (name, value) in set_headers {
            headers.insert(name, value.clone());
        }
        if self.parameters.is_empty() {
            return Ok(headers);
        }
        // Every parameter in one read, when they are not all fresh.
        let values = self.secrets.get_all(&self.parameters).await.map_err(|reason| ForwardError::Secret {
            url: self.url.clone(),
            reason: format!("{} unavailable: {reason}", self.parameters.join(", ")),
        })?;
        let found = self.parameters.iter().zip(values).map(|(parameter, value)| {
            let missing = || ForwardError::Secret {
                url: self.url.clone(),
                reason: SecretError::NotFound(parameter.clone()).to_string(),
            };
            value.ok_or_else(missing)
        });
        let found: Vec<Arc<Secret>> = found.collect::<Result<_, _>>()?;
        let (authorization, signing) = found.split_at(usize::from(self.authorization.is_some()));
        if let (Some(parameter), [secret]) = (&self.authorization, authorization) {
            let mut value = HeaderValue::from_str(secret.expose()).map_err(|_| ForwardError::Secret {
                url: self.url.clone(),
                reason: format!("parameter {parameter} is not a valid Authorization header value"),
            })?;
            value.set_sensitive(true);
            headers.insert(header::AUTHORIZATION, value);
        }
        if !signing.is_empty() {
            let now = hookway_core::unix_now();
            let (keys, problems) = signature::active_keys(signing.iter().map(AsRef::as_ref), now);
            for problem in problems {
                tracing::error!(url = %self.url, %problem, "unusable signing secret ignored");
            }
            if keys.is_empty() {
                let reason = format!("no active signing secret in {}", self.signing.join(", "));
                return Err(ForwardError::Secret { url: self.url.clone(), reason });
            }
            let signature = signature::signature(&keys, &event.id, now, &event.body);
            let signed = [("webhook-id", event.id.clone()), ("webhook-timestamp", now.to_string())];
            for (name, value) in signed.into_iter().chain([("webhook-signature", signature)]) {
                let value = HeaderValue::try_from(value).map_err(|_| ForwardError::Secret {
                    url: self.url.clone(),
                    reason: "the event id cannot be a webhook-id header".into(),
                })?;
                headers.insert(HeaderName::from_static(name), value);
            }
        }
        Ok(headers)
    }

    /// One POST: done with its status, worth retrying, or not (refused by the destination, or
    /// asked to wait). Beside it, whether the destination is healthy, if a request was sent.
    async fn attempt(
        &self,
        event: &Event,
        set_headers: &HeaderMap,
        body: Bytes,
        timeout: Duration,
    ) -> (Attempt<StatusCode, ForwardError>, Option<bool>) {
        let content_type = event.content_type.as_deref().unwrap_or("application/octet-stream");
        let headers = match self.credentials(event, set_headers).await {
            Ok(headers) => headers,
            // Not now; the event is retried, and the secret may be readable then.
            Err(error) => return (Attempt::Stop(error), None),
        };
        let mut request = self
            .client
            .post(self.url.clone())
            .timeout(timeout)
            .headers(headers)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::USER_AGENT, USER_AGENT)
            .header("Idempotency-Key", &event.id)
            .header("X-Hookway-Source", &event.source)
            .header("X-Hookway-Attempt", event.attempt.to_string());
        if let Some(event_type) = &event.event_type {
            request = request.header("X-Hookway-Event-Type", event_type);
        }
        if let Some(run) = &event.replay {
            request = request.header("X-Hookway-Replay", run);
        }
        let response = match request.body(body).send().await {
            Ok(response) => response,
            Err(error) => return (Attempt::Retry(self.request_error(&error), None), Some(false)),
        };
        let status = response.status();
        // A refusal, even a 429, comes from a destination that is up: not an outage.
        let healthy = Some(!(status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT));
        if status.is_success() {
            return (Attempt::Done(status), healthy);
        }
        if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
            && self.secrets.refresh_soon(&self.parameters)
        {
            // Perhaps a rotated credential: the next attempt reads it again, so the refusal is
            // not final yet (a second one within the minimum gap is).
            tracing::info!(url = %self.url, %status, "credentials refused: reading them again, then a retry");
            return (Attempt::Retry(ForwardError::CredentialsRefused { url: self.url.clone(), status }, None), healthy);
        }
        if !is_retryable(status) {
            return (Attempt::Stop(ForwardError::Status { url: self.url.clone(), status }), healthy);
        }
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|value: &HeaderValue| value.to_str().ok())
            .and_then(|value| retry_after(value, SystemTime::now()));
        if retry_after.is_some() || status == StatusCode::TOO_MANY_REQUESTS {
            // Asked to wait: the event waits as long, outside the invocation.
            return (Attempt::Stop(ForwardError::Throttled { url: self.url.clone(), status, retry_after }), healthy);
        }
        (Attempt::Retry(ForwardError::Status { url: self.url.clone(), status }, None), healthy)
    }

    fn request_error(&self, error: &reqwest::Error) -> ForwardError {
        let reason = if error.is_timeout() {
            "timed out".to_owned()
        } else if error.is_connect() {
            "cannot connect".to_owned()
        } else {
            error.to_string()
        };
        ForwardError::Request { url: self.url.clone(), reason }
    }
}

/// The headers a transform set (`with_headers`), checked as config check checks static ones.
fn set_headers(set: &[(String, String)]) -> Result<HeaderMap, String> {
    let mut headers = HeaderMap::with_capacity(set.len());
    for (name, value) in set {
        if let Some(problem) = header_problem(name, value) {
            return Err(format!("with_headers: {problem}"));
        }
        let header = HeaderName::from_bytes(name.as_bytes()).ok().zip(HeaderValue::from_str(value).ok());
        let (name, value) = header.ok_or_else(|| format!("with_headers: `{name}` is not a valid HTTP header"))?;
        headers.insert(name, value);
    }
    Ok(headers)
}

#[async_trait]
impl Handler for Forward {
    async fn handle(&self, event: &Event, deadline: Deadline) -> Result<Option<Value>, HandlerError> {
        self.deliver(event, deadline, None).await.result
    }

    async fn deliver(&self, event: &Event, deadline: Deadline, slot: Option<i64>) -> Report {
        let set_headers = match set_headers(&event.set_headers) {
            Ok(headers) => headers,
            Err(reason) => {
                tracing::warn!(url = %self.url, %reason, "refused: its transform set a header Hookway does not send");
                let result = Err(format!("transform: {reason}").into());
                return Report {
                    result,
                    attempts: 0,
                    last_status: None,
                    latency: None,
                    permanent: true,
                    setback: None,
                };
            }
        };
        let set_headers = &set_headers;
        let held = |held: Held| match held {
            Held::Open(open) => ForwardError::CircuitOpen(open),
            Held::Paused => ForwardError::Paused(self.url.clone()),
            Held::RateLimited { slot } => ForwardError::RateLimited { url: self.url.clone(), slot },
            Held::Shared(reason) => ForwardError::Shared { url: self.url.clone(), reason },
        };
        let Series { result, sent, latency } = self
            .guards
            .run(deadline, slot, held, || {
                self.attempt(event, set_headers, event.body.clone(), self.timeout.min(deadline.remaining()))
            })
            .await;
        let result = match result {
            Ok(status) => {
                tracing::debug!(url = %self.url, attempts = sent, "forwarded");
                return Report {
                    result: Ok(None),
                    attempts: sent,
                    last_status: Some(status.as_u16()),
                    latency,
                    permanent: false,
                    setback: None,
                };
            }
            Err(RetryError::NoTime) => ForwardError::NoTime(self.url.clone()),
            Err(RetryError::Failed(error)) => error,
            Err(RetryError::OutOfTime(last)) => ForwardError::OutOfTime { attempts: sent, last: Box::new(last) },
        };
        let permanent = result.is_permanent();
        let setback = (!permanent).then(|| self.setback(&result, sent));
        Report {
            last_status: result.status().map(|status| status.as_u16()),
            latency,
            result: Err(result.into()),
            attempts: sent,
            permanent,
            setback,
        }
    }
}

impl Forward {
    /// What a failed delivery means for its next attempt.
    fn setback(&self, error: &ForwardError, sent: u32) -> Setback {
        let cause = match error {
            ForwardError::CircuitOpen(open) => Cause::Open(open.until_ms),
            ForwardError::Paused(_) => Cause::Paused,
            ForwardError::Throttled { retry_after, .. } => Cause::Throttled(*retry_after),
            ForwardError::RateLimited { slot, .. } => Cause::RateLimited(*slot),
            ForwardError::NoTime(_) => Cause::NoTime,
            _ => Cause::Failed,
        };
        cause.setback(sent)
    }
}
