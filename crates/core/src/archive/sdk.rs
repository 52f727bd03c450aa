//! The archive bucket through the SDK's S3 client: the command line's and the local stack's, which
//! list and page through it. The Lambdas put and get objects without it
//! ([`crate::aws::s3::S3Objects`]), so they do not compile it (feature `sdk-s3`).

use std::fmt;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use bytes::Bytes;

use super::{ArchiveError, Listing, ObjectStore};

/// An S3 client for `aws`; with an endpoint of its own (moto), path-style addressing, as a local
/// endpoint has no bucket subdomains.
pub fn s3_client(aws: &SdkConfig) -> aws_sdk_s3::Client {
    let mut builder = aws_sdk_s3::config::Builder::from(aws);
    if aws.endpoint_url().is_some() {
        builder = builder.force_path_style(true);
    }
    aws_sdk_s3::Client::from_conf(builder.build())
}

/// The archive bucket in S3 through the SDK: the command line's, which also lists it.
#[derive(Debug, Clone)]
pub struct S3Store {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3Store {
    /// The bucket `bucket`.
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> S3Store {
        S3Store { client, bucket: bucket.into() }
    }

    /// Lists a prefix, every page of it; with `delimited`, one level of `/`.
    pub async fn list(&self, prefix: &str, delimited: bool) -> Result<Listing, ArchiveError> {
        self.pages(prefix, delimited, None).await
    }

    /// The keys under `prefix` that sort after `start_after`, every page of them: one
    /// `ListObjectsV2` for up to 1,000 keys. Batch objects' keys sort by their first event's time
    /// ([`super::batch_key`]), so this is how `hookway events tail` reads only what is new.
    pub async fn list_after(&self, prefix: &str, start_after: &str) -> Result<Vec<String>, ArchiveError> {
        Ok(self.pages(prefix, false, Some(start_after)).await?.keys)
    }

    async fn pages(&self, prefix: &str, delimited: bool, start_after: Option<&str>) -> Result<Listing, ArchiveError> {
        let mut listing = Listing::default();
        let mut token = None;
        loop {
            let mut request = self.client.list_objects_v2().bucket(&self.bucket).prefix(prefix);
            if delimited {
                request = request.delimiter("/");
            }
            let output = request
                .set_start_after(start_after.map(str::to_owned))
                .set_continuation_token(token)
                .send()
                .await
                .map_err(unavailable)?;
            listing.keys.extend(output.contents().iter().filter_map(|object| object.key().map(str::to_owned)));
            listing.prefixes.extend(output.common_prefixes().iter().filter_map(|p| p.prefix().map(str::to_owned)));
            token = output.next_continuation_token().map(str::to_owned);
            if token.is_none() {
                return Ok(listing);
            }
        }
    }
}

fn unavailable<E: ProvideErrorMetadata + std::error::Error + 'static, R: fmt::Debug>(
    error: aws_sdk_s3::error::SdkError<E, R>,
) -> ArchiveError {
    ArchiveError::Unavailable(crate::aws::sdk_error_words(&error))
}

#[async_trait]
impl ObjectStore for S3Store {
    async fn put(&self, key: &str, body: Bytes) -> Result<(), ArchiveError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(ByteStream::from(body))
            .send()
            .await
            .map(drop)
            .map_err(unavailable)
    }

    async fn get(&self, key: &str, range: Option<(u64, u64)>) -> Result<Bytes, ArchiveError> {
        let mut request = self.client.get_object().bucket(&self.bucket).key(key);
        if let Some((offset, length)) = range {
            request = request.range(format!("bytes={offset}-{}", (offset + length).saturating_sub(1)));
        }
        let output = match request.send().await {
            Ok(output) => output,
            Err(error) if error.as_service_error().and_then(ProvideErrorMetadata::code) == Some("NoSuchKey") => {
                return Err(ArchiveError::NotFound(key.to_owned()));
            }
            Err(error) => return Err(unavailable(error)),
        };
        let body = output.body.collect().await.map_err(|error| ArchiveError::Unavailable(error.to_string()))?;
        Ok(body.into_bytes())
    }
}
