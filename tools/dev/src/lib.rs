//! The local stack: Hookway on one machine, no AWS account.
//!
//! * `moto` on 127.0.0.1 emulates SQS, SSM, DynamoDB and S3 over the real wire protocols; what the
//!   stack creates in AWS is created there ([`hookway_core::local::resources`]), with a generated
//!   secret per source ([`hookway_core::local::secrets`]);
//! * `cargo lambda watch` runs the real intake and worker binaries behind the real Lambda Runtime API;
//! * the [`gateway`] does only what API Gateway (or the Function URL `webhooks.endpoint` chooses)
//!   and Lambda's asynchronous invocation do (with the sources' [`throttle`]s, and for its user
//!   only: no other `Host`, no foreign `Origin`), and the
//!   [`poller`] only what the SQS event source mapping does.
//!
//! [`run`] starts it all, records it in `.hookway/dev.json` ([`hookway_core::local::state`]), and
//! stops everything it started on Ctrl-C ([`supervisor`]). The functions read the configuration
//! as they do in AWS, from a file of their own: a copy of `hookway.json` as this start read it
//! ([`stage_config`]), so that an edit while the stack runs does not reach one instance and not
//! another. What the operator commands and the tests
//! need of the local stack is in `hookway-core` (feature `local`): they do not depend on this crate.

// No unwrap or expect on request paths: every failure is an error with a status or an exit code.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod events;
pub mod gateway;
pub mod lambda;
pub mod poller;
pub mod supervisor;
pub mod sweeper;
pub mod throttle;

use std::net::{SocketAddr, TcpListener as StdListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hookway_core::Config;
use hookway_core::config::ConfigError;
use hookway_core::env::{self, EnvError, LambdaEnv, Var};
use hookway_core::local::resources::{self, Resources};
use hookway_core::local::secrets::{self, LocalSecrets};
use hookway_core::local::state::{self, DevState};
use hookway_core::local::{REGION, sdk_config};
use tokio::net::TcpListener;
use tokio::process::Command;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

use crate::gateway::Gateway;
use crate::lambda::{AsyncInvoker, CallLog, Lambda, SqsDestination};
use crate::poller::Poller;
use crate::supervisor::Supervisor;

/// The intake function's name: its binary's.
pub const INTAKE_FUNCTION: &str = "hookway-intake";
/// The worker function's name: its binary's.
pub const WORKER_FUNCTION: &str = "hookway-worker";
pub use hookway_core::local::{FORWARD_CONFIG_FILE, LAMBDA_CONCURRENCY};
/// The local stack's name when none is given: the default stack's, whose metric namespace is
/// `Hookway`.
pub const DEFAULT_STACK: &str = "Hookway";

/// How to run the local stack.
#[derive(Debug, Clone)]
pub struct DevOptions {
    /// The configuration file.
    pub config: PathBuf,
    /// The local stack's name, which the functions get as `HOOKWAY_STACK` (their metrics'
    /// namespace).
    pub stack: String,
    /// Where the state file and the generated secrets are kept (`.hookway`).
    pub state_dir: PathBuf,
    /// The gateway's port.
    pub port: u16,
    /// moto's port.
    pub aws_port: u16,
    /// `cargo lambda watch`'s port.
    pub lambda_port: u16,
    /// How long a received event stays hidden before it is delivered again.
    pub visibility_timeout: Duration,
    /// The wait before a job's first retry; each later retry waits twice as long. (Lambda waits
    /// about a minute, then two.)
    pub job_retry_delay: Duration,
    /// How often the worker releases parked events (a minute, deployed).
    pub release_interval: Duration,
    /// Rebuild and restart the functions when the code changes.
    pub reload: bool,
    /// Run the functions as built for Lambda (`--release`: optimised, as `make build` builds
    /// them) instead of the quicker debug build: what `make cost` times.
    pub release: bool,
    /// The `moto_server` program.
    pub moto_server: PathBuf,
    /// A folder to put first on the `PATH` of the processes started (where `cargo-lambda` is).
    pub tool_dir: Option<PathBuf>,
    /// What the gateway serves under `/_hookway/` (the inspector of `hookway dev`), if anything.
    pub mount: Option<Arc<dyn gateway::Mount>>,
    /// A URL every source's events are forwarded to as well (`--forward-to`): the stack runs a
    /// configuration derived from `config` ([`with_forward`]), which is left as it is.
    pub forward_to: Option<String>,
    /// The functions `lambda` targets call on this machine (`--function NAME=URL`): the worker
    /// gets them as [`LOCAL_FUNCTIONS_VAR`].
    pub functions: LocalFunctions,
}

/// The variable that names the functions served on this machine to the worker: a JSON object
/// `{"NAME": "URL"}`. A `lambda` target whose function's name is in it calls that URL instead of
/// Lambda: a URL without a path is a Lambda Invoke API (another `cargo lambda watch`); any other
/// URL receives the payload as it is.
pub const LOCAL_FUNCTIONS_VAR: &str = "HOOKWAY_LOCAL_FUNCTIONS";

/// The functions served on this machine, by name (`--function NAME=URL`, repeatable).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalFunctions(pub std::collections::BTreeMap<String, String>);

impl LocalFunctions {
    /// Reads `NAME=URL` pairs: the name of a Lambda function (what follows `function:` in a
    /// `lambda` target's ARN) and an `http(s)` URL on which it is served.
    pub fn parse<'a>(pairs: impl IntoIterator<Item = &'a str>) -> Result<LocalFunctions, String> {
        let mut functions = std::collections::BTreeMap::new();
        for pair in pairs {
            let Some((name, url)) = pair.split_once('=') else {
                return Err(format!("`{pair}` is not NAME=URL, e.g. fulfil=http://127.0.0.1:9001"));
            };
            let valid_name = !name.is_empty()
                && name.len() <= 64
                && name.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
            if !valid_name {
                return Err(format!("`{name}` is not a Lambda function name (letters, digits, - and _)"));
            }
            let parsed = reqwest::Url::parse(url).map_err(|error| format!("`{url}` ({name}) is not a URL: {error}"))?;
            if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
                return Err(format!("`{url}` ({name}) is not an http(s) URL"));
            }
            if functions.insert(name.to_owned(), url.to_owned()).is_some() {
                return Err(format!("`{name}` is given twice"));
            }
        }
        Ok(LocalFunctions(functions))
    }

    /// Whether none is given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value of [`LOCAL_FUNCTIONS_VAR`]: `{"NAME": "URL"}`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "{}".to_owned())
    }
}

/// Why the local stack stopped or could not start.
#[derive(Debug, thiserror::Error)]
pub enum DevError {
    /// The configuration is not valid.
    #[error(transparent)]
    Config(#[from] hookway_core::config::ConfigError),
    /// Another local stack runs from this folder.
    #[error("a local stack is already running here (pid {pid}) at {url}: stop it first (Ctrl-C in its terminal)")]
    AlreadyRunning {
        /// Its `hookway dev` process.
        pid: u32,
        /// Its gateway.
        url: String,
    },
    /// A port is taken.
    #[error("port {port} on 127.0.0.1 ({what}) is in use: free it, or choose another with {option}")]
    PortInUse {
        /// What needs it.
        what: &'static str,
        /// The port.
        port: u16,
        /// The option that moves it.
        option: &'static str,
    },
    /// A process could not be started.
    #[error(transparent)]
    Spawn(#[from] supervisor::SpawnError),
    /// A process did not get ready.
    #[error("{what} did not get ready within {seconds} s; see {log}")]
    NotReady {
        /// What.
        what: &'static str,
        /// How long it had.
        seconds: u64,
        /// Where to look.
        log: String,
    },
    /// A started process exited.
    #[error("{name} exited ({status}); see {log}")]
    Exited {
        /// What.
        name: String,
        /// How.
        status: std::process::ExitStatus,
        /// Where to look.
        log: String,
    },
    /// The functions do not build.
    #[error("`cargo build --bin {0}` failed: fix the build, then run make dev again")]
    Build(String),
    /// The resources could not be created.
    #[error(transparent)]
    Provision(#[from] resources::ProvisionError),
    /// The secrets file.
    #[error(transparent)]
    Secrets(#[from] secrets::SecretsFileError),
    /// The state file.
    #[error(transparent)]
    State(#[from] state::StateError),
    /// The functions' environment.
    #[error(transparent)]
    Environment(#[from] hookway_core::env::EnvError),
    /// Anything else of the operating system's.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The configuration as the functions get it: its copy in the state folder.
#[derive(Debug, Clone)]
pub struct StagedConfig {
    /// The configuration, parsed from the bytes copied.
    pub config: Config,
    /// The copy, byte for byte: what `HOOKWAY_CONFIG_FILE` names (an absolute path).
    pub file: PathBuf,
    /// Its digest, as the functions log it.
    pub digest: String,
}

/// Reads the configuration file `config` once, checks it, and copies the bytes read into
/// `state_dir` as [`env::CONFIG_FILE`] (written aside, then renamed into place, so that a function
/// never reads half of it): the functions read this copy, as a function in AWS reads the one in
/// its package, and an edit of `config` while the stack runs applies at the next start only.
pub fn stage_config(config: &Path, state_dir: &Path) -> Result<StagedConfig, DevError> {
    let bytes =
        std::fs::read(config).map_err(|source| ConfigError::Read { path: config.display().to_string(), source })?;
    let parsed = Config::from_slice(&bytes)?;
    let file = state_dir.join(env::CONFIG_FILE);
    let partial = state_dir.join(format!("{}.partial", env::CONFIG_FILE));
    std::fs::write(&partial, &bytes)?;
    std::fs::rename(&partial, &file)?;
    Ok(StagedConfig {
        config: parsed,
        file: std::fs::canonicalize(&file)?,
        digest: hookway_core::config::digest(&bytes),
    })
}

/// The configuration `config` with every source's events forwarded to `url` as well: a `forward`
/// handler to it joins each route that is not the jobs' (unless it has one), and a route to it
/// follows them for each source, for the events no route took. Jobs are never forwarded: a route
/// whose source pattern also matches `jobs` (`*`) is preceded by an unchanged copy for the jobs.
pub fn with_forward(config: &[u8], url: &str) -> Result<Vec<u8>, DevError> {
    let parsed = Config::from_slice(config)?;
    let shape = |message: String| ConfigError::Shape { field: "routes".into(), message };
    let mut document: serde_json::Value = serde_json::from_slice(config).map_err(|error| shape(error.to_string()))?;
    let forward = serde_json::json!({"forward": {"url": url}});
    let Some(object) = document.as_object_mut() else {
        return Err(shape("the configuration is not a JSON object".into()).into());
    };
    let routes = object.entry("routes").or_insert_with(|| serde_json::json!([]));
    let Some(routes) = routes.as_array_mut() else {
        return Err(shape("not a list".into()).into());
    };
    let jobs = hookway_core::config::JOBS_SOURCE;
    let mut derived_routes = Vec::with_capacity(routes.len());
    for mut route in std::mem::take(routes) {
        let Some(object) = route.as_object_mut() else {
            derived_routes.push(route);
            continue;
        };
        let source = object.get("source").and_then(serde_json::Value::as_str).unwrap_or_default().to_owned();
        if source == jobs {
            derived_routes.push(route);
            continue;
        }
        if hookway_core::config::glob_matches(&source, jobs) {
            // A pattern that takes the jobs too (`*`): the jobs keep it unchanged, in a copy of
            // their own ahead of it (the first route that matches wins).
            let mut for_jobs = object.clone();
            for_jobs.insert("source".into(), serde_json::Value::String(jobs.to_owned()));
            derived_routes.push(serde_json::Value::Object(for_jobs));
        }
        let route = object;
        let mut handlers = match (route.remove("handler"), route.remove("handlers")) {
            (Some(handler), _) => vec![handler],
            (None, Some(serde_json::Value::Array(handlers))) => handlers,
            (None, _) => Vec::new(),
        };
        if !handlers
            .iter()
            .any(|handler| handler.pointer("/forward/url").and_then(serde_json::Value::as_str) == Some(url))
        {
            handlers.push(forward.clone());
        }
        route.insert("handlers".into(), serde_json::Value::Array(handlers));
        derived_routes.push(serde_json::Value::Object(std::mem::take(route)));
    }
    *routes = derived_routes;
    for source in &parsed.sources {
        routes.push(serde_json::json!({"source": source.name, "handler": forward}));
    }
    let derived = serde_json::to_vec_pretty(&document).map_err(|error| shape(error.to_string()))?;
    Config::from_slice(&derived)?;
    Ok(derived)
}

/// Runs the local stack until Ctrl-C (or SIGTERM), then stops everything it started.
pub async fn run(mut options: DevOptions) -> Result<(), DevError> {
    if !env::is_stack_name(&options.stack) {
        return Err(EnvError::Stack(options.stack).into());
    }
    std::fs::create_dir_all(&options.state_dir)?;
    if let Ok(previous) = DevState::read(&options.state_dir) {
        if previous.is_alive() {
            return Err(DevError::AlreadyRunning { pid: previous.pid, url: previous.gateway_url });
        }
        let stopped = previous.stop_leftovers();
        if stopped > 0 {
            println!("stopped {stopped} process group(s) left by a run that did not finish");
        }
        DevState::remove(&options.state_dir);
    }
    if let Some(url) = &options.forward_to {
        let bytes = std::fs::read(&options.config)
            .map_err(|source| ConfigError::Read { path: options.config.display().to_string(), source })?;
        let derived = options.state_dir.join(FORWARD_CONFIG_FILE);
        std::fs::write(&derived, with_forward(&bytes, url)?)?;
        println!(
            "forwarding every source's events to {url} as well: the stack runs {}, derived from {} (left as it is)",
            derived.display(),
            options.config.display()
        );
        options.config = derived;
    }
    let staged = stage_config(&options.config, &options.state_dir)?;
    for (what, port, option) in [
        ("the gateway", options.port, "--port"),
        ("moto", options.aws_port, "--aws-port"),
        ("cargo lambda watch", options.lambda_port, "--lambda-port"),
    ] {
        if StdListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).is_err() {
            return Err(DevError::PortInUse { what, port, option });
        }
    }
    let logs = std::env::temp_dir().join(format!("hookway-dev-{}", options.port));
    std::fs::create_dir_all(&logs)?;

    let mut supervisor = Supervisor::default();
    let result = run_stack(&options, &staged, &mut supervisor, &logs).await;
    println!("stopping…");
    supervisor.stop_all(Duration::from_secs(10)).await;
    DevState::remove(&options.state_dir);
    println!("stopped");
    result
}

async fn run_stack(
    options: &DevOptions,
    staged: &StagedConfig,
    supervisor: &mut Supervisor,
    logs: &Path,
) -> Result<(), DevError> {
    let config = &staged.config;
    let moto_log = logs.join("moto.log");
    println!(
        "starting moto on 127.0.0.1:{} (SQS, SSM, DynamoDB, S3, and the targets' SNS, EventBridge, Step Functions)…",
        options.aws_port
    );
    let mut moto = Command::new(&options.moto_server);
    moto.args(["-H", "127.0.0.1", "-p", &options.aws_port.to_string()]);
    // Whatever --moto-server is: no global CORS (tools/moto-server also refuses browser origins).
    moto.env("MOTO_DISABLE_GLOBAL_CORS", "true");
    supervisor.spawn("moto_server", moto, Some(&moto_log))?;
    let moto_log = moto_log.display().to_string();
    wait_for_port(supervisor, "moto", options.aws_port, Duration::from_secs(30), &moto_log).await?;
    let aws_endpoint = format!("http://127.0.0.1:{}", options.aws_port);
    // Named apart in moto's call log: what CloudFormation creates in AWS, not the stack's own calls.
    let aws = hookway_core::aws::with_app_name(&sdk_config(&aws_endpoint).await, "hookway-dev");
    let resources = resources::provision(&aws, config, options.visibility_timeout).await?;
    let secrets = LocalSecrets::load_or_generate(&options.state_dir, config)?;
    resources::put_secrets(&aws, &secrets.values).await?;

    println!("building the intake and the worker (the first build takes a few minutes)…");
    for function in [INTAKE_FUNCTION, WORKER_FUNCTION] {
        let mut build = Command::new("cargo");
        build.args(["build", "--bin", function]);
        if options.release {
            build.arg("--release");
        }
        let status = build.status().await?;
        if !status.success() {
            return Err(DevError::Build(function.to_owned()));
        }
    }
    let lambda_endpoint = format!("http://127.0.0.1:{}", options.lambda_port);
    supervisor.spawn("cargo lambda watch", watch_command(options, staged, &resources, &aws_endpoint)?, None)?;
    let ready = Duration::from_secs(120);
    wait_for_port(supervisor, "cargo lambda watch", options.lambda_port, ready, "its output above").await?;

    let invocation_timeout = Duration::from_secs(u64::from(config.worker.timeout_seconds) + 60);
    let lambda = Lambda::new(&lambda_endpoint, invocation_timeout).map_err(std::io::Error::other)?.logging_to(logs)?;
    // The calls Lambda's own services make (polling the queue, the on-failure destination) are
    // named as theirs in moto's call log, apart from the functions' calls.
    let sqs = hookway_core::aws::with_app_name(&aws, "lambda-service");
    // A long poll lasts up to 20 s: more than the SDK's usual attempt timeout.
    let sqs = aws_sdk_sqs::Client::from_conf(
        aws_sdk_sqs::config::Builder::from(&sqs)
            .timeout_config(
                aws_sdk_sqs::config::timeout::TimeoutConfig::builder()
                    .operation_attempt_timeout(Duration::from_secs(25))
                    .operation_timeout(Duration::from_secs(30))
                    .build(),
            )
            .build(),
    );
    let retry_delays = (0..config.jobs.retry_attempts).map(|retry| options.job_retry_delay * 2u32.pow(retry)).collect();
    let destination = SqsDestination { sqs: sqs.clone(), queue_url: resources.jobs_dlq_url.clone() };
    let jobs = Arc::new(AsyncInvoker::new(lambda.clone(), WORKER_FUNCTION, REGION, retry_delays, destination));
    let gateway = Arc::new(Gateway {
        lambda: lambda.clone(),
        intake: INTAKE_FUNCTION.to_owned(),
        worker: WORKER_FUNCTION.to_owned(),
        jobs,
        stage: config.api.stage_name.clone(),
        throttles: throttle::Throttles::from_config(config),
        webhooks: gateway::Webhooks::from_config(config),
        mount: options.mount.clone(),
        calls: Some(CallLog::new(&aws_endpoint, REGION).map_err(std::io::Error::other)?),
    });
    let sweeper = sweeper::Sweeper {
        lambda: lambda.clone(),
        function: WORKER_FUNCTION.to_owned(),
        interval: options.release_interval,
    };
    let poller = Poller {
        sqs,
        queue_url: resources.events_queue_url.clone(),
        queue_arn: resources.events_queue_arn.clone(),
        region: REGION.to_owned(),
        lambda,
        function: WORKER_FUNCTION.to_owned(),
        batch_size: i32::try_from(config.worker.batch_size).unwrap_or(10),
        batching_window: Duration::from_secs(u64::from(config.worker.batching_window_seconds)),
        long_poll_seconds: poller::LONG_POLL_SECONDS,
        pause_file: Some(options.state_dir.join(poller::PAUSE_FILE)),
        concurrency: LAMBDA_CONCURRENCY,
    };
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], options.port))).await?;
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(gateway.serve(listener, stopped.clone()));
    tokio::spawn(sweeper.run(stopped.clone()));
    tokio::spawn(poller.run(stopped));

    let gateway_url = format!("http://127.0.0.1:{}", options.port);
    let state = DevState {
        pid: std::process::id(),
        gateway_url: gateway_url.clone(),
        aws_endpoint,
        region: REGION.to_owned(),
        lambda_endpoint,
        events_queue_url: resources.events_queue_url.clone(),
        events_dlq_url: resources.events_dlq_url.clone(),
        jobs_dlq_url: resources.jobs_dlq_url.clone(),
        table: resources.table.clone(),
        archive_bucket: resources.archive_bucket.clone(),
        worker_function: WORKER_FUNCTION.to_owned(),
        config: std::fs::canonicalize(&options.config)?,
        logs: logs.to_owned(),
        process_groups: supervisor.process_groups(),
    };
    state.write(&options.state_dir)?;
    print_banner(&state, staged, options.mount.is_some(), &options.functions);

    let result = wait_for_stop(supervisor, logs).await;
    let _ = stop.send(true);
    result
}

/// `cargo lambda watch`, with the environment the stack gives the functions in AWS.
fn watch_command(
    options: &DevOptions,
    staged: &StagedConfig,
    resources: &Resources,
    aws_endpoint: &str,
) -> Result<Command, DevError> {
    let mut command = Command::new("cargo");
    let concurrency = LAMBDA_CONCURRENCY.to_string();
    command.args([
        "lambda",
        "watch",
        "-A",
        "127.0.0.1",
        "-P",
        &options.lambda_port.to_string(),
        "--concurrency",
        &concurrency,
    ]);
    if !options.reload {
        command.arg("--ignore-changes");
    }
    if options.release {
        command.arg("--release");
    }
    if let Some(dir) = &options.tool_dir {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let paths = std::iter::once(dir.clone()).chain(std::env::split_paths(&path));
        command.env("PATH", std::env::join_paths(paths).map_err(std::io::Error::other)?);
    }
    // The configuration file and the variables each function reads, by the names hookway-core
    // declares (both functions run in the same `cargo lambda watch`, so both get all of them).
    let values = [
        (Var::Stack, options.stack.clone()),
        (Var::EventsQueueUrl, resources.events_queue_url.clone()),
        (Var::EventsDlqUrl, resources.events_dlq_url.clone()),
        (Var::Table, resources.table.clone()),
        (Var::ArchiveBucket, resources.archive_bucket.clone()),
        (Var::ArchiveStream, resources.archive_stream.clone().unwrap_or_default()),
    ];
    command.envs(LambdaEnv::variables(&staged.config, &staged.file, &values.into())?);
    command
        .env("AWS_ENDPOINT_URL", aws_endpoint)
        .env("AWS_REGION", REGION)
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .env_remove("AWS_PROFILE");
    // Set even when empty: a value left in the shell that runs the stack never reaches the worker.
    command.env(LOCAL_FUNCTIONS_VAR, options.functions.to_json());
    Ok(command)
}

/// Waits until `port` accepts connections, failing if the process exits first.
async fn wait_for_port(
    supervisor: &mut Supervisor,
    what: &'static str,
    port: u16,
    timeout: Duration,
    log: &str,
) -> Result<(), DevError> {
    let deadline = Instant::now() + timeout;
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
        if let Some((name, status)) = supervisor.exited() {
            return Err(DevError::Exited { name, status, log: log.to_owned() });
        }
        if Instant::now() >= deadline {
            return Err(DevError::NotReady { what, seconds: timeout.as_secs(), log: log.to_owned() });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// Waits for Ctrl-C or SIGTERM, or for a started process to exit on its own.
async fn wait_for_stop(supervisor: &mut Supervisor, logs: &Path) -> Result<(), DevError> {
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut check = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = interrupt.recv() => return Ok(()),
            _ = terminate.recv() => return Ok(()),
            _ = check.tick() => {
                if let Some((name, status)) = supervisor.exited() {
                    return Err(DevError::Exited { name, status, log: logs.display().to_string() });
                }
            }
        }
    }
}

fn print_banner(state: &DevState, staged: &StagedConfig, inspector: bool, functions: &LocalFunctions) {
    let config = &staged.config;
    let url = &state.gateway_url;
    let hookway = std::env::current_exe()
        .ok()
        .and_then(|exe| {
            let cwd = std::env::current_dir().ok()?;
            Some(exe.strip_prefix(&cwd).map(|relative| relative.to_path_buf()).unwrap_or(exe))
        })
        .map_or_else(|| "hookway".to_owned(), |path| path.display().to_string());
    let config_arg = state.config.strip_prefix(std::env::current_dir().unwrap_or_default()).unwrap_or(&state.config);
    println!();
    println!("Hookway is running at {url}");
    if inspector {
        println!("Watch events arrive, see their deliveries, replay them: {url}{}", gateway::MOUNT_PREFIX);
    }
    println!();
    println!("Submit a job, then ask for it:");
    println!(
        "  curl -i -X POST {url}/jobs -H 'content-type: application/json' -d '{{\"type\": \"report.generate\", \"payload\": {{\"key\": \"value\"}}}}'"
    );
    println!("  curl {url}/jobs/<jobId>");
    println!();
    let door = match config.webhooks.endpoint {
        hookway_core::config::WebhookEndpoint::Rest => "the REST API's proxy events",
        hookway_core::config::WebhookEndpoint::HttpApi => "an HTTP API's payload 2.0 events",
        hookway_core::config::WebhookEndpoint::FunctionUrl => "the Function URL's events",
    };
    println!(
        "Send a real event of each source's provider, signed as the provider signs it (webhooks.endpoint {}: {door}):",
        config.webhooks.endpoint
    );
    for source in &config.sources {
        let name = source.name.as_str();
        match source.scheme {
            scheme if scheme.is_custom() => println!("  {hookway} send --source {name} --local"),
            scheme if scheme.as_str() == name => println!("  {hookway} trigger {scheme} --local"),
            scheme => println!("  {hookway} trigger {scheme} --source {name} --local"),
        }
    }
    println!();
    println!("Forward every event to a service on this machine as it arrives (Ctrl-C stops it):");
    println!("  {hookway} listen --local --forward-to http://localhost:8080/webhooks");
    println!();
    println!(
        "Operate it: {hookway} events tail --local | {hookway} events list --local | {hookway} replay --since 1h --local | {hookway} dlq list --local | {hookway} jobs status <jobId> --local"
    );
    println!(
        "The functions run the configuration as this start read it: {} ({}); restart to apply an edit of {}.",
        staged.file.display(),
        staged.digest,
        config_arg.display()
    );
    println!("AWS_ENDPOINT_URL={} (moto); logs in {}", state.aws_endpoint, state.logs.display());
    println!(
        "Create a target's queue, topic, bus or state machine in moto (account 123456789012), e.g.: aws --endpoint-url {} --region {} sqs create-queue --queue-name orders",
        state.aws_endpoint, state.region
    );
    for (name, url) in &functions.0 {
        println!("lambda targets calling function {name} are served by {url}");
    }
    println!("Press Ctrl-C to stop everything.");
}

#[cfg(test)]
mod tests {
    use hookway_core::config::glob_matches;

    use super::*;

    #[test]
    fn forward_to_joins_every_route_but_the_jobs_and_follows_them_for_each_source() {
        let config = serde_json::json!({
            "sources": [{"name": "stripe", "scheme": "stripe", "secretParameters": ["/s"]},
                        {"name": "github", "scheme": "github", "secretParameters": ["/g"]}],
            "routes": [
                {"source": "jobs", "type": "report.generate", "handler": {"custom": "report"}},
                {"source": "stripe", "type": "invoice.*", "handler": "log"},
                {"source": "github", "handlers": ["log", {"forward": {"url": "http://127.0.0.1:9/hook"}}]},
            ],
        });
        let derived = with_forward(config.to_string().as_bytes(), "http://127.0.0.1:9/hook").unwrap();
        let derived = Config::from_slice(&derived).unwrap();
        let described: Vec<(String, usize)> =
            derived.routes.iter().map(|route| (route.source.clone(), route.handlers().len())).collect();
        assert_eq!(
            described,
            [
                ("jobs".into(), 1),
                ("stripe".into(), 2),
                ("github".into(), 2),
                ("stripe".into(), 1),
                ("github".into(), 1)
            ]
        );
        assert!(with_forward(config.to_string().as_bytes(), "ftp://nowhere").is_err(), "the URL is checked");
    }

    #[test]
    fn local_functions_are_name_equals_url_and_reach_the_worker_as_one_json_object() {
        let functions =
            LocalFunctions::parse(["fulfil=http://127.0.0.1:9001", "report=http://127.0.0.1:9002/invoke"]).unwrap();
        let json: serde_json::Value = serde_json::from_str(&functions.to_json()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"fulfil": "http://127.0.0.1:9001", "report": "http://127.0.0.1:9002/invoke"})
        );
        assert_eq!(LocalFunctions::default().to_json(), "{}");
        for wrong in
            ["fulfil", "=http://127.0.0.1:9001", "ful fil=http://127.0.0.1:9001", "fulfil=ftp://host", "fulfil=nowhere"]
        {
            assert!(LocalFunctions::parse([wrong]).is_err(), "{wrong} is refused");
        }
        assert!(LocalFunctions::parse(["a=http://127.0.0.1:1", "a=http://127.0.0.1:2"]).is_err(), "a name twice");
    }

    #[test]
    fn forward_to_leaves_the_jobs_of_a_route_for_every_source_as_they_were() {
        let config = serde_json::json!({
            "sources": [{"name": "stripe", "scheme": "stripe", "secretParameters": ["/s"]}],
            "routes": [{"source": "*", "handler": "log"}],
        });
        let url = "http://127.0.0.1:9/hook";
        let derived = Config::from_slice(&with_forward(config.to_string().as_bytes(), url).unwrap()).unwrap();
        let first = |source: &str| {
            let route = derived.routes.iter().find(|route| glob_matches(&route.source, source)).unwrap();
            route.handlers().iter().map(|handler| serde_json::to_value(handler).unwrap()).collect::<Vec<_>>()
        };
        assert_eq!(first("jobs"), [serde_json::json!("log")], "a job takes the route as it was");
        let stripe = first("stripe");
        assert_eq!((stripe.len(), &stripe[0]), (2, &serde_json::json!("log")));
        assert_eq!(stripe[1].pointer("/forward/url"), Some(&serde_json::json!(url)), "a webhook is forwarded too");
    }
}
