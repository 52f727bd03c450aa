//! The `forward` handler: POST the event's original body and content type to a URL.
//!
//! * `Idempotency-Key` is the event id, so the destination can drop a repeat of a delivery;
//! * each attempt has a timeout (default 10 s), never past the invocation's deadline;
//! * failures are retried by the [`RetryPolicy`] (exponential backoff and full jitter within the
//!   invocation's time budget, `Retry-After` honoured); a 4xx other than 408 and 429 is not;
//! * a circuit breaker per destination stops calling one that keeps failing, for a cool-down;
//! * redirects are not followed (a webhook POST must not turn into a GET elsewhere).
//!
//! When attempts or time run out, the event fails: the queue retries it later, then moves it to
//! the dead-letter queue with the last error.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use bytes::Bytes;
use hookway_core::config::ForwardConfig;
use http::{HeaderValue, StatusCode, header};
use serde_json::Value;

use super::{Handler, HandlerError};
use crate::breaker::{CircuitBreaker, CircuitOpen};
use crate::deadline::Deadline;
use crate::event::Event;
use crate::retry::{Attempt, Backoff, RetryError, RetryPolicy, retry_after};

/// The `User-Agent` of forwarded requests.
const USER_AGENT: &str = concat!("Hookway/", env!("CARGO_PKG_VERSION"));

/// Forwards events to one destination.
#[derive(Debug)]
pub struct Forward {
    client: reqwest::Client,
    url: reqwest::Url,
    timeout: Duration,
    retry: RetryPolicy,
    breaker: Arc<CircuitBreaker>,
}

/// Why a forward failed.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    /// The destination's circuit is open.
    #[error(transparent)]
    CircuitOpen(#[from] CircuitOpen),
    /// The destination answered with an error status.
    #[error("{url} answered {status}")]
    Status {
        /// The destination.
        url: reqwest::Url,
        /// Its answer.
        status: StatusCode,
    },
    /// The request did not complete: connection refused, timeout, ...
    #[error("POST {url} failed: {reason}")]
    Request {
        /// The destination.
        url: reqwest::Url,
        /// What went wrong.
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

impl Forward {
    /// A forward handler for `settings`, sharing the destination's `breaker` and the worker's
    /// HTTP `client` (built once, at start-up).
    pub fn new(
        settings: &ForwardConfig,
        client: reqwest::Client,
        breaker: Arc<CircuitBreaker>,
    ) -> Result<Forward, url::ParseError> {
        Ok(Forward {
            client,
            url: settings.url.parse()?,
            timeout: Duration::from_secs(u64::from(settings.timeout_seconds)),
            retry: RetryPolicy::new(settings.max_attempts, Backoff::default()),
            breaker,
        })
    }

    /// The same handler with another backoff (tests use short ones).
    pub fn with_backoff(mut self, backoff: Backoff) -> Forward {
        self.retry = self.retry.with_backoff(backoff);
        self
    }

    /// The destination.
    pub fn url(&self) -> &reqwest::Url {
        &self.url
    }

    /// One POST: done, worth retrying, or refused by the destination.
    async fn attempt(&self, event: &Event, body: Bytes, timeout: Duration) -> Attempt<(), ForwardError> {
        let content_type = event.content_type.as_deref().unwrap_or("application/octet-stream");
        let mut request = self
            .client
            .post(self.url.clone())
            .timeout(timeout)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::USER_AGENT, USER_AGENT)
            .header("Idempotency-Key", &event.id)
            .header("X-Hookway-Source", &event.source)
            .header("X-Hookway-Attempt", event.attempt.to_string());
        if let Some(event_type) = &event.event_type {
            request = request.header("X-Hookway-Event-Type", event_type);
        }
        let response = match request.body(body).send().await {
            Ok(response) => response,
            Err(error) => return Attempt::Retry(self.request_error(&error), None),
        };
        let status = response.status();
        if status.is_success() {
            return Attempt::Done(());
        }
        let error = ForwardError::Status { url: self.url.clone(), status };
        let retryable = status.is_server_error()
            || status == StatusCode::REQUEST_TIMEOUT
            || status == StatusCode::TOO_MANY_REQUESTS;
        if !retryable {
            return Attempt::Stop(error);
        }
        let wait = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|value: &HeaderValue| value.to_str().ok())
            .and_then(|value| retry_after(value, SystemTime::now()));
        Attempt::Retry(error, wait)
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

#[async_trait]
impl Handler for Forward {
    async fn handle(&self, event: &Event, deadline: Deadline) -> Result<Option<Value>, HandlerError> {
        let body = Bytes::copy_from_slice(&event.body);
        let (attempts, result) = self
            .retry
            .run(deadline, |_, time_left| {
                let body = body.clone();
                async move {
                    if let Err(open) = self.breaker.acquire() {
                        return Attempt::Stop(open.into());
                    }
                    let attempt = self.attempt(event, body, self.timeout.min(time_left)).await;
                    // A refusal comes from a destination that is up: it is not an outage.
                    self.breaker.record(!matches!(attempt, Attempt::Retry(..)));
                    attempt
                }
            })
            .await;
        match result {
            Ok(()) => {
                tracing::info!(url = %self.url, attempts, "forwarded");
                Ok(None)
            }
            Err(RetryError::NoTime) => Err(ForwardError::NoTime(self.url.clone()).into()),
            Err(RetryError::Failed(error)) => Err(error.into()),
            Err(RetryError::OutOfTime(last)) => Err(ForwardError::OutOfTime { attempts, last: Box::new(last) }.into()),
        }
    }
}
