//! The AWS SDK configuration every Hookway process shares: the default credential chain and
//! region, `AWS_ENDPOINT_URL` honoured (the local stack points it at moto), and timeouts short
//! enough that a webhook sender is answered 503 well before its own timeout.

use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};

/// How long one attempt of an AWS call may take.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long an AWS call may take, retries included.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(5);

/// Applies Hookway's timeouts to a loader.
pub fn tuned(loader: ConfigLoader) -> ConfigLoader {
    loader.timeout_config(
        TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(1))
            .operation_attempt_timeout(ATTEMPT_TIMEOUT)
            .operation_timeout(OPERATION_TIMEOUT)
            .build(),
    )
}

/// The SDK configuration from the environment, built once at start-up.
pub async fn sdk_config() -> SdkConfig {
    tuned(aws_config::defaults(BehaviorVersion::latest())).load().await
}
