//! What the stack creates in AWS, created on moto: the events queue with its redrive policy to
//! the events dead-letter queue, the jobs dead-letter queue, the state table, the archive bucket
//! with its lifecycle, the archive stream (Firehose, when `archive.writer` is `firehose`) into
//! it, and a SecureString parameter for each configured secret.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, ExpirationStatus, LifecycleExpiration, LifecycleRule, LifecycleRuleFilter,
};
use aws_sdk_sqs::types::QueueAttributeName;

use crate::Config;
use crate::archive::{self, BODIES_PREFIX, EVENTS_PREFIX, STREAM_PREFIX};
use crate::aws::firehose::Firehose;
use crate::config::ArchiveWriter;
use crate::envelope::SQS_MAX_MESSAGE_BYTES;

/// The events queue's name.
pub const EVENTS_QUEUE: &str = "hookway-events";
/// The events dead-letter queue's name.
pub const EVENTS_DLQ: &str = "hookway-events-dlq";
/// The jobs dead-letter queue's name.
pub const JOBS_DLQ: &str = "hookway-jobs-dlq";
/// The state table's name.
pub const TABLE: &str = "hookway-state";
/// The archive bucket's name.
pub const ARCHIVE_BUCKET: &str = "hookway-archive";
/// The archive stream's name.
pub const ARCHIVE_STREAM: &str = "hookway-archive";

/// Fourteen days, as the stack keeps dead letters.
const DLQ_RETENTION_SECONDS: u32 = 14 * 86_400;

/// What was created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resources {
    /// The events queue.
    pub events_queue_url: String,
    /// Its ARN.
    pub events_queue_arn: String,
    /// The events dead-letter queue.
    pub events_dlq_url: String,
    /// The jobs dead-letter queue.
    pub jobs_dlq_url: String,
    /// The state table.
    pub table: String,
    /// The archive bucket.
    pub archive_bucket: String,
    /// The archive stream, when `archive.writer` is `firehose`.
    pub archive_stream: Option<String>,
}

/// Something could not be created.
#[derive(Debug, thiserror::Error)]
#[error("cannot create {what}: {reason}")]
pub struct ProvisionError {
    /// What.
    pub what: String,
    /// Why.
    pub reason: String,
}

fn failed<E: std::error::Error>(what: &str) -> impl FnOnce(E) -> ProvisionError + '_ {
    move |error| ProvisionError {
        what: what.to_owned(),
        reason: aws_sdk_sqs::error::DisplayErrorContext(error).to_string(),
    }
}

/// Creates everything the stack would, as `config` sizes it; the events queue hides a received
/// message for `visibility_timeout` (the stack: six times the worker's timeout).
pub async fn provision(
    aws: &SdkConfig,
    config: &Config,
    visibility_timeout: Duration,
) -> Result<Resources, ProvisionError> {
    let dlq_attributes = [(QueueAttributeName::MessageRetentionPeriod, DLQ_RETENTION_SECONDS.to_string())];
    let jobs_dlq_url = create_queue(aws, JOBS_DLQ, &dlq_attributes).await?;
    let events_dlq_url = create_queue(aws, EVENTS_DLQ, &dlq_attributes).await?;
    let redrive = serde_json::json!({
        "deadLetterTargetArn": queue_arn(aws, &events_dlq_url).await?,
        "maxReceiveCount": config.queue.max_receive_count,
    });
    let events_queue_url = create_queue(
        aws,
        EVENTS_QUEUE,
        &[
            (QueueAttributeName::RedrivePolicy, redrive.to_string()),
            (QueueAttributeName::VisibilityTimeout, visibility_timeout.as_secs().to_string()),
            (QueueAttributeName::MessageRetentionPeriod, (config.queue.retention_days * 86_400).to_string()),
        ],
    )
    .await?;
    create_table(aws, TABLE).await?;
    create_bucket(aws, ARCHIVE_BUCKET, Some(config)).await?;
    let archive_stream = match config.archive.writer {
        ArchiveWriter::Firehose => Some(create_archive_stream(aws, ARCHIVE_STREAM, ARCHIVE_BUCKET).await?),
        ArchiveWriter::Worker => None,
    };
    Ok(Resources {
        events_queue_arn: queue_arn(aws, &events_queue_url).await?,
        events_queue_url,
        events_dlq_url,
        jobs_dlq_url,
        table: TABLE.to_owned(),
        archive_bucket: ARCHIVE_BUCKET.to_owned(),
        archive_stream,
    })
}

/// Creates a queue taking 1 MiB messages, as the stack's queues do, with `attributes`.
pub async fn create_queue(
    aws: &SdkConfig,
    name: &str,
    attributes: &[(QueueAttributeName, String)],
) -> Result<String, ProvisionError> {
    let mut request = aws_sdk_sqs::Client::new(aws)
        .create_queue()
        .queue_name(name)
        .attributes(QueueAttributeName::MaximumMessageSize, SQS_MAX_MESSAGE_BYTES.to_string());
    for (attribute, value) in attributes {
        request = request.attributes(attribute.clone(), value);
    }
    let output = request.send().await.map_err(failed(name))?;
    output.queue_url.ok_or_else(|| ProvisionError { what: name.to_owned(), reason: "no queue URL returned".into() })
}

/// A queue's ARN.
pub async fn queue_arn(aws: &SdkConfig, url: &str) -> Result<String, ProvisionError> {
    let output = aws_sdk_sqs::Client::new(aws)
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(failed(url))?;
    output
        .attributes
        .and_then(|mut attributes| attributes.remove(&QueueAttributeName::QueueArn))
        .ok_or_else(|| ProvisionError { what: url.to_owned(), reason: "no ARN returned".into() })
}

/// Creates the state table as the stack does (infra/lib/hookway-stack.ts): partition key `pk`, on
/// demand, TTL on `expiresAt`, and the `parked` index of parked events by destination
/// (`parkedFor`) and when each is due (`parkedDue`), projecting what releasing one needs.
pub async fn create_table(aws: &SdkConfig, name: &str) -> Result<(), ProvisionError> {
    let client = aws_sdk_dynamodb::Client::new(aws);
    let invalid = |error: aws_sdk_dynamodb::error::BuildError| ProvisionError {
        what: name.to_owned(),
        reason: error.to_string(),
    };
    let attribute = |name: &str, kind: ScalarAttributeType| {
        AttributeDefinition::builder().attribute_name(name).attribute_type(kind).build().map_err(invalid)
    };
    let key = |name: &str, kind: KeyType| KeySchemaElement::builder().attribute_name(name).key_type(kind).build();
    let exists = client.describe_table().table_name(name).send().await.is_ok();
    if !exists {
        let parked = GlobalSecondaryIndex::builder()
            .index_name(crate::store::PARKED_INDEX)
            .key_schema(key("parkedFor", KeyType::Hash).map_err(invalid)?)
            .key_schema(key("parkedDue", KeyType::Range).map_err(invalid)?)
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::Include)
                    .set_non_key_attributes(Some(
                        ["parkedBody", "parkedAttributes", "parkedHold", "parkedAt"].map(String::from).to_vec(),
                    ))
                    .build(),
            )
            .build()
            .map_err(invalid)?;
        client
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attribute("pk", ScalarAttributeType::S)?)
            .attribute_definitions(attribute("parkedFor", ScalarAttributeType::S)?)
            .attribute_definitions(attribute("parkedDue", ScalarAttributeType::N)?)
            .key_schema(key("pk", KeyType::Hash).map_err(invalid)?)
            .global_secondary_indexes(parked)
            .send()
            .await
            .map_err(failed(name))?;
    }
    let ttl = TimeToLiveSpecification::builder().attribute_name("expiresAt").enabled(true).build().map_err(invalid)?;
    client.update_time_to_live().table_name(name).time_to_live_specification(ttl).send().await.map_err(failed(name))?;
    Ok(())
}

/// Creates the archive bucket, with the stack's lifecycle when `config` is given: archived events
/// expire after `archive.retentionDays`, claim-checked bodies after [`archive::body_retention_days`].
pub async fn create_bucket(aws: &SdkConfig, name: &str, config: Option<&Config>) -> Result<(), ProvisionError> {
    let s3 = archive::s3_client(aws);
    let exists = s3.head_bucket().bucket(name).send().await.is_ok();
    if !exists {
        s3.create_bucket().bucket(name).send().await.map_err(failed(name))?;
    }
    let Some(config) = config else { return Ok(()) };
    let invalid =
        |error: aws_sdk_s3::error::BuildError| ProvisionError { what: name.to_owned(), reason: error.to_string() };
    let rule = |id: &str, prefix: &str, days: u32| {
        LifecycleRule::builder()
            .id(id)
            .filter(LifecycleRuleFilter::builder().prefix(prefix).build())
            .expiration(LifecycleExpiration::builder().days(i32::try_from(days).unwrap_or(i32::MAX)).build())
            .status(ExpirationStatus::Enabled)
            .build()
            .map_err(invalid)
    };
    let lifecycle = BucketLifecycleConfiguration::builder()
        .rules(rule("events", EVENTS_PREFIX, config.archive.retention_days)?)
        .rules(rule("bodies", BODIES_PREFIX, archive::body_retention_days(config))?)
        .build()
        .map_err(invalid)?;
    s3.put_bucket_lifecycle_configuration()
        .bucket(name)
        .lifecycle_configuration(lifecycle)
        .send()
        .await
        .map_err(failed(name))?;
    Ok(())
}

/// Creates the archive stream `name` as the stack does: Direct PUT into `bucket` under
/// [`STREAM_PREFIX`] (Firehose appends the UTC hour), uncompressed, buffered 60 s or 64 MiB,
/// encrypted with an AWS owned key. moto writes each `PutRecordBatch` as an object at once.
/// Its name.
pub async fn create_archive_stream(aws: &SdkConfig, name: &str, bucket: &str) -> Result<String, ProvisionError> {
    let firehose = Firehose::new(aws);
    let named = serde_json::json!({"DeliveryStreamName": name});
    if firehose.call("DescribeDeliveryStream", &named).await.is_ok() {
        return Ok(name.to_owned());
    }
    let stream = serde_json::json!({
        "DeliveryStreamName": name,
        "DeliveryStreamType": "DirectPut",
        "DeliveryStreamEncryptionConfigurationInput": {"KeyType": "AWS_OWNED_CMK"},
        "ExtendedS3DestinationConfiguration": {
            // moto does not check it; the stack's role may write the bucket's stream prefix only.
            "RoleARN": "arn:aws:iam::123456789012:role/hookway-archive-stream",
            "BucketARN": format!("arn:aws:s3:::{bucket}"),
            "Prefix": STREAM_PREFIX,
            "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 60},
            "CompressionFormat": "UNCOMPRESSED",
        },
    });
    firehose.call("CreateDeliveryStream", &stream).await.map_err(failed(name))?;
    Ok(name.to_owned())
}

/// Stores each parameter as a SecureString.
pub async fn put_secrets(aws: &SdkConfig, values: &BTreeMap<String, String>) -> Result<(), ProvisionError> {
    let ssm = aws_sdk_ssm::Client::new(aws);
    for (name, value) in values {
        ssm.put_parameter()
            .name(name)
            .value(value)
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
            .overwrite(true)
            .send()
            .await
            .map_err(failed(name))?;
    }
    Ok(())
}
