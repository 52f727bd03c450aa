//! The AWS SDK configuration every Hookway process shares: one TLS configuration and one pooled
//! HTTP client per process ([`tls`], [`http`]), `AWS_ENDPOINT_URL` honoured (the local stack
//! points it at moto), and timeouts short enough that a webhook sender is answered 503 well
//! before its own timeout.
//!
//! The Lambdas take [`lambda_sdk_config`]: Lambda hands a function its region and credentials in
//! environment variables, so nothing else of the default chains (profiles, SSO, web identity,
//! IMDS) is built at init or linked into the binary. The command line takes [`sdk_config`], the
//! default chains whole. An SDK error is said in words by [`sdk_error_words`].

pub mod failure;
pub mod firehose;
pub mod http;
pub mod s3;
mod signed;
pub mod targets;
pub mod tls;

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

use aws_config::environment::credentials::EnvironmentVariableCredentialsProvider;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{AppName, BehaviorVersion, ConfigLoader, Region};
use aws_credential_types::provider::SharedCredentialsProvider;

pub use self::failure::{AwsFailure, sdk_error_words};
pub use self::http::HttpClient;
pub use aws_config::SdkConfig;
pub use aws_smithy_types::endpoint::Endpoint;

/// How long one attempt of an AWS call may take.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long an AWS call may take, retries included.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(5);
/// The variable the local stack points at moto.
pub const ENDPOINT_URL_ENV: &str = "AWS_ENDPOINT_URL";

/// The SDK configuration cannot be built from the environment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AwsConfigError {
    /// Lambda always sets it; elsewhere, set it.
    #[error("AWS_REGION is not set")]
    NoRegion,
    /// Not a valid SDK application name (letters, digits and `!#$%&'*+-.^_`|~`).
    #[error("{0:?} is not a valid AWS SDK application name")]
    AppName(&'static str),
    /// The TLS configuration.
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
}

fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(http::CONNECT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build()
}

/// Applies Hookway's timeouts and the process's HTTP client to a loader.
pub fn tuned(loader: ConfigLoader) -> ConfigLoader {
    loader.timeout_config(timeouts()).http_client(HttpClient::shared().into_shared())
}

/// The SDK configuration from the environment's default chains, built once at start-up.
pub async fn sdk_config() -> SdkConfig {
    tuned(aws_config::defaults(BehaviorVersion::latest())).load().await
}

/// A Lambda's SDK configuration: region, credentials and `AWS_ENDPOINT_URL` from the environment
/// Lambda sets, the process's HTTP client and Hookway's timeouts. Nothing is read or resolved
/// until the first call (credentials included), and nothing but the environment is consulted.
///
/// `app` names the function in every call's user agent (`app/hookway-intake`): CloudTrail shows
/// which function made a call, and `make cost` counts each function's calls by it.
pub fn lambda_sdk_config(app: &'static str) -> Result<SdkConfig, AwsConfigError> {
    tls::client_config()?;
    let region = std::env::var("AWS_REGION").map_err(|_| AwsConfigError::NoRegion)?;
    let mut config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region))
        .credentials_provider(SharedCredentialsProvider::new(EnvironmentVariableCredentialsProvider::new()))
        .http_client(HttpClient::shared().into_shared())
        .timeout_config(timeouts())
        .retry_config(RetryConfig::standard())
        .app_name(AppName::new(app).map_err(|_| AwsConfigError::AppName(app))?);
    if let Ok(endpoint) = std::env::var(ENDPOINT_URL_ENV) {
        config = config.endpoint_url(endpoint);
    }
    Ok(config.build())
}

/// `aws`, with `app` as the application name in its calls' user agent (left as it was if `app`
/// is not a valid one).
pub fn with_app_name(aws: &SdkConfig, app: &'static str) -> SdkConfig {
    let mut builder = aws.to_builder();
    if let Ok(app) = AppName::new(app) {
        builder.set_app_name(Some(app));
    }
    builder.build()
}

/// Opens, during init, the connection a service's first call will use, at the endpoint that
/// `endpoint` resolves (the service's own resolver, so that it is the very same); a failure is
/// only logged: the first call then connects, as it would have.
pub async fn preconnect<E: Display>(service: &str, endpoint: impl Future<Output = Result<Endpoint, E>>) {
    let connected = match endpoint.await {
        Ok(endpoint) => HttpClient::shared().preconnect(endpoint.url()).await.map_err(|error| error.to_string()),
        Err(error) => Err(error.to_string()),
    };
    if let Err(error) = connected {
        tracing::warn!(service, %error, "cannot connect during init");
    }
}
