//! What the AWS calls Hookway makes without an SDK service crate share — S3's `PutObject` and
//! `GetObject` ([`super::s3`]) and Firehose's `PutRecordBatch` ([`super::firehose`]): credentials
//! from the SDK configuration's provider (Lambda's environment), a SigV4 signature by the SDK's
//! own `aws-sigv4`, the process's one [`HttpClient`], Hookway's timeouts ([`ATTEMPT_TIMEOUT`] per
//! attempt, [`OPERATION_TIMEOUT`] in all) and up to [`ATTEMPTS`] attempts with jittered
//! back-off for what may succeed when tried again. The service crates would cost each Lambda's
//! arm64 package hundreds of kilobytes for a call or two.

use std::future::Future;
use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::retry::ErrorKind;
use bytes::Bytes;

use super::{ATTEMPT_TIMEOUT, HttpClient, OPERATION_TIMEOUT};

/// How many times a call is tried.
pub(crate) const ATTEMPTS: u32 = 3;
/// The first back-off; it doubles, and each wait is a random part of it (full jitter).
pub(crate) const BACKOFF: Duration = Duration::from_millis(50);

/// Why an attempt failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// In transit, a `5xx`, throttling: another attempt may succeed.
    Retryable(String),
    /// Anything else (`403`, a request that cannot be built): it would fail again.
    Final(String),
    /// `404`: no such object.
    NotFound,
}

/// One service's signer and sender, in one region, with the configuration's credentials.
#[derive(Clone)]
pub(crate) struct Signed {
    /// The signing name: `s3`, `firehose`.
    service: &'static str,
    region: String,
    credentials: Option<SharedCredentialsProvider>,
    /// `hookway app/<name>`: the SDK's application name, as its clients send it (CloudTrail shows
    /// which function made a call, and `make cost` counts each function's calls by it).
    user_agent: String,
    http: HttpClient,
}

impl Signed {
    /// `service` in `aws`'s region (us-east-1 if it names none), with its credentials and
    /// application name, on the process's HTTP client.
    pub(crate) fn new(aws: &SdkConfig, service: &'static str) -> Signed {
        let region = aws.region().map_or("us-east-1", |region| region.as_ref()).to_owned();
        let user_agent = match aws.app_name() {
            Some(app) => format!("hookway app/{app}"),
            None => "hookway".to_owned(),
        };
        Signed { service, region, credentials: aws.credentials_provider(), user_agent, http: HttpClient::shared() }
    }

    /// `service` in `region` (a resource's, from its ARN), otherwise as [`Signed::new`].
    pub(crate) fn in_region(aws: &SdkConfig, service: &'static str, region: &str) -> Signed {
        Signed { region: region.to_owned(), ..Signed::new(aws, service) }
    }

    /// The region.
    pub(crate) fn region(&self) -> &str {
        &self.region
    }

    /// The service's endpoint: the configuration's own (`AWS_ENDPOINT_URL`: moto), else
    /// `https://{host}.{region}.{partition's domain}`.
    pub(crate) fn endpoint(&self, aws: &SdkConfig, host: &str) -> String {
        match aws.endpoint_url() {
            Some(endpoint) => endpoint.trim_end_matches('/').to_owned(),
            None => format!("https://{host}.{}.{}", self.region, partition_domain(&self.region)),
        }
    }

    /// A request with the user agent and the body's length set.
    pub(crate) fn request(&self, method: http::Method, uri: &str, body: &Bytes) -> http::request::Builder {
        http::Request::builder()
            .method(method)
            .uri(uri)
            .header(http::header::USER_AGENT, &self.user_agent)
            .header(http::header::CONTENT_LENGTH, body.len())
    }

    /// Signs `request` with `settings` (`payload`: the body as signed) and sends it; the answer,
    /// whatever its status. A connection that broke, or could not be opened, is retryable.
    pub(crate) async fn send(
        &self,
        mut request: http::Request<SdkBody>,
        settings: SigningSettings,
        payload: SignableBody<'_>,
    ) -> Result<http::Response<Bytes>, Failure> {
        self.sign(&mut request, settings, payload).await?;
        self.http.send(request).await.map_err(|error| {
            let transient = error.is_io() || error.is_timeout() || error.as_other() == Some(ErrorKind::TransientError);
            let reason = DisplayErrorContext(&error).to_string();
            if transient { Failure::Retryable(reason) } else { Failure::Final(reason) }
        })
    }

    /// `request` signed in its query string, good for `expires_in`: a URL anyone holding it may
    /// use until then (or until the credentials that signed it expire, if sooner).
    pub(crate) async fn presign(
        &self,
        mut request: http::Request<SdkBody>,
        settings: SigningSettings,
    ) -> Result<String, Failure> {
        self.sign(&mut request, settings, SignableBody::UnsignedPayload).await?;
        Ok(request.uri().to_string())
    }

    async fn sign(
        &self,
        request: &mut http::Request<SdkBody>,
        settings: SigningSettings,
        payload: SignableBody<'_>,
    ) -> Result<(), Failure> {
        let Some(provider) = &self.credentials else {
            return Err(Failure::Final("no credentials in the SDK configuration".into()));
        };
        let credentials = provider.provide_credentials().await.map_err(|error| Failure::Final(error.to_string()))?;
        let identity = Identity::from(credentials);
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(self.service)
            .time(SystemTime::now())
            .settings(settings)
            .build()
            .map_err(|error| Failure::Final(error.to_string()))?
            .into();
        let uri = request.uri().to_string();
        let headers = request.headers().iter().filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)));
        let signable = SignableRequest::new(request.method().as_str(), &uri, headers, payload)
            .map_err(|error| Failure::Final(error.to_string()))?;
        let (instructions, _signature) =
            sign(signable, &params).map_err(|error| Failure::Final(error.to_string()))?.into_parts();
        instructions.apply_to_request_http1x(request);
        Ok(())
    }
}

/// Runs `attempt` until it succeeds, fails for good, or [`ATTEMPTS`] are made — each within
/// [`ATTEMPT_TIMEOUT`], all within [`OPERATION_TIMEOUT`] — waiting a jittered, doubling back-off
/// between them. `what` names the call in the debug line of a retry.
pub(crate) async fn with_retries<T, F, Fut>(what: &str, mut attempt: F) -> Result<T, Failure>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Failure>>,
{
    let attempts = async {
        let mut made = 1;
        loop {
            let outcome = tokio::time::timeout(ATTEMPT_TIMEOUT, attempt())
                .await
                .unwrap_or_else(|_| Err(Failure::Retryable(format!("no answer within {ATTEMPT_TIMEOUT:?}"))));
            match outcome {
                Err(Failure::Retryable(reason)) if made < ATTEMPTS => {
                    tracing::debug!(call = what, attempt = made, reason, "AWS call failed, trying again");
                    tokio::time::sleep(jittered(BACKOFF * 2u32.pow(made - 1))).await;
                    made += 1;
                }
                outcome => return outcome,
            }
        }
    };
    tokio::time::timeout(OPERATION_TIMEOUT, attempts)
        .await
        .unwrap_or_else(|_| Err(Failure::Retryable(format!("no answer within {OPERATION_TIMEOUT:?}"))))
}

/// The domain of a region's partition, as the SDK's partition table has it: `aws-cn`, the
/// European Sovereign Cloud, the ISO partitions, and `amazonaws.com` for every other region
/// (commercial and GovCloud).
pub(crate) fn partition_domain(region: &str) -> &'static str {
    const PARTITIONS: [(&str, &str); 6] = [
        ("cn-", "amazonaws.com.cn"),
        ("eusc-", "amazonaws.eu"),
        ("us-isob-", "sc2s.sgov.gov"),
        ("us-isof-", "csp.hci.ic.gov"),
        ("us-iso-", "c2s.ic.gov"),
        ("eu-isoe-", "cloud.adc-e.uk"),
    ];
    PARTITIONS.iter().find(|(prefix, _)| region.starts_with(prefix)).map_or("amazonaws.com", |(_, domain)| domain)
}

/// A random part of `limit`.
pub(crate) fn jittered(limit: Duration) -> Duration {
    let mut bytes = [0; 4];
    let fraction = match getrandom::fill(&mut bytes) {
        Ok(()) => f64::from(u32::from_le_bytes(bytes)) / f64::from(u32::MAX),
        Err(_) => 1.0,
    };
    limit.mul_f64(fraction)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[test]
    fn back_off_is_never_longer_than_its_limit() {
        for _ in 0..100 {
            assert!(jittered(BACKOFF) <= BACKOFF);
        }
    }

    #[tokio::test]
    async fn a_retryable_failure_is_tried_again_and_a_final_one_is_not() {
        let made = AtomicU32::new(0);
        let outcome = with_retries("test", || async {
            made.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(Failure::Retryable("503".into()))
        })
        .await;
        assert!(matches!(outcome, Err(Failure::Retryable(_))));
        assert_eq!(made.swap(0, Ordering::SeqCst), ATTEMPTS);
        let outcome = with_retries("test", || async {
            made.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(Failure::Final("403".into()))
        })
        .await;
        assert!(matches!(outcome, Err(Failure::Final(_))));
        assert_eq!(made.swap(0, Ordering::SeqCst), 1);
        let outcome = with_retries("test", || async {
            match made.fetch_add(1, Ordering::SeqCst) {
                0 => Err(Failure::Retryable("reset".into())),
                _ => Ok(7),
            }
        })
        .await;
        assert_eq!(outcome.ok(), Some(7));
    }
}
