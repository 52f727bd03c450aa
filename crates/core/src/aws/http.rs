//! The HTTP client every AWS SDK client of a process shares: hyper's pooled HTTP/1.1 client over
//! rustls with the process's one [`super::tls`] configuration.
//!
//! The SDK's own default client builds a rustls configuration (roots parsed anew) each time an
//! SDK client is created and once more per timeout setting; this one is built once, so that three
//! clients cost one. It also lets the Lambdas open a connection during init
//! ([`HttpClient::preconnect`]), so that the first request does not pay a handshake.

use std::sync::OnceLock;
use std::time::Duration;

use aws_smithy_runtime_api::client::connection::{CaptureSmithyConnection, ConnectionMetadata};
use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::ErrorKind;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{HttpConnector as TcpConnector, HttpInfo, capture_connection};
use hyper_util::rt::{TokioExecutor, TokioTimer};

use super::tls::{self, TlsError};

/// How long a TCP connection may take to open (the TLS handshake is within the SDK's attempt
/// timeout).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

type Hyper = Client<HttpsConnector<TcpConnector>, SdkBody>;

/// hyper over rustls, as an SDK HTTP client; cloning shares the pool.
#[derive(Debug, Clone)]
pub struct HttpClient {
    /// `Err` when the TLS configuration could not be built: every call then fails with why.
    hyper: Result<Hyper, TlsError>,
}

impl HttpClient {
    /// A client over `tls`.
    pub fn new(tls: &rustls::ClientConfig) -> HttpClient {
        let mut tcp = TcpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        tcp.set_connect_timeout(Some(CONNECT_TIMEOUT));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls.clone())
            .https_or_http()
            .enable_http1()
            .wrap_connector(tcp);
        let mut builder = Client::builder(TokioExecutor::new());
        builder.pool_timer(TokioTimer::new());
        HttpClient { hyper: Ok(builder.build(https)) }
    }

    /// The process's client, over the process's TLS configuration; built once.
    pub fn shared() -> HttpClient {
        static CLIENT: OnceLock<HttpClient> = OnceLock::new();
        CLIENT
            .get_or_init(|| match tls::client_config() {
                Ok(tls) => HttpClient::new(&tls),
                Err(error) => HttpClient { hyper: Err(error) },
            })
            .clone()
    }

    /// This client as the SDK takes it.
    pub fn into_shared(self) -> SharedHttpClient {
        SharedHttpClient::new(self)
    }

    /// Opens a connection to `endpoint` (`https://host[:port]`) and leaves it in the pool, for the
    /// first SDK request there to use: an unsigned `HEAD /`, whose answer, whatever it is, shows
    /// the connection works. AWS keeps such a connection open like any other.
    pub async fn preconnect(&self, endpoint: &str) -> Result<(), ConnectorError> {
        let hyper = self.hyper.as_ref().map_err(|error| ConnectorError::user(error.clone().into()))?;
        let request = http::Request::head(endpoint)
            .header(http::header::USER_AGENT, "hookway")
            .body(SdkBody::empty())
            .map_err(|error| ConnectorError::user(error.into()))?;
        hyper.request(request).await.map(drop).map_err(classify)
    }

    /// Sends a request its caller has signed and reads the whole answer: for the AWS calls Hookway
    /// makes without an SDK client ([`super::s3`]). Errors are classified as for the SDK's calls: a
    /// connection that broke or could not be opened may be retried.
    pub async fn send(&self, request: http::Request<SdkBody>) -> Result<http::Response<Bytes>, ConnectorError> {
        let hyper = self.hyper.as_ref().map_err(|error| ConnectorError::user(error.clone().into()))?;
        let (parts, body) = hyper.request(request).await.map_err(classify)?.into_parts();
        let body = body.collect().await.map_err(|error| ConnectorError::io(error.into()))?.to_bytes();
        Ok(http::Response::from_parts(parts, body))
    }
}

impl aws_smithy_runtime_api::client::http::HttpClient for HttpClient {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

impl HttpConnector for HttpClient {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let hyper = match &self.hyper {
            Ok(hyper) => hyper.clone(),
            Err(error) => return HttpConnectorFuture::ready(Err(ConnectorError::user(error.clone().into()))),
        };
        let mut request = match request.try_into_http1x() {
            Ok(request) => request,
            Err(error) => return HttpConnectorFuture::ready(Err(ConnectorError::user(error.into()))),
        };
        // Lets the SDK's retry policy poison a connection it no longer trusts.
        let captured = capture_connection(&mut request);
        if let Some(smithy) = request.extensions().get::<CaptureSmithyConnection>() {
            smithy.set_connection_retriever(move || {
                let connection = captured.connection_metadata();
                let connection = connection.as_ref()?;
                let mut extra = http::Extensions::new();
                connection.get_extras(&mut extra);
                let poison = captured.clone();
                let mut metadata = ConnectionMetadata::builder().proxied(false).poison_fn(move || {
                    if let Some(connection) = poison.connection_metadata().as_ref() {
                        connection.poison();
                    }
                });
                if let Some(info) = extra.get::<HttpInfo>() {
                    metadata = metadata.remote_addr(info.remote_addr()).local_addr(info.local_addr());
                }
                Some(metadata.build())
            });
        }
        HttpConnectorFuture::new(async move {
            let response = hyper.request(request).await.map_err(classify)?;
            HttpResponse::try_from(response.map(SdkBody::from_body_1_x))
                .map_err(|error| ConnectorError::other(error.into(), None))
        })
    }
}

/// Whether the SDK may retry: a connection that could not be opened, or broke, may be; anything
/// else is reported as it is.
fn classify(error: hyper_util::client::legacy::Error) -> ConnectorError {
    let broken = error.is_connect()
        || source::<std::io::Error>(&error).is_some()
        || source::<hyper::Error>(&error).is_some_and(|hyper| hyper.is_closed() || hyper.is_canceled());
    let incomplete = source::<hyper::Error>(&error).is_some_and(hyper::Error::is_incomplete_message);
    if broken {
        ConnectorError::io(error.into())
    } else if incomplete {
        ConnectorError::other(error.into(), Some(ErrorKind::TransientError))
    } else {
        ConnectorError::other(error.into(), None)
    }
}

/// The first error of type `E` in `error`'s chain.
fn source<'a, E: std::error::Error + 'static>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a E> {
    let mut next = Some(error);
    while let Some(error) = next {
        if let Some(found) = error.downcast_ref::<E>() {
            return Some(found);
        }
        next = error.source();
    }
    None
}
