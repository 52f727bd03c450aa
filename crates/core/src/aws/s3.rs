//! The two S3 calls the Lambdas make — `PutObject` and `GetObject` — signed with SigV4 (the SDK's
//! own `aws-sigv4`) and sent on the process's [`HttpClient`], without the SDK's S3 crate.
//!
//! That crate carries the endpoint rules of every S3 feature (Express One Zone, access points,
//! Outposts, …), flexible checksums and session auth: hundreds of kilobytes of each Lambda's arm64
//! package for two calls, when issue 14 asks for packages under 3 MB. The command line, which lists
//! and pages through the archive, keeps it (`archive::S3Store`, feature `sdk-s3`).
//!
//! What the SDK would have done is done here too ([`super::signed`]): credentials from the
//! configuration's provider (Lambda's environment), Hookway's timeouts (reading the answer's body
//! included: a claim-checked body of 4.45 MiB takes well under a second in-region) and up to three
//! attempts, with jittered back-off, for a call that failed in transit, was answered a `5xx`, or
//! `400 RequestTimeout` (S3's answer to an upload that stalled). The payload is sent as
//! `UNSIGNED-PAYLOAD`, which S3 accepts over TLS (TLS protects it on the way; a claim-checked
//! body's SHA-256 is checked again when it is read). An error says S3's code, message and request
//! id, as the SDK's did.
//!
//! The endpoint is the bucket's virtual host, `https://{bucket}.s3.{region}.{domain}` with the
//! domain of the region's partition, or, when the configuration names an
//! endpoint (`AWS_ENDPOINT_URL`: moto), the bucket as the first segment of its path.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignatureLocation, SigningSettings,
    UriPathNormalizationMode,
};
use aws_smithy_types::body::SdkBody;
use bytes::Bytes;
use http::{Method, StatusCode, header};

use super::signed::{Failure, Signed, partition_domain, with_retries};
use crate::archive::{ArchiveError, ObjectStore};

/// One bucket's objects, read and written by `GetObject` and `PutObject`.
#[derive(Clone)]
pub struct S3Objects {
    bucket: String,
    /// Where keys are appended, with a `/`: the bucket's virtual host, or the endpoint and bucket.
    base: String,
    signed: Signed,
}

impl fmt::Debug for S3Objects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Objects").field("bucket", &self.bucket).field("base", &self.base).finish_non_exhaustive()
    }
}

impl S3Objects {
    /// The bucket `bucket`, in `aws`'s region (or at its endpoint), with its credentials, on the
    /// process's HTTP client.
    pub fn new(aws: &SdkConfig, bucket: impl Into<String>) -> S3Objects {
        let bucket = bucket.into();
        let signed = Signed::new(aws, "s3");
        let region = signed.region();
        let base = match aws.endpoint_url() {
            Some(endpoint) => format!("{}/{bucket}", endpoint.trim_end_matches('/')),
            None => format!("https://{bucket}.s3.{region}.{}", partition_domain(region)),
        };
        S3Objects { bucket, base, signed }
    }

    /// The object's URL.
    fn url(&self, key: &str) -> String {
        format!("{}/{}", self.base, encode_key(key))
    }

    /// A pre-signed `GET` of `key`, good for `expires_in` (or until the credentials that signed
    /// it expire, if sooner: a Lambda's role session lasts at least as long as its invocation).
    pub async fn presigned_get(&self, key: &str, expires_in: Duration) -> Result<String, ArchiveError> {
        let request = http::Request::builder()
            .method(Method::GET)
            .uri(self.url(key))
            .body(SdkBody::empty())
            .map_err(|error| ArchiveError::Unavailable(error.to_string()))?;
        let mut settings = SigningSettings::default();
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(expires_in);
        self.signed.presign(request, settings).await.map_err(|failure| match failure {
            Failure::Retryable(reason) | Failure::Final(reason) => {
                ArchiveError::Unavailable(format!("pre-signing GET {key}: {reason}"))
            }
            Failure::NotFound => ArchiveError::NotFound(key.to_owned()),
        })
    }

    /// The bucket's name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Sends one call, attempted up to three times within the operation's timeout.
    async fn call(
        &self,
        operation: &str,
        method: Method,
        key: &str,
        headers: &[(header::HeaderName, String)],
        body: Bytes,
    ) -> Result<Bytes, ArchiveError> {
        let what = format!("S3 {operation} {key}");
        let outcome = with_retries(&what, || self.attempt(&method, key, headers, &body)).await;
        outcome.map_err(|failure| match failure {
            Failure::NotFound => ArchiveError::NotFound(key.to_owned()),
            Failure::Retryable(reason) | Failure::Final(reason) => {
                ArchiveError::Unavailable(format!("{what}: {reason}"))
            }
        })
    }

    /// One attempt: sign, send, read the answer.
    async fn attempt(
        &self,
        method: &Method,
        key: &str,
        headers: &[(header::HeaderName, String)],
        body: &Bytes,
    ) -> Result<Bytes, Failure> {
        let mut request = self.signed.request(method.clone(), &self.url(key), body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let request = request.body(SdkBody::from(body.clone())).map_err(|error| Failure::Final(error.to_string()))?;
        // As S3 expects it: the path encoded once, not normalised, and `x-amz-content-sha256` set.
        let mut settings = SigningSettings::default();
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        let response = self.signed.send(request, settings, SignableBody::UnsignedPayload).await?;
        let status = response.status();
        if status.is_success() {
            return Ok(response.into_body());
        }
        let code = xml_text(response.body(), "Code").unwrap_or_default();
        if status == StatusCode::NOT_FOUND && (code == "NoSuchKey" || code.is_empty()) {
            return Err(Failure::NotFound);
        }
        let mut reason = format!("{status} {code}: {}", xml_text(response.body(), "Message").unwrap_or_default());
        if status == StatusCode::FORBIDDEN && *method == Method::GET {
            // Without s3:ListBucket (the Lambdas have none), S3 answers a missing key with 403.
            reason.push_str(" (a missing or expired object reads as this without s3:ListBucket)");
        }
        if let Some(id) = response.headers().get("x-amz-request-id").and_then(|id| id.to_str().ok()) {
            reason.push_str(&format!(" (request id {id})"));
        }
        if status.is_server_error() || code == "RequestTimeout" {
            Err(Failure::Retryable(reason))
        } else {
            Err(Failure::Final(reason))
        }
    }
}

#[async_trait]
impl ObjectStore for S3Objects {
    async fn put(&self, key: &str, body: Bytes) -> Result<(), ArchiveError> {
        self.call("PutObject", Method::PUT, key, &[], body).await.map(drop)
    }

    async fn get(&self, key: &str, range: Option<(u64, u64)>) -> Result<Bytes, ArchiveError> {
        let headers: Vec<_> = range
            .map(|(offset, length)| (header::RANGE, format!("bytes={offset}-{}", (offset + length).saturating_sub(1))))
            .into_iter()
            .collect();
        self.call("GetObject", Method::GET, key, &headers, Bytes::new()).await
    }
}

/// A key as a URL path: every byte but the unreserved ones and `/` percent-encoded, as S3's
/// signature expects.
fn encode_key(key: &str) -> String {
    let mut encoded = String::with_capacity(key.len());
    for byte in key.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'/') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// An element's text in S3's XML error answer (`<Code>NoSuchKey</Code>`, `<Message>…`).
pub(crate) fn xml_text(body: &[u8], element: &str) -> Option<String> {
    let body = std::str::from_utf8(body).ok()?;
    let open = format!("<{element}>");
    let start = body.find(&open)? + open.len();
    let end = start + body[start..].find(&format!("</{element}>"))?;
    Some(body[start..end].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_encoded_once_and_slashes_kept() {
        assert_eq!(encode_key("events/github/2026/11/30/05/a_b.ndjson"), "events/github/2026/11/30/05/a_b.ndjson");
        assert_eq!(encode_key("bodies/a b/ä+=?"), "bodies/a%20b/%C3%A4%2B%3D%3F");
    }

    #[test]
    fn the_error_code_and_message_are_read_from_s3s_answer() {
        let answer = b"<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>no</Message></Error>";
        assert_eq!(xml_text(answer, "Code").as_deref(), Some("AccessDenied"));
        assert_eq!(xml_text(answer, "Message").as_deref(), Some("no"));
        assert_eq!(xml_text(b"not xml", "Code"), None);
    }

    #[test]
    fn the_endpoint_is_the_buckets_virtual_host_or_the_configured_one() {
        let aws = |region: &'static str, endpoint: Option<&str>| {
            let mut config = SdkConfig::builder().region(aws_config::Region::new(region));
            if let Some(endpoint) = endpoint {
                config = config.endpoint_url(endpoint);
            }
            config.build()
        };
        assert_eq!(
            S3Objects::new(&aws("eu-west-1", None), "hookway-archive").url("events/x"),
            "https://hookway-archive.s3.eu-west-1.amazonaws.com/events/x"
        );
        for (region, host) in [
            ("cn-north-1", "b.s3.cn-north-1.amazonaws.com.cn"),
            ("us-gov-west-1", "b.s3.us-gov-west-1.amazonaws.com"),
            ("eusc-de-east-1", "b.s3.eusc-de-east-1.amazonaws.eu"),
            ("us-iso-east-1", "b.s3.us-iso-east-1.c2s.ic.gov"),
            ("us-isob-east-1", "b.s3.us-isob-east-1.sc2s.sgov.gov"),
        ] {
            assert_eq!(S3Objects::new(&aws(region, None), "b").url("k"), format!("https://{host}/k"));
        }
        assert_eq!(
            S3Objects::new(&aws("us-east-1", Some("http://127.0.0.1:5000/")), "b").url("k"),
            "http://127.0.0.1:5000/b/k"
        );
    }
}
