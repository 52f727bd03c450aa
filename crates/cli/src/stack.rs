//! Where the operator commands act: the local stack of `make dev` (`--local`, or whenever
//! `AWS_ENDPOINT_URL` is set), found by its state file, or the deployed stack, found by its
//! CloudFormation outputs with the default credential chain. Neither needs the emulator: the state
//! file and the SDK configuration for moto are `hookway-core`'s.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use aws_config::SdkConfig;
use aws_sdk_cloudformation::error::ProvideErrorMetadata as _;
use hookway_core::archive::{S3Store, s3_client};
use hookway_core::local::state::DevState;
use hookway_core::store::DynamoStore;

use crate::error::CliError;

/// The application name the commands' AWS calls carry in their user agent: CloudTrail says which
/// calls were the operator's, and the IAM check (crates/iam) checks them against the operator policy.
pub const APP_NAME: &str = "hookway-cli";

/// SDK configuration from the default credential chain, as the commands call AWS.
pub async fn default_sdk_config() -> SdkConfig {
    hookway_core::aws::with_app_name(&hookway_core::aws::sdk_config().await, APP_NAME)
}

/// SDK configuration reaching a local stack's moto at `endpoint`, as the commands call it.
async fn local_sdk_config(endpoint: &str) -> SdkConfig {
    hookway_core::aws::with_app_name(&hookway_core::local::sdk_config(endpoint).await, APP_NAME)
}

/// `--local`, `--stack`.
#[derive(Debug, Clone, clap::Args)]
pub struct StackArgs {
    /// Act on the local stack of `make dev` (implied when AWS_ENDPOINT_URL is set).
    #[arg(long)]
    pub local: bool,
    /// The deployed stack's name.
    #[arg(long, value_name = "NAME", default_value = "Hookway", env = "HOOKWAY_STACK")]
    pub stack: String,
    /// Where the local stack keeps its state.
    #[arg(long, value_name = "DIR", default_value = ".hookway")]
    pub state_dir: PathBuf,
}

/// A stack's parts, as the commands need them.
#[derive(Debug, Clone)]
pub struct Stack {
    /// SDK configuration reaching it.
    pub aws: SdkConfig,
    /// The API, with its stage: `https://…/v1` or `http://127.0.0.1:3000`.
    pub api_url: String,
    /// Where each source sends its webhooks, through the front door `webhooks.endpoint` chose:
    /// `{source}` stands for the source's name (the `WebhookUrl` output).
    pub webhook_url: String,
    /// The events queue.
    pub events_queue_url: String,
    /// The events dead-letter queue.
    pub events_dlq_url: String,
    /// The jobs dead-letter queue.
    pub jobs_dlq_url: String,
    /// The state table.
    pub table: String,
    /// The archive bucket.
    pub archive_bucket: String,
    /// The worker function.
    pub worker_function: String,
    /// Where the Lambda API is, when it is not AWS's (the local gateway).
    pub lambda_endpoint: Option<String>,
    clients: Clients,
}

/// The stack's AWS clients, each built on first use and then shared: the inspector answers
/// request after request with them.
#[derive(Debug, Clone, Default)]
struct Clients {
    bucket: OnceLock<S3Store>,
    store: OnceLock<DynamoStore>,
    sqs: OnceLock<aws_sdk_sqs::Client>,
}

impl Stack {
    /// The archive bucket.
    pub fn bucket(&self) -> &S3Store {
        self.clients.bucket.get_or_init(|| S3Store::new(s3_client(&self.aws), &self.archive_bucket))
    }

    /// The state table.
    pub fn store(&self) -> &DynamoStore {
        self.clients.store.get_or_init(|| DynamoStore::new(aws_sdk_dynamodb::Client::new(&self.aws), &self.table))
    }

    /// The queues.
    pub fn sqs(&self) -> &aws_sdk_sqs::Client {
        self.clients.sqs.get_or_init(|| aws_sdk_sqs::Client::new(&self.aws))
    }
}

impl StackArgs {
    /// Whether the local stack is meant.
    pub fn is_local(&self) -> bool {
        self.local || std::env::var_os("AWS_ENDPOINT_URL").is_some()
    }

    /// SDK configuration for the stack meant, without looking up its parts.
    pub async fn sdk_config(&self) -> Result<SdkConfig, CliError> {
        if self.is_local() {
            let state = DevState::running(&self.state_dir)?;
            Ok(local_sdk_config(&state.aws_endpoint).await)
        } else {
            Ok(default_sdk_config().await)
        }
    }

    /// The stack meant, and its parts.
    pub async fn resolve(&self) -> Result<Stack, CliError> {
        if self.is_local() {
            let state = DevState::running(&self.state_dir)?;
            return Ok(Stack {
                aws: local_sdk_config(&state.aws_endpoint).await,
                api_url: state.gateway_url.clone(),
                // The local gateway serves every front door under this one path.
                webhook_url: format!("{}/webhooks/{{source}}", state.gateway_url.trim_end_matches('/')),
                events_queue_url: state.events_queue_url,
                events_dlq_url: state.events_dlq_url,
                jobs_dlq_url: state.jobs_dlq_url,
                table: state.table,
                archive_bucket: state.archive_bucket,
                worker_function: state.worker_function,
                lambda_endpoint: Some(state.gateway_url),
                clients: Clients::default(),
            });
        }
        let aws = default_sdk_config().await;
        let outputs = outputs(&aws, &self.stack).await?;
        let output = |key: &str| {
            outputs
                .get(key)
                .cloned()
                .ok_or_else(|| CliError::MissingOutput { stack: self.stack.clone(), key: key.to_owned() })
        };
        Ok(Stack {
            api_url: output("ApiUrl")?.trim_end_matches('/').to_owned(),
            webhook_url: output("WebhookUrl")?,
            events_queue_url: output("EventsQueueUrl")?,
            events_dlq_url: output("EventsDeadLetterQueueUrl")?,
            jobs_dlq_url: output("JobsDeadLetterQueueUrl")?,
            table: output("TableName")?,
            archive_bucket: output("ArchiveBucketName")?,
            worker_function: output("WorkerFunctionName")?,
            lambda_endpoint: None,
            aws,
            clients: Clients::default(),
        })
    }
}

/// A CloudFormation stack's outputs, by key.
async fn outputs(aws: &SdkConfig, stack: &str) -> Result<HashMap<String, String>, CliError> {
    let described =
        aws_sdk_cloudformation::Client::new(aws).describe_stacks().stack_name(stack).send().await.map_err(|error| {
            match error.as_service_error().and_then(|error| error.message()) {
                // CloudFormation says so with a ValidationError: "Stack with id X does not exist".
                Some(message) if message.contains("does not exist") => CliError::UnknownStack(stack.to_owned()),
                _ => CliError::aws(error),
            }
        })?;
    let outputs = described.stacks().first().map(|stack| stack.outputs()).unwrap_or_default();
    Ok(outputs
        .iter()
        .filter_map(|output| Some((output.output_key()?.to_owned(), output.output_value()?.to_owned())))
        .collect())
}
