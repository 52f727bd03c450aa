//! Where the operator commands act: the local stack of `make dev` (`--local`, or whenever
//! `AWS_ENDPOINT_URL` is set), found by its state file, or the deployed stack, found by its
//! CloudFormation outputs with the default credential chain. Neither needs the emulator: the state
//! file and the SDK configuration for moto are `hookway-core`'s.
//!
//! The configuration file a command reads is the one the stack runs ([`StackArgs::config`]), read
//! once a command and passed down.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_cloudformation::error::{ProvideErrorMetadata as _, SdkError};
use aws_sdk_cloudformation::operation::describe_stacks::DescribeStacksError;
use hookway_core::archive::{S3Store, s3_client};
use hookway_core::local::state::DevState;
use hookway_core::store::DynamoStore;

use crate::config::Loaded;
use crate::error::CliError;
use crate::output::warnln;

/// The application name the commands' AWS calls carry in their user agent: CloudTrail says which
/// calls were the operator's, and the IAM check (testing/iam) checks them against the operator policy.
pub const APP_NAME: &str = "hookway-cli";

/// The configuration file read when none is given and no local stack says which it runs.
pub const DEFAULT_CONFIG: &str = "hookway.json";

/// `--profile` and `--region`: the account and region every AWS call of the command goes to.
#[derive(Debug, Clone, Default)]
pub struct AwsChoice {
    /// The profile of ~/.aws/config [default: AWS_PROFILE, else the default chain].
    pub profile: Option<String>,
    /// The region [default: AWS_REGION, else the profile's].
    pub region: Option<String>,
}

/// The outputs of a deployed stack the commands read: [`StackArgs::resolve`] each but the last,
/// [`StackArgs::config`] the last.
pub(crate) const OUTPUT_KEYS: [&str; 9] = [
    API_URL,
    WEBHOOK_URL,
    EVENTS_QUEUE_URL,
    EVENTS_DLQ_URL,
    JOBS_DLQ_URL,
    TABLE_NAME,
    ARCHIVE_BUCKET,
    WORKER_FUNCTION,
    CONFIG_DIGEST,
];
const API_URL: &str = "ApiUrl";
/// Where each source posts, `{source}` standing for its name.
pub(crate) const WEBHOOK_URL: &str = "WebhookUrl";
const EVENTS_QUEUE_URL: &str = "EventsQueueUrl";
const EVENTS_DLQ_URL: &str = "EventsDeadLetterQueueUrl";
const JOBS_DLQ_URL: &str = "JobsDeadLetterQueueUrl";
/// The state table's name.
pub(crate) const TABLE_NAME: &str = "TableName";
const ARCHIVE_BUCKET: &str = "ArchiveBucketName";
const WORKER_FUNCTION: &str = "WorkerFunctionName";
/// The digest of the configuration the stack was deployed with.
pub(crate) const CONFIG_DIGEST: &str = "ConfigDigest";

/// The choice the command line made, set once at start ([`choose_aws`]).
static AWS_CHOICE: OnceLock<AwsChoice> = OnceLock::new();
/// The default chain's configuration, built once: the config check and the commands share it.
static DEFAULT_SDK_CONFIG: tokio::sync::OnceCell<SdkConfig> = tokio::sync::OnceCell::const_new();
/// The deployed stack's outputs, or why they cannot be read, asked once: the configuration check
/// and [`StackArgs::resolve`] share the answer (an unreachable AWS is waited for once).
static OUTPUTS: tokio::sync::OnceCell<Result<HashMap<String, String>, String>> = tokio::sync::OnceCell::const_new();

/// Sets `--profile` and `--region` for the whole process, before any AWS call (a second call is
/// ignored).
pub fn choose_aws(choice: AwsChoice) {
    let _ = AWS_CHOICE.set(choice);
}

/// `--profile` and `--region` as the command line gave them (for the commands a fix names).
pub(crate) fn aws_choice() -> AwsChoice {
    AWS_CHOICE.get().cloned().unwrap_or_default()
}

/// SDK configuration from the default credential chain, with `--profile` and `--region`, as the
/// commands call AWS.
pub async fn default_sdk_config() -> SdkConfig {
    DEFAULT_SDK_CONFIG
        .get_or_init(|| async {
            let choice = aws_choice();
            let mut loader = hookway_core::aws::tuned(aws_config::defaults(BehaviorVersion::latest()));
            if let Some(profile) = &choice.profile {
                loader = loader.profile_name(profile);
            }
            if let Some(region) = choice.region {
                loader = loader.region(Region::new(region));
            }
            hookway_core::aws::with_app_name(&loader.load().await, APP_NAME)
        })
        .await
        .clone()
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

    /// The configuration file the command reads, the one the stack runs: `explicit` (`--config`)
    /// if given; else the local stack's (its state names the file `hookway dev` runs); else
    /// `hookway.json`.
    pub fn config_path(&self, explicit: Option<&Path>) -> PathBuf {
        match (explicit, self.local_state()) {
            (Some(file), _) => file.to_owned(),
            (None, Some(state)) => state.config,
            (None, None) => PathBuf::from(DEFAULT_CONFIG),
        }
    }

    /// The local stack's state, if it is the stack meant and has one.
    fn local_state(&self) -> Option<DevState> {
        self.is_local().then(|| DevState::read(&self.state_dir).ok()).flatten()
    }

    /// The configuration file of [`StackArgs::config_path`], read once and checked (an error
    /// names the file, and no AWS call is made before it). When a file is given that the local
    /// stack does not run, it says so on stderr. What `secrets`, `send` and `trigger` read (they
    /// need no more of a deployed stack than SSM or a URL); the commands that act on the stack
    /// take [`StackArgs::config`].
    pub fn load_config(&self, explicit: Option<&Path>) -> Result<Loaded, CliError> {
        let loaded = Loaded::read(&self.config_path(explicit))?;
        if explicit.is_some()
            && let Some(state) = self.local_state()
            // The file the stack runs only tells the two apart: one that cannot be read says nothing.
            && file_digest(&state.config).is_some_and(|running| running != loaded.digest)
        {
            warnln!("hookway: the local stack runs {}, not {}", state.config.display(), loaded.path.display());
        }
        Ok(loaded)
    }

    /// [`StackArgs::load_config`], and for a deployed stack, whether it runs that file: when its
    /// `ConfigDigest` output differs from the file's digest (`hookway config check` prints it),
    /// that is said on stderr. A stack that cannot be read is said by the command's own calls.
    pub async fn config(&self, explicit: Option<&Path>) -> Result<Loaded, CliError> {
        let loaded = self.load_config(explicit)?;
        if !self.is_local() {
            let deployed = self.outputs().await.ok();
            let running = deployed.and_then(|outputs| outputs.get(CONFIG_DIGEST));
            if let Some(running) = running
                && *running != loaded.digest
            {
                warnln!(
                    "hookway: the stack {} runs a configuration whose digest {running} differs from {}'s ({}): \
                     deploy it, or pass the file it was deployed with (--config)",
                    self.stack,
                    loaded.path.display(),
                    loaded.digest
                );
            }
        }
        Ok(loaded)
    }

    /// The deployed stack's outputs, asked of CloudFormation once a process.
    async fn outputs(&self) -> Result<&'static HashMap<String, String>, CliError> {
        let asked = OUTPUTS
            .get_or_init(|| async {
                outputs(&default_sdk_config().await, &self.stack).await.map_err(|error| error.to_string())
            })
            .await;
        // Every error of `outputs` exits 1, as this one does.
        asked.as_ref().map_err(|reason| CliError::Aws(reason.clone()))
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
        let outputs = self.outputs().await?;
        let output = |key: &str| {
            outputs
                .get(key)
                .cloned()
                .ok_or_else(|| CliError::MissingOutput { stack: self.stack.clone(), key: key.to_owned() })
        };
        Ok(Stack {
            api_url: output(API_URL)?.trim_end_matches('/').to_owned(),
            webhook_url: output(WEBHOOK_URL)?,
            events_queue_url: output(EVENTS_QUEUE_URL)?,
            events_dlq_url: output(EVENTS_DLQ_URL)?,
            jobs_dlq_url: output(JOBS_DLQ_URL)?,
            table: output(TABLE_NAME)?,
            archive_bucket: output(ARCHIVE_BUCKET)?,
            worker_function: output(WORKER_FUNCTION)?,
            lambda_endpoint: None,
            aws,
            clients: Clients::default(),
        })
    }
}

/// A file's digest as the stack outputs it (`ConfigDigest`), if the file can be read.
fn file_digest(path: &Path) -> Option<String> {
    std::fs::read(path).ok().map(|bytes| hookway_core::config::digest(&bytes))
}

/// A CloudFormation stack's outputs, by key.
async fn outputs(aws: &SdkConfig, stack: &str) -> Result<HashMap<String, String>, CliError> {
    match describe(aws, stack).await.map_err(CliError::aws)? {
        Some(described) => Ok(described.outputs),
        None => Err(CliError::UnknownStack(stack.to_owned())),
    }
}

/// A deployed stack, as CloudFormation describes it.
pub(crate) struct Described {
    /// `CREATE_COMPLETE`, `UPDATE_ROLLBACK_FAILED`, …
    pub status: String,
    /// Its outputs, by key.
    pub outputs: HashMap<String, String>,
}

/// A CloudFormation stack's status and outputs, or `None` if there is no such stack; the SDK's
/// error as it came, for a caller that tells its kinds apart.
pub(crate) async fn describe(aws: &SdkConfig, stack: &str) -> Result<Option<Described>, SdkError<DescribeStacksError>> {
    let described = match aws_sdk_cloudformation::Client::new(aws).describe_stacks().stack_name(stack).send().await {
        Ok(described) => described,
        // CloudFormation says so with a ValidationError: "Stack with id X does not exist".
        Err(error)
            if error
                .as_service_error()
                .and_then(|error| error.message())
                .is_some_and(|message| message.contains("does not exist")) =>
        {
            return Ok(None);
        }
        Err(error) => return Err(error),
    };
    let Some(found) = described.stacks().first() else { return Ok(None) };
    let status = found.stack_status().map_or_else(|| "UNKNOWN".to_owned(), |status| status.as_str().to_owned());
    let outputs = found
        .outputs()
        .iter()
        .filter_map(|output| Some((output.output_key()?.to_owned(), output.output_value()?.to_owned())))
        .collect();
    Ok(Some(Described { status, outputs }))
}
