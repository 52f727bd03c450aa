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

impl Rejection {
    /// The status this rejection is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            Rejection::NoRoute
            | Rejection::UnknownSource
            | Rejection::UnknownJob
            | Rejection::Unauthorized { hidden: true, .. }
            | Rejection::Forbidden { hidden: true, .. }
            | Rejection::HandshakeRefused { hidden: true } => StatusCode::NOT_FOUND,
            Rejection::Forbidden { hidden: false, .. } | Rejection::HandshakeRefused { hidden: false } => {
                StatusCode::FORBIDDEN
            }
            Rejection::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Rejection::TooLarge { .. } | Rejection::Envelope(EnvelopeError::TooLarge(_)) => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            Rejection::Unauthorized { hidden: false, .. } => StatusCode::UNAUTHORIZED,
            Rejection::Malformed(_) => StatusCode::BAD_REQUEST,
            Rejection::SecretsUnavailable(_)
            | Rejection::QueueUnavailable(_)
            | Rejection::ArchiveUnavailable(_)
            | Rejection::TableUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Rejection::Envelope(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the sender is told.
    fn public_reason(&self) -> String {
        match self.status() {
            StatusCode::NOT_FOUND => "not found".into(),
            StatusCode::METHOD_NOT_ALLOWED => "method not allowed".into(),
            StatusCode::PAYLOAD_TOO_LARGE => "payload too large".into(),
            StatusCode::UNAUTHORIZED => "invalid signature".into(),
            StatusCode::FORBIDDEN => "forbidden".into(),
            StatusCode::SERVICE_UNAVAILABLE => "temporarily unavailable, retry later".into(),
            StatusCode::BAD_REQUEST => self.to_string(),
            _ => "internal error".into(),
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
