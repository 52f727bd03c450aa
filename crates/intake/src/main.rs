//! The intake Lambda's entry point: sets up once at start-up, then serves each request.
//!
//! It builds the configuration, the AWS clients and the secret
//! cache once, at start-up, then serves requests with [`Intake::handle`].
//!
//! Init reads the secrets from SSM and opens the connection to SQS at the same time, so that the
//! first webhook pays neither a read nor a handshake (`make bench-coldstart` measures both).
//!
//! Configuration: `hookway.json` in the function's package (`$LAMBDA_TASK_ROOT`), or the file
//! `HOOKWAY_CONFIG_FILE` names ([`hookway_core::env`]); its digest is logged once, here.
//! Environment ([`hookway_core::env::INTAKE`]): `HOOKWAY_STACK` (the metrics' namespace),
//! `HOOKWAY_EVENTS_QUEUE_URL`, `HOOKWAY_TABLE` (job statuses), `HOOKWAY_ARCHIVE_BUCKET` (bodies
//! too large for a message), and the usual AWS variables (`AWS_ENDPOINT_URL` points the clients at
//! moto locally).

// No unwrap or expect on request paths: every failure is an error with a status or an exit code.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
// Start-up (the secrets read and the keys derived beside the SQS connection) nests deeper than the
// default.
#![recursion_limit = "256"]

use std::convert::Infallible;
use std::sync::Arc;

use hookway_core::aws::s3::S3Objects;
use hookway_core::aws::{Endpoint, SdkConfig};
use hookway_core::env::{self, LambdaEnv, Var};
use hookway_core::job::StepFunctionsExecutions;
use hookway_core::secret_cache::{SecretCache, SsmSecretStore};
use hookway_core::store::DynamoStore;
use hookway_intake::Intake;
use hookway_intake::metrics::MetricsSink;
use hookway_intake::queue::SqsQueue;
use lambda_http::{Error, LambdaEvent, service_fn};
use serde_json::value::RawValue;

#[tokio::main]
async fn main() -> Result<(), Error> {
    hookway_core::telemetry::init_logging();
    // In words, as a log line: what the process prints as it exits is the error's debug form.
    let env = LambdaEnv::from_env(env::INTAKE).inspect_err(|error| tracing::error!(%error, "cannot start"))?;
    env.log_start();
    let aws = hookway_core::aws::lambda_sdk_config("hookway-intake")?;
    let queue = SqsQueue::new(aws_sdk_sqs::Client::new(&aws), env.get(Var::EventsQueueUrl));
    let secrets = SecretCache::new(SsmSecretStore::new(aws_sdk_ssm::Client::new(&aws)));
    let jobs = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), env.get(Var::Table));
    let bodies = Arc::new(S3Objects::new(&aws, env.get(Var::ArchiveBucket)));
    let metrics = MetricsSink::stdout().in_namespace(env.get(Var::Stack));
    // Built without a call: only `GET /jobs/{id}` of a job whose execution runs uses it.
    let executions = Arc::new(StepFunctionsExecutions::new(&aws));
    let intake = Intake::new(env.config(), queue, secrets, jobs, bodies)?.with_metrics(metrics);
    let intake = Arc::new(intake.with_executions(executions));
    tokio::join!(intake.preload_secrets(), hookway_core::aws::preconnect("SQS", sqs_endpoint(&aws)));
    // The raw event, converted by the intake itself: `lambda_http`'s own conversion panics on
    // some requests a client can send (see `hookway_intake::event`). The runtime only checks that
    // the event is JSON and hands over its text, which the intake reads once, into typed fields.
    lambda_http::lambda_runtime::run(service_fn(move |event: LambdaEvent<Box<RawValue>>| {
        let intake = Arc::clone(&intake);
        async move { Ok::<_, Infallible>(intake.handle_event(event.payload.get(), event.context).await) }
    }))
    .await
}

/// The endpoint the SQS client resolves for this configuration.
async fn sqs_endpoint(aws: &SdkConfig) -> Result<Endpoint, Error> {
    use aws_sdk_sqs::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
    let params = Params::builder().set_region(aws.region().map(ToString::to_string));
    let params = params.set_endpoint(aws.endpoint_url().map(str::to_owned)).build()?;
    DefaultResolver::new().resolve_endpoint(&params).await
}
