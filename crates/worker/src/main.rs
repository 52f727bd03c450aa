//! The worker Lambda's entry point: sets up once at start-up, then runs each invocation.
//!
//! It builds the configuration, the DynamoDB client, the HTTP
//! client and the handlers once, at start-up, then runs each invocation through [`Worker::invoke`].
//!
//! The AWS clients and the forwarding client share the process's one TLS configuration (one root
//! store), and init opens the connections to DynamoDB and to Firehose (the archive stream), so
//! that the first batch pays no handshake.
//!
//! Configuration: `hookway.json` in the function's package (`$LAMBDA_TASK_ROOT`), or the file
//! `HOOKWAY_CONFIG_FILE` names ([`hookway_core::env`]); its digest is logged once, here.
//! Environment ([`hookway_core::env::WORKER`]): `HOOKWAY_STACK` (the metrics' namespace),
//! `HOOKWAY_TABLE` (also where the destinations' circuits and rate limits are shared),
//! `HOOKWAY_EVENTS_QUEUE_URL` (where events wait for their next attempt), `HOOKWAY_EVENTS_DLQ_URL`
//! (where events a destination refused for good, or out of retries, go), `HOOKWAY_ARCHIVE_BUCKET`
//! (the archive, and the claim-checked bodies), `HOOKWAY_ARCHIVE_STREAM` (with the `firehose`
//! archive writer, the stream events are archived through), and the usual AWS variables (`AWS_ENDPOINT_URL`
//! points the clients at moto locally; `HOOKWAY_LOCAL_FUNCTIONS` names the functions `lambda`
//! targets invoke locally, see [`LocalFunctions`]). The destinations' secret parameters are read once here,
//! in one batch, and cached. The state table also names the developers' listeners
//! (`hookway listen`), whose queues get copies of new events.

// No unwrap or expect on request paths: every failure is an error with a status or an exit code.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
// The batch pipeline (a stream of chains of instrumented futures) nests deeper than the default.
#![recursion_limit = "256"]

use std::sync::Arc;
use std::time::Duration;

use hookway_core::archive::RecordStream;
use hookway_core::aws::firehose::FirehoseStream;
use hookway_core::aws::s3::S3Objects;
use hookway_core::aws::targets::LocalFunctions;
use hookway_core::aws::{Endpoint, SdkConfig};
use hookway_core::config::ArchiveWriter;
use hookway_core::env::{self, LambdaEnv, Var};
use hookway_core::secret_cache::SsmSecretStore;
use hookway_core::store::DynamoStore;
use hookway_worker::dead_letter::SqsDeadLetterQueue;
use hookway_worker::deadline::Deadline;
use hookway_worker::handler::Registry;
use hookway_worker::handler::report::Report;
use hookway_worker::handler::target::TargetClients;
use hookway_worker::listen::AwsListeners;
use hookway_worker::requeue::SqsEventsQueue;
use hookway_worker::secrets::Secrets;
use hookway_worker::shared::DynamoShared;
use hookway_worker::{Outbound, Worker};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    hookway_core::telemetry::init_logging();
    // In words, as a log line: what the process prints as it exits is the error's debug form.
    let env = LambdaEnv::from_env(env::WORKER).inspect_err(|error| tracing::error!(%error, "cannot start"))?;
    env.log_start();
    let config = env.config();
    let tls = hookway_core::aws::tls::client_config()?;
    let aws = hookway_core::aws::lambda_sdk_config("hookway-worker")?;
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
    let shared = DynamoShared::new(dynamodb.clone(), env.get(Var::Table));
    let store = DynamoStore::new(dynamodb.clone(), env.get(Var::Table));
    // Your own handlers: register them here, route to them with {"custom": "<name>"}.
    let registry = Registry::new().with("report", Report);
    let client = reqwest::Client::builder()
        .use_preconfigured_tls(rustls::ClientConfig::clone(&tls))
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .build()?;
    let timeout = Duration::from_secs(u64::from(config.worker.timeout_seconds));
    let secrets = Secrets::new(Box::new(SsmSecretStore::new(aws_sdk_ssm::Client::new(&aws))));
    let parameters: Vec<String> = config.outbound_parameters().iter().map(|(name, _)| (*name).to_owned()).collect();
    secrets.preload(&parameters).await;
    let sqs = aws_sdk_sqs::Client::new(&aws);
    let local_functions = LocalFunctions::from_env().inspect_err(|error| tracing::error!(%error, "cannot start"))?;
    let bucket = S3Objects::new(&aws, env.get(Var::ArchiveBucket));
    let targets = TargetClients::new(&aws, sqs.clone(), local_functions, Some(bucket.clone()));
    let listeners = AwsListeners::new(&aws, env.get(Var::Table));
    let firehose = match config.archive.writer {
        // `LambdaEnv` refused to start without the stream's name with this writer.
        ArchiveWriter::Firehose => Some(FirehoseStream::new(&aws, env.get(Var::ArchiveStream))),
        ArchiveWriter::Worker => None,
    };
    let firehose_endpoint = firehose.as_ref().map(|firehose| firehose.endpoint().to_owned());
    let stream = firehose.map(|firehose| Arc::new(firehose) as Arc<dyn RecordStream>);
    let outbound = Outbound {
        client,
        secrets: Arc::new(secrets),
        dead_letters: Some(Arc::new(SqsDeadLetterQueue::new(sqs.clone(), env.get(Var::EventsDlqUrl)))),
        events_queue: Some(Arc::new(SqsEventsQueue::new(sqs, env.get(Var::EventsQueueUrl)))),
        shared: Arc::new(shared),
        bucket: Some(Arc::new(bucket)),
        stream,
        targets: Some(Arc::new(targets)),
    };
    let worker = Worker::new(config, store, &registry, outbound)?.in_namespace(env.get(Var::Stack));
    let worker = Arc::new(worker.with_listeners(Arc::new(listeners)));
    let archive_stream = async {
        if let Some(url) = firehose_endpoint {
            let endpoint = async move { Ok::<_, Error>(Endpoint::builder().url(url).build()) };
            hookway_core::aws::preconnect("Firehose", endpoint).await;
        }
    };
    tokio::join!(hookway_core::aws::preconnect("DynamoDB", dynamodb_endpoint(&aws)), archive_stream);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let worker = Arc::clone(&worker);
        async move {
            let deadline = Deadline::from_lambda(event.context.deadline, timeout);
            worker.invoke(event.payload, deadline).await
        }
    }))
    .await
}

/// The endpoint the DynamoDB client resolves for this configuration.
async fn dynamodb_endpoint(aws: &SdkConfig) -> Result<Endpoint, Error> {
    use aws_sdk_dynamodb::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
    let params = Params::builder().set_region(aws.region().map(ToString::to_string));
    let params = params.set_endpoint(aws.endpoint_url().map(str::to_owned)).build()?;
    DefaultResolver::new().resolve_endpoint(&params).await
}
