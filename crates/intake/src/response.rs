//! Every way a request can fail, and the one status each maps to. Error bodies are
//! `{"error": "<short reason>"}`: they never reveal a secret, nor which signature check failed.

use hookway_core::archive::ArchiveError;
use hookway_core::envelope::EnvelopeError;
use hookway_core::scheme::{MalformedEvent, VerifyError};
use hookway_core::secret_cache::StoreError as SecretsError;
use hookway_core::store::StoreError;
use http::{Method, StatusCode, header};
use lambda_http::{Body, Response};
use serde::Serialize;

use crate::metrics::Reason;
use crate::queue::QueueError;

/// Seconds a sender is asked to wait before retrying a 503.
pub const RETRY_AFTER_SECONDS: u32 = 10;

/// Why a request was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum Rejection {
    /// No route has this path.
    #[error("no route for this path")]
    NoRoute,
    /// No source has this name.
    #[error("unknown source")]
    UnknownSource,
    /// No job has this id.
    #[error("unknown job")]
    UnknownJob,
    /// The route exists, the method does not.
    #[error("method {method} not allowed")]
    MethodNotAllowed {
        /// The method used.
        method: Method,
        /// The methods the route has.
        allow: &'static str,
    },
    /// The sender's address is outside the source's `allowIps` (or unknown).
    #[error("address {} is not in the source's allowIps", .address.map_or_else(|| "(unknown)".to_owned(), |address| address.to_string()))]
    Forbidden {
        /// The address the request came from.
        address: Option<std::net::IpAddr>,
        /// Answer 404, as if the endpoint did not exist.
        hidden: bool,
    },
    /// The body is over the configured limit.
    #[error("body of {size} bytes is over the {limit} byte limit")]
    TooLarge {
        /// The body's size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The signature did not verify.
    #[error("rejected: {reason}")]
    Unauthorized {
        /// Why, for the log only.
        reason: VerifyError,
        /// Answer 404, as if the endpoint did not exist.
        hidden: bool,
    },
    /// A `GET` handshake whose check failed (a wrong verify token, no challenge).
    #[error("handshake refused")]
    HandshakeRefused {
        /// Answer 404, as if the endpoint did not exist.
        hidden: bool,
    },
    /// Verified, but the event cannot be named.
    #[error("malformed event: {0}")]
    Malformed(#[from] MalformedEvent),
    /// The source's secrets could not be read.
    #[error(transparent)]
    SecretsUnavailable(#[from] SecretsError),
    /// The queue did not take the event.
    #[error(transparent)]
    QueueUnavailable(#[from] QueueError),
    /// The archive bucket did not take a large body.
    #[error(transparent)]
    ArchiveUnavailable(#[from] ArchiveError),
    /// The state table could not be read.
    #[error(transparent)]
    TableUnavailable(#[from] StoreError),
    /// The envelope could not be written.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
}

/// One answer of the intake: its status, its body, the headers it adds,
/// and when it is given. [`ANSWERS`] lists them all; docs/reference/intake.md is made from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    /// The status.
    pub status: u16,
    /// A refusal's reason: its body is `{"error": "<error>"}`.
    pub error: &'static str,
    /// Else, what its body holds.
    pub body: &'static str,
    /// The headers it adds, besides `Content-Type: application/json`.
    pub headers: &'static str,
    /// When the intake gives it.
    pub when: &'static str,
}

/// A webhook queued.
pub const ACCEPTED: Answer = Answer {
    status: 202,
    error: "",
    body: r#"{"id": "<event id>"}"#,
    headers: "",
    when: "The signature is valid and the events queue has the event. The id is the provider's event id (or, for a provider that sends none, one derived from the body), the one `hookway events show` takes.",
};
/// A provider's handshake, answered.
pub const HANDSHAKE: Answer = Answer {
    status: 200,
    error: "",
    body: "the provider's answer (a challenge echoed, a token)",
    headers: "the provider's content type",
    when: "A handshake: a signed `POST` (Slack's `url_verification`, Zoom's `endpoint.url_validation`, Twitch's and Discord's) after its signature check, or a `GET` to a source whose provider has one (Meta's `hub.challenge`, Dropbox's `challenge`). It never reaches the queue.",
};
/// A job's status.
pub const JOB_STATUS: Answer = Answer {
    status: 200,
    error: "",
    body: r#"{"jobId", "status", "attempts", "type", "createdAt", "updatedAt", "result", "error", "executionArn"}"#,
    headers: "",
    when: "`GET /jobs/{id}` through the REST API (behind its API key): the job's record in the state table. `status` is `ACCEPTED`, `RUNNING`, `SUCCEEDED` or `FAILED`; `type`, `result`, `error` and `executionArn` only when there is one.",
};
/// Verified, but not an event.
pub const MALFORMED_EVENT: Answer = Answer {
    status: 400,
    error: "malformed event: <why>",
    body: "",
    headers: "",
    when: "The signature is valid but the event cannot be named: its id or type is not where the provider puts them (a Stripe body that is not JSON).",
};
/// Not a request.
pub const MALFORMED_REQUEST: Answer = Answer {
    status: 400,
    error: "malformed request: <why>",
    body: "",
    headers: "",
    when: "The event Lambda handed over cannot be a request: a `Host` or `X-Forwarded-Proto` that make no URL, a query that is no URI, a body that is not the base64 it says it is.",
};
/// A bad signature.
pub const UNAUTHORIZED: Answer = Answer {
    status: 401,
    error: "invalid signature",
    body: "",
    headers: "",
    when: "The signature is missing, malformed, wrong or too old. The body never says which; the intake's log line does.",
};
/// An address outside `allowIps`, or a refused handshake.
pub const FORBIDDEN: Answer = Answer {
    status: 403,
    error: "forbidden",
    body: "",
    headers: "",
    when: "The sender's address is outside the source's `allowIps` (checked first, before the size and the signature), or a `GET` handshake whose check failed (a wrong verify token, no challenge).",
};
/// Nothing here, or a refusal hidden as such.
pub const NOT_FOUND: Answer = Answer {
    status: 404,
    error: "not found",
    body: "",
    headers: "",
    when: "No source of that name, no job of that id, a path that is neither `/webhooks/{source}` nor `/jobs/{id}` (or `/jobs/{id}` through an HTTP API or a Function URL); and, on a source with `hideRejections`, what would be a 401 or a 403.",
};
/// A method the path does not take.
pub const METHOD_NOT_ALLOWED: Answer = Answer {
    status: 405,
    error: "method not allowed",
    body: "",
    headers: "`Allow`: the path's methods",
    when: "A method other than `POST` or `GET` on `/webhooks/{source}`, a `GET` to a source whose provider has no `GET` handshake, or other than `GET` on `/jobs/{id}`.",
};
/// A body over the limit.
pub const PAYLOAD_TOO_LARGE: Answer = Answer {
    status: 413,
    error: "payload too large",
    body: "",
    headers: "",
    when: "The body is over `intake.maxBodyBytes`.",
};
/// A fault of the intake's own.
pub const INTERNAL_ERROR: Answer = Answer {
    status: 500,
    error: "internal error",
    body: "",
    headers: "",
    when: "The event's message could not be written (a fault of the intake, never of the sender).",
};
/// AWS did not answer.
pub const UNAVAILABLE: Answer = Answer {
    status: 503,
    error: "temporarily unavailable, retry later",
    body: "",
    headers: "`Retry-After: 10`",
    when: "SQS did not take the event; or S3 did not take a body over 256 KiB; or SSM could not give the source's secrets; or the state table could not be read for a job. Nothing was acknowledged: the sender retries.",
};

/// Every answer the intake gives, in the order of their status.
pub const ANSWERS: [Answer; 12] = [
    JOB_STATUS,
    HANDSHAKE,
    ACCEPTED,
    MALFORMED_EVENT,
    MALFORMED_REQUEST,
    UNAUTHORIZED,
    FORBIDDEN,
    NOT_FOUND,
    METHOD_NOT_ALLOWED,
    PAYLOAD_TOO_LARGE,
    INTERNAL_ERROR,
    UNAVAILABLE,
];

impl Rejection {
    /// The answer this rejection is given.
    pub fn answer(&self) -> &'static Answer {
        match self {
            Rejection::NoRoute
            | Rejection::UnknownSource
            | Rejection::UnknownJob
            | Rejection::Unauthorized { hidden: true, .. }
            | Rejection::Forbidden { hidden: true, .. }
            | Rejection::HandshakeRefused { hidden: true } => &NOT_FOUND,
            Rejection::Forbidden { hidden: false, .. } | Rejection::HandshakeRefused { hidden: false } => &FORBIDDEN,
            Rejection::MethodNotAllowed { .. } => &METHOD_NOT_ALLOWED,
            Rejection::TooLarge { .. } | Rejection::Envelope(EnvelopeError::TooLarge(_)) => &PAYLOAD_TOO_LARGE,
            Rejection::Unauthorized { hidden: false, .. } => &UNAUTHORIZED,
            Rejection::Malformed(_) => &MALFORMED_EVENT,
            Rejection::SecretsUnavailable(_)
            | Rejection::QueueUnavailable(_)
            | Rejection::ArchiveUnavailable(_)
            | Rejection::TableUnavailable(_) => &UNAVAILABLE,
            Rejection::Envelope(_) => &INTERNAL_ERROR,
        }
    }

    /// The status this rejection is answered with.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.answer().status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// What the sender is told: the answer's, or the malformed event's reason.
    fn public_reason(&self) -> String {
        match self {
            Rejection::Malformed(_) => self.to_string(),
            _ => self.answer().error.to_owned(),
        }
    }

    /// How the metrics count this rejection, if they do.
    pub fn metric_reason(&self) -> Option<Reason> {
        match self {
            Rejection::UnknownSource => Some(Reason::UnknownSource),
            Rejection::Forbidden { .. } => Some(Reason::Ip),
            Rejection::TooLarge { .. } | Rejection::Envelope(EnvelopeError::TooLarge(_)) => Some(Reason::Size),
            Rejection::Unauthorized { .. } => Some(Reason::Signature),
            _ => None,
        }
    }

    /// The level its line deserves, as [`Rejection::log`] logs it.
    pub fn level(&self) -> &'static str {
        match self.status() {
            StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => "INFO",
            status if status.is_server_error() => "ERROR",
            _ => "WARN",
        }
    }

    /// Logs the rejection at the level it deserves, with its full reason.
    pub fn log(&self) {
        let status = self.status().as_u16();
        match self.status() {
            StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => {
                tracing::info!(status, reason = %self, "rejected")
            }
            status if status.is_server_error() => {
                tracing::error!(status = status.as_u16(), reason = %self, "not accepted")
            }
            _ => tracing::warn!(status, reason = %self, "rejected"),
        }
    }

    /// The response.
    pub fn into_response(self) -> Response<Body> {
        let mut response = json(self.status(), &ErrorBody { error: &self.public_reason() });
        let headers = response.headers_mut();
        match self {
            Rejection::MethodNotAllowed { allow, .. } => {
                headers.insert(header::ALLOW, header::HeaderValue::from_static(allow));
            }
            Rejection::SecretsUnavailable(_)
            | Rejection::QueueUnavailable(_)
            | Rejection::ArchiveUnavailable(_)
            | Rejection::TableUnavailable(_) => {
                headers.insert(header::RETRY_AFTER, RETRY_AFTER_SECONDS.into());
            }
            _ => {}
        }
        response
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
}

/// A JSON response.
pub fn json(status: StatusCode, body: &impl Serialize) -> Response<Body> {
    let text = serde_json::to_string(body).unwrap_or_else(|_| String::from("{}"));
    let mut response = Response::new(Body::Text(text));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
    response
}

/// `{"error": reason}` with `status`.
pub fn error_response(status: StatusCode, reason: &str) -> Response<Body> {
    json(status, &ErrorBody { error: reason })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A rejection's response is its answer: the status, `{"error": …}`, and the headers it names.
    #[test]
    fn a_rejection_is_answered_as_the_list_says() {
        let rejections = [
            Rejection::NoRoute,
            Rejection::UnknownSource,
            Rejection::UnknownJob,
            Rejection::MethodNotAllowed { method: Method::PUT, allow: "GET, POST" },
            Rejection::Forbidden { address: None, hidden: false },
            Rejection::Forbidden { address: None, hidden: true },
            Rejection::TooLarge { size: 2, limit: 1 },
            Rejection::HandshakeRefused { hidden: false },
            Rejection::HandshakeRefused { hidden: true },
        ];
        for rejection in rejections {
            let answer = *rejection.answer();
            assert!(ANSWERS.contains(&answer), "{answer:?}");
            let response = rejection.into_response();
            assert_eq!(response.status().as_u16(), answer.status);
            let Body::Text(body) = response.body() else { panic!("a JSON body") };
            assert_eq!(body, &serde_json::json!({"error": answer.error}).to_string());
            let header = answer.headers.split('`').nth(1).map(|header| header.split(':').next().unwrap_or_default());
            assert_eq!(
                header.map(|header| response.headers().contains_key(header)),
                header.map(|_| true),
                "{answer:?}"
            );
        }
        assert!(UNAVAILABLE.headers.contains(&format!("Retry-After: {RETRY_AFTER_SECONDS}")));
    }

    /// Each answer has its when, and a body; a refusal's is `{"error": …}` alone.
    #[test]
    fn every_answer_says_when_and_what() {
        for answer in ANSWERS {
            assert!(!answer.when.is_empty(), "{answer:?}");
            assert!(answer.error.is_empty() != answer.body.is_empty(), "{answer:?}");
            assert_eq!(answer.status >= 400, !answer.error.is_empty(), "{answer:?}");
        }
        assert!(ANSWERS.windows(2).all(|pair| pair[0].status <= pair[1].status), "in the order of their status");
    }
}
