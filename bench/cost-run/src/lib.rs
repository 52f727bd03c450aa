//! Counts what a fixed mix of events costs through the local stack: AWS calls, invocations, bytes.
//!
//! `make cost`'s measurement: a fixed mix of events through the local stack — `hookway dev`, the
//! real intake and worker under `cargo lambda watch` — with every AWS call counted by moto's call
//! log (tools/moto_server.py), every Lambda invocation timed by the local gateway and event
//! source mapping (`invocations.tsv`), and the bytes the functions log, the destination receives
//! and the archive keeps. [`measure`] runs one front door with one configuration profile and
//! returns what the mix cost, phase by phase: the webhooks, then the jobs. Whatever the profile's
//! archive writer, its calls are counted as the others are (a Firehose `PutRecordBatch` as
//! `firehose:PutRecordBatch`), and the model prices each writer from them.
//!
//! The webhooks are sent a batch at a time, the event source mapping paused while a batch is
//! queued, and each burst is drained before the next: moto's SQS receive scans the whole queue, so
//! a backlog of thousands would slow every call, and the mapping's receives and the worker's
//! batches fill as a busy queue fills them in AWS (at the local stack's few hundred webhooks a
//! second, a receive would otherwise come back with one or two). The model spreads what a batch
//! costs over the batches a scenario's traffic fills.
//!
//! [`paced`] sends webhooks at a steady rate instead, one when its time comes, and times each
//! from its 202 to the destination's receipt: what the batching window adds to a delivery
//! (`make latency`), and the batches and receives a stream of that rate really makes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use futures_util::{StreamExt, stream};
use hookway_core::Config;
use hookway_core::config::StateBilling;
use hookway_core::hookway_providers::SignRequest;
use hookway_core::local::secrets::LocalSecrets;
use hookway_core::local::state::DevState;
use hookway_cost::{
    Batching, Call, Invocations, Mix, PacedRun, Phase, Provisioned, RunSettings, VariantRun, merge_patch, quantile,
};
use hookway_testkit::receiver::{Receiver, Reply};
use hookway_testkit::{free_port, sdk_config_for, wait_for, workspace_root};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

/// The sources of the mix, one scheme each.
pub const SOURCES: [&str; 3] = ["stripe", "github", "shopify"];
/// Callers whose calls an event costs (the harness's own are `other`).
const CALLERS: [&str; 3] = ["hookway-intake", "hookway-worker", "lambda-service"];
/// Webhooks handed to the stack at once while a burst is sent.
const CONCURRENCY: usize = 16;
/// The first run builds both functions, optimised as Lambda runs them: on a busy two-core
/// machine, half an hour.
const BOOT: Duration = Duration::from_secs(45 * 60);
/// Webhooks sent before counting: enough to start every instance of each function.
const WARM_UP: usize = 6;
/// How long a burst may take to be delivered.
const DRAIN: Duration = Duration::from_secs(120);

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The `hookway` binary.
    pub hookway: PathBuf,
    /// `webhooks.endpoint`.
    pub endpoint: String,
    /// The configuration profile's name, `default` or `volume`.
    pub profile: String,
    /// Its settings, merged over the mix's configuration (a JSON merge patch): `{}` for
    /// hookway.json's defaults, `cost/volume.json` for the volume settings.
    pub settings: Value,
    /// Webhooks to send.
    pub webhooks: u64,
    /// One webhook in this many fails once at the destination.
    pub failing_one_in: u64,
    /// Jobs to submit.
    pub jobs: u64,
    /// Each webhook's body.
    pub body_bytes: usize,
    /// Run the functions' release builds (what Lambda runs), for their timings.
    pub release: bool,
    /// A folder for the stack's state, configuration and output.
    pub dir: PathBuf,
}

/// `hookway dev`, stopped (its process group) when dropped.
struct Stack {
    child: Child,
    state: DevState,
    output: PathBuf,
}

impl Stack {
    /// Ctrl-C, as a person stops it, and its end awaited (it stops what it started).
    async fn stop(mut self) {
        self.interrupt();
        let _ = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await;
    }

    fn interrupt(&self) {
        if let Some(pid) = self.child.id().and_then(|pid| i32::try_from(pid).ok()) {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGINT);
        }
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.interrupt();
    }
}

/// The configuration `options` run, written to their folder and read back as the stack reads it.
fn write_config(options: &Options, destination: &str) -> Result<(PathBuf, Config), String> {
    std::fs::create_dir_all(&options.dir).map_err(|error| format!("{}: {error}", options.dir.display()))?;
    let config_path = options.dir.join("hookway.json");
    let config = config_for(options, destination);
    std::fs::write(&config_path, serde_json::to_string_pretty(&config).unwrap_or_default())
        .map_err(|error| format!("{}: {error}", config_path.display()))?;
    let parsed = Config::load(&config_path).map_err(|error| format!("{} profile: {error}", options.profile))?;
    Ok((config_path, parsed))
}

/// The settings of a configuration the cost depends on, as a run records them.
pub fn run_settings(config: &Config) -> RunSettings {
    let state = &config.state;
    RunSettings {
        batch_size: config.worker.batch_size,
        batching_window_seconds: config.worker.batching_window_seconds,
        intake_memory_mb: config.intake.memory_mb,
        worker_memory_mb: config.worker.memory_mb,
        archive_retention_days: config.archive.retention_days,
        archive_writer: config.archive.writer.as_str().to_owned(),
        provisioned: (state.billing == StateBilling::Provisioned).then_some(Provisioned {
            read_min: state.read_capacity.min,
            read_max: state.read_capacity.max,
            write_min: state.write_capacity.min,
            write_max: state.write_capacity.max,
            target_utilization_percent: state.target_utilization_percent,
        }),
    }
}

/// A stack up and warm: each function's instances started (`cargo lambda watch` builds and starts
/// one on its first invocation: a cold start is not what an event costs), and settled.
struct Warm {
    stack: Stack,
    aws: hookway_core::aws::SdkConfig,
    http: reqwest::Client,
    secrets: LocalSecrets,
}

async fn start_warm(
    options: &Options,
    config_path: &Path,
    parsed: &Config,
    receiver: &Receiver,
    log: &impl Fn(&str),
) -> Result<Warm, String> {
    log(&format!("{} ({} profile): starting the local stack…", options.endpoint, options.profile));
    let stack = start(options, config_path).await?;
    let aws = sdk_config_for(&stack.state.aws_endpoint).await;
    let http = reqwest::Client::new();
    let secrets = LocalSecrets::load(&options.dir.join("state")).map_err(|error| error.to_string())?;
    let before = delivered(receiver);
    let warm_up = (0..WARM_UP).map(|index| {
        send(
            &http,
            &stack.state.gateway_url,
            parsed,
            &secrets,
            SOURCES[index % SOURCES.len()],
            u64::MAX - index as u64,
            false,
            64,
        )
    });
    let answers: Vec<Result<Instant, String>> = stream::iter(warm_up).buffer_unordered(WARM_UP).collect().await;
    answers.into_iter().collect::<Result<Vec<Instant>, String>>()?;
    wait_for("the warm-up webhooks delivered", BOOT, || async {
        (delivered(receiver) >= before + WARM_UP).then_some(())
    })
    .await;
    settle(&aws, &stack.state).await;
    Ok(Warm { stack, aws, http, secrets })
}

/// Runs the mix through one front door with one profile and counts what it cost.
pub async fn measure(options: &Options, log: impl Fn(&str)) -> Result<(Mix, VariantRun), String> {
    let receiver = Receiver::start().await;
    receiver.always(Reply::Status(200));
    receiver.refuse_once_at("/flaky", 500);
    let (config_path, parsed) = write_config(options, &receiver.url)?;
    let Warm { stack, aws, http, secrets } = start_warm(options, &config_path, &parsed, &receiver, &log).await?;
    let state = &stack.state;
    let before = Snapshot::take(&http, state, &stack.output, &receiver).await?;
    let baseline = delivered(&receiver);
    let pause = options.dir.join("state").join(hookway_core::local::PAUSE_FILE);
    // A batch for each of the mapping's pollers.
    let burst = u64::from(parsed.worker.batch_size.max(10)) * hookway_core::local::LAMBDA_CONCURRENCY as u64;
    let mut sent = 0;
    while sent < options.webhooks {
        let count = burst.min(options.webhooks - sent);
        let failing =
            |index: u64| options.failing_one_in > 0 && index % options.failing_one_in == options.failing_one_in - 1;
        let sends = (sent..sent + count).map(|index| {
            let source = SOURCES[usize::try_from(index).unwrap_or(0) % SOURCES.len()];
            send(&http, &state.gateway_url, &parsed, &secrets, source, index, failing(index), options.body_bytes)
        });
        // Queued whole, then taken: at volume the queue always holds a batch, and the event source
        // mapping's receives come back full.
        std::fs::write(&pause, b"").map_err(|error| format!("{}: {error}", pause.display()))?;
        let answers: Vec<Result<Instant, String>> = stream::iter(sends).buffer_unordered(CONCURRENCY).collect().await;
        let _ = std::fs::remove_file(&pause);
        answers.into_iter().collect::<Result<Vec<Instant>, String>>()?;
        sent += count;
        let expected = baseline + usize::try_from(sent).unwrap_or(usize::MAX);
        wait_for(&format!("{sent} webhooks delivered"), DRAIN, || async {
            (delivered(&receiver) >= expected).then_some(())
        })
        .await;
        log(&format!("{}: {sent}/{} webhooks delivered", options.endpoint, options.webhooks));
    }
    settle(&aws, state).await;
    let after = Snapshot::take(&http, state, &stack.output, &receiver).await?;
    let mut webhooks = after.since(&before, options.webhooks);
    webhooks.archived_bytes = archive_bytes(&aws, &state.archive_bucket).await?;
    webhooks.largest_item_bytes = largest_item(&aws, &state.table).await?;

    // The jobs: submitted, then asked for once each is done.
    let before = after;
    let mut ids = Vec::new();
    for index in 0..options.jobs {
        let body = json!({"type": "report.generate", "payload": {"key": format!("job-{index}")}});
        let answer =
            http.post(format!("{}/jobs", state.gateway_url)).json(&body).send().await.map_err(|e| e.to_string())?;
        if answer.status().as_u16() != 202 {
            return Err(format!("POST /jobs answered {}", answer.status()));
        }
        let answer: Value = answer.json().await.map_err(|error| error.to_string())?;
        ids.push(answer["jobId"].as_str().unwrap_or_default().to_owned());
    }
    let worker_runs = before.invocations.get("hookway-worker").map_or(0, |runs| runs.count) + options.jobs;
    let invocations_log = state.logs.join("invocations.tsv");
    wait_for("every job run", DRAIN, || async {
        let runs = read_invocations(&invocations_log).get("hookway-worker").map_or(0, |runs| runs.count);
        (runs >= worker_runs).then_some(())
    })
    .await;
    for id in &ids {
        wait_for(&format!("job {id} succeeded"), DRAIN, || async {
            let answer = http.get(format!("{}/jobs/{id}", state.gateway_url)).send().await.ok()?;
            let answer: Value = answer.json().await.ok()?;
            (answer["status"] == "SUCCEEDED").then_some(())
        })
        .await;
    }
    settle(&aws, state).await;
    let after = Snapshot::take(&http, state, &stack.output, &receiver).await?;
    let jobs = after.since(&before, options.jobs);

    let mix = Mix {
        webhooks: options.webhooks,
        sources: SOURCES.iter().map(|source| (*source).to_owned()).collect(),
        body_bytes: u64::try_from(options.body_bytes).unwrap_or(0),
        destinations: 1,
        failed_once: u64::try_from(receiver.received_at("/flaky").iter().filter(|r| r.status == Some(500)).count())
            .unwrap_or(0),
        jobs: options.jobs,
        settings: run_settings(&parsed),
    };
    stack.stop().await;
    let run = VariantRun {
        endpoint: options.endpoint.clone(),
        profile: Some(options.profile.clone()),
        settings: Some(run_settings(&parsed)),
        webhooks,
        jobs,
    };
    Ok((mix, run))
}

/// What `paced` runs: webhooks at a steady rate, timed one by one.
#[derive(Debug, Clone)]
pub struct Paced {
    /// The stack and its configuration (`webhooks` is how many are timed, `failing_one_in` and
    /// `jobs` do not apply).
    pub options: Options,
    /// Webhooks a second.
    pub rate: f64,
}

/// Sends webhooks at `paced.rate` a second, each when its time comes (not when the last was
/// answered), and times each from its 202 to the destination's receipt; counts the batches and
/// the event source mapping's receives meanwhile.
pub async fn paced(paced: &Paced, log: impl Fn(&str)) -> Result<PacedRun, String> {
    let options = &paced.options;
    let receiver = Receiver::start().await;
    receiver.always(Reply::Status(200));
    let (config_path, parsed) = write_config(options, &receiver.url)?;
    let Warm { stack, aws, http, secrets } = start_warm(options, &config_path, &parsed, &receiver, &log).await?;
    let state = &stack.state;
    let before = Snapshot::take(&http, state, &stack.output, &receiver).await?;
    let baseline = delivered(&receiver);
    let started = tokio::time::Instant::now();
    let interval = Duration::from_secs_f64(1.0 / paced.rate.max(1e-3));
    let mut sends = tokio::task::JoinSet::new();
    for index in 0..options.webhooks {
        let at = started + interval.mul_f64(index as f64);
        tokio::time::sleep_until(at).await;
        let (http, gateway, config, secrets) =
            (http.clone(), state.gateway_url.clone(), parsed.clone(), secrets.clone());
        let body_bytes = options.body_bytes;
        sends.spawn(async move {
            let source = SOURCES[usize::try_from(index).unwrap_or(0) % SOURCES.len()];
            let answered = send(&http, &gateway, &config, &secrets, source, index, false, body_bytes).await?;
            Ok::<_, String>((event_id(index), answered))
        });
    }
    let mut answered = BTreeMap::new();
    while let Some(sent) = sends.join_next().await {
        let (id, at) = sent.map_err(|error| error.to_string())??;
        answered.insert(id, at);
    }
    let expected = baseline + answered.len();
    wait_for(&format!("{} paced webhooks delivered", answered.len()), DRAIN, || async {
        (delivered(&receiver) >= expected).then_some(())
    })
    .await;
    settle(&aws, state).await;
    let after = Snapshot::take(&http, state, &stack.output, &receiver).await?;
    let phase = after.since(&before, options.webhooks);
    let mut latencies = Vec::new();
    for request in receiver.received() {
        let id =
            serde_json::from_slice::<Value>(&request.body).ok().and_then(|body| body["id"].as_str().map(str::to_owned));
        if let Some(answered) = id.and_then(|id| answered.get(&id)) {
            latencies.push(request.at.saturating_duration_since(*answered).as_secs_f64() * 1000.0);
        }
    }
    stack.stop().await;
    if latencies.len() < answered.len() {
        return Err(format!("{} of {} paced webhooks were delivered", latencies.len(), answered.len()));
    }
    let batching = Batching::measured(&phase);
    let prices = hookway_cost::Prices::bundled().map_err(|error| error.to_string())?;
    let model = Batching::of_stream(
        paced.rate,
        hookway_core::local::LAMBDA_CONCURRENCY as f64,
        parsed.worker.batching_window_seconds,
        parsed.worker.batch_size,
        prices.latencies.of("sqs"),
    );
    log(&format!(
        "{:.2} a second, window {} s: median {:.0} ms, p90 {:.0} ms; {:.1} events a batch ({:.1} by the model), {:.2} receives an event ({:.2})",
        paced.rate,
        parsed.worker.batching_window_seconds,
        quantile(&latencies, 0.5),
        quantile(&latencies, 0.9),
        batching.events_per_batch,
        model.events_per_batch,
        batching.receives_per_event(),
        model.receives_per_event(),
    ));
    Ok(PacedRun {
        rate: paced.rate,
        batching_window_seconds: parsed.worker.batching_window_seconds,
        batch_size: parsed.worker.batch_size,
        events: options.webhooks,
        median_ms: quantile(&latencies, 0.5),
        p90_ms: quantile(&latencies, 0.9),
        events_per_batch: batching.events_per_batch,
        receives_per_event: batching.receives_per_event(),
        model_events_per_batch: model.events_per_batch,
        model_receives_per_event: model.receives_per_event(),
    })
}

/// The mix's configuration: three sources, the jobs' report handler, one forward destination
/// (`/flaky` is the same destination, for the events it refuses once).
fn config_for(options: &Options, destination: &str) -> Value {
    let sources: Vec<Value> = SOURCES
        .iter()
        .map(|name| json!({"name": name, "scheme": name, "secretParameters": [format!("/hookway/{name}/secret")]}))
        .collect();
    let mut config = json!({
        "sources": sources,
        "routes": [
            {"source": "jobs", "type": "report.generate", "handler": {"custom": "report"}},
            {"source": "*", "type": "flaky.*", "handler": {"forward": {"url": format!("{destination}/flaky"), "maxAttempts": 1, "retry": {"schedule": ["1s"]}}}},
            {"source": "*", "handler": {"forward": {"url": format!("{destination}/hooks")}}}
        ]
    });
    merge_patch(&mut config, &options.settings);
    merge_patch(&mut config, &json!({"webhooks": {"endpoint": options.endpoint}}));
    config
}

/// Requests the destination took.
fn delivered(receiver: &Receiver) -> usize {
    receiver.received().iter().filter(|request| request.status == Some(200)).count()
}

/// Starts `hookway dev` and waits until it is up (it writes its state file last).
async fn start(options: &Options, config: &Path) -> Result<Stack, String> {
    let state_dir = options.dir.join("state");
    let _ = std::fs::remove_dir_all(&state_dir);
    let output = options.dir.join("hookway-dev.out");
    let venv = workspace_root().join(".venv/bin");
    let path = std::env::join_paths(
        std::iter::once(venv).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .map_err(|error| error.to_string())?;
    let file = |path: &Path| std::fs::File::create(path).map_err(|error| format!("{}: {error}", path.display()));
    let mut child = Command::new(&options.hookway)
        .args(["dev", "--no-reload"])
        // The mix parks nothing (its one retry waits 5 s in the queue): no sweep during the run,
        // whose fixed cost a minute is not the events'.
        .args(["--release-interval", "3600"])
        .args(options.release.then_some("--release"))
        .arg("--config")
        .arg(config)
        .arg("--state-dir")
        .arg(&state_dir)
        .args(["--port", &free_port().to_string(), "--aws-port", &free_port().to_string()])
        .args(["--lambda-port", &free_port().to_string()])
        .env("PATH", path)
        .current_dir(workspace_root())
        .stdin(Stdio::null())
        .stdout(file(&output)?)
        .stderr(file(&options.dir.join("hookway-dev.err"))?)
        .spawn()
        .map_err(|error| format!("{}: {error}", options.hookway.display()))?;
    let deadline = tokio::time::Instant::now() + BOOT;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("hookway dev exited ({status}): see {}", output.display()));
        }
        if let Ok(state) = DevState::read(&state_dir) {
            return Ok(Stack { child, state, output });
        }
        if tokio::time::Instant::now() > deadline {
            let _ = child.start_kill();
            return Err(format!("hookway dev was not up within {BOOT:?}: see {}", output.display()));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The id of the mix's webhook `index`.
fn event_id(index: u64) -> String {
    format!("evt_{index:020}")
}

/// Signs one webhook as `source` would and posts it: it must be accepted. When its answer came.
#[allow(clippy::too_many_arguments)]
async fn send(
    http: &reqwest::Client,
    gateway: &str,
    config: &Config,
    secrets: &LocalSecrets,
    source: &str,
    index: u64,
    failing: bool,
    body_bytes: usize,
) -> Result<Instant, String> {
    let settings = config.source(source).ok_or_else(|| format!("no source {source}"))?;
    let source = hookway_core::Source::new(settings).map_err(|error| error.to_string())?;
    let parameter = settings.secret_parameters.first().ok_or("no secret parameter")?;
    let secret = secrets.values.get(parameter).ok_or_else(|| format!("no local secret {parameter}"))?;
    let key = source.scheme.key(secret, None).map_err(|error| error.to_string())?;
    let event_type = if failing { "flaky.refused-once" } else { "invoice.paid" };
    let id = event_id(index);
    let body = body_of(&id, event_type, body_bytes);
    let url = format!("{gateway}/webhooks/{}", source.name);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |t| t.as_secs());
    let timestamp = i64::try_from(now).unwrap_or(i64::MAX);
    let request = SignRequest { id: &id, timestamp, body: body.as_bytes(), method: "POST", url: &url };
    let signed = source.scheme.sign(&key, &request).map_err(|error| error.to_string())?;
    let mut post =
        http.post(&url).header("content-type", "application/json").body(signed.body.unwrap_or(body.into_bytes()));
    for (name, value) in signed.headers {
        post = post.header(name, value);
    }
    if let Some(name) = source.scheme.type_header() {
        post = post.header(name, event_type);
    }
    let answer = post.send().await.map_err(|error| format!("POST {url}: {error}"))?;
    let at = Instant::now();
    match answer.status().as_u16() {
        200..=299 => Ok(at),
        status => Err(format!("POST {url} answered {status}: {}", answer.text().await.unwrap_or_default())),
    }
}

/// A JSON event of exactly `bytes` bytes (or its fields' size, if larger).
fn body_of(id: &str, event_type: &str, bytes: usize) -> String {
    let event = json!({"id": id, "type": event_type, "created": 1_795_996_500, "data": {"object": {"id": format!("in_{id}"), "note": ""}}});
    let bare = event.to_string().len();
    let mut event = event;
    event["data"]["object"]["note"] = json!("x".repeat(bytes.saturating_sub(bare)));
    event.to_string()
}

/// Waits until the events queue is empty (nothing visible, in flight or delayed) and no
/// invocation has ended for a second: every batch's outcome written, its messages deleted.
async fn settle(aws: &hookway_core::aws::SdkConfig, state: &DevState) {
    let sqs = aws_sdk_sqs::Client::new(aws);
    let log = state.logs.join("invocations.tsv");
    wait_for("the events queue to empty", DRAIN, || async {
        let attributes = sqs
            .get_queue_attributes()
            .queue_url(&state.events_queue_url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
            .send()
            .await
            .ok()?;
        let attributes = attributes.attributes()?;
        let waiting: u64 = [
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ]
        .iter()
        .filter_map(|name| attributes.get(&aws_sdk_sqs::types::QueueAttributeName::from(*name))?.parse::<u64>().ok())
        .sum();
        let ended = std::fs::metadata(&log).ok()?.len();
        tokio::time::sleep(Duration::from_secs(1)).await;
        let still = std::fs::metadata(&log).ok()?.len();
        (waiting == 0 && ended == still).then_some(())
    })
    .await;
}

/// What the counters said at one moment.
#[derive(Debug)]
struct Snapshot {
    calls: Vec<Call>,
    invocations: BTreeMap<String, Invocations>,
    logged: Logged,
    deliveries: u64,
    delivered_bytes: u64,
    cpu_seconds: BTreeMap<String, f64>,
}

impl Snapshot {
    async fn take(
        http: &reqwest::Client,
        state: &DevState,
        output: &Path,
        receiver: &Receiver,
    ) -> Result<Snapshot, String> {
        let calls: Vec<Call> = http
            .get(format!("{}/_hookway/calls", state.aws_endpoint))
            .send()
            .await
            .map_err(|error| format!("moto's call log: {error}"))?
            .json()
            .await
            .map_err(|error| format!("moto's call log: {error} (is moto run by tools/moto-server?)"))?;
        let received = receiver.received();
        Ok(Snapshot {
            calls: calls.into_iter().filter(|call| CALLERS.contains(&call.caller.as_str())).collect(),
            invocations: read_invocations(&state.logs.join("invocations.tsv")),
            logged: Logged::read(output),
            deliveries: received.len() as u64,
            delivered_bytes: received.iter().map(request_bytes).sum(),
            cpu_seconds: cpu_seconds(),
        })
    }

    /// What happened between `before` and this one, for `events` events.
    fn since(&self, before: &Snapshot, events: u64) -> Phase {
        let calls =
            self.calls
                .iter()
                .filter_map(|call| {
                    let earlier = before.calls.iter().find(|c| {
                        (&c.caller, &c.service, &c.operation) == (&call.caller, &call.service, &call.operation)
                    });
                    let count = call.count - earlier.map_or(0, |c| c.count);
                    (count > 0).then(|| Call {
                        count,
                        read_units: call.read_units - earlier.map_or(0.0, |c| c.read_units),
                        write_units: call.write_units - earlier.map_or(0.0, |c| c.write_units),
                        ..call.clone()
                    })
                })
                .collect();
        let invocations = self
            .invocations
            .iter()
            .map(|(function, now)| {
                let earlier = before.invocations.get(function).copied().unwrap_or_default();
                let cpu = |snapshot: &Snapshot| snapshot.cpu_seconds.get(function).copied().unwrap_or(0.0);
                let runs = Invocations {
                    count: now.count - earlier.count,
                    seconds: now.seconds - earlier.seconds,
                    cpu_seconds: (cpu(self) - cpu(before)).max(0.0),
                };
                (function.clone(), runs)
            })
            .filter(|(_, runs)| runs.count > 0)
            .collect();
        Phase {
            events,
            calls,
            invocations,
            log_bytes: self.logged.bytes - before.logged.bytes,
            batch_log_bytes: self.logged.batch_bytes - before.logged.batch_bytes,
            batch_log_lines: self.logged.batch_lines - before.logged.batch_lines,
            deliveries: self.deliveries - before.deliveries,
            delivered_bytes: self.delivered_bytes - before.delivered_bytes,
            archived_bytes: 0,
            largest_item_bytes: 0,
        }
    }
}

/// The CPU time (user and system) the functions' processes have used, by function: what
/// Lambda bills of an invocation that does not wait (the clock ticks of /proc/PID/stat).
fn cpu_seconds() -> BTreeMap<String, f64> {
    let mut totals = BTreeMap::new();
    let ticks = 100.0; // USER_HZ: 100 on every Linux ABI this runs on.
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        let name = &stat[open + 1..close];
        if !CALLERS[..2].contains(&name) {
            continue;
        }
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        let used: f64 = [11, 12].iter().filter_map(|at| fields.get(*at)?.parse::<f64>().ok()).sum();
        *totals.entry(name.to_owned()).or_default() += used / ticks;
    }
    totals
}

/// The invocation log's totals by function.
fn read_invocations(path: &Path) -> BTreeMap<String, Invocations> {
    let mut totals: BTreeMap<String, Invocations> = BTreeMap::new();
    for line in std::fs::read_to_string(path).unwrap_or_default().lines() {
        let Some((function, micros)) = line.split_once('\t') else { continue };
        let Ok(micros) = micros.parse::<u64>() else { continue };
        let total = totals.entry(function.to_owned()).or_default();
        total.count += 1;
        total.seconds += Duration::from_micros(micros).as_secs_f64();
    }
    totals
}

/// The bytes of the functions' log lines (JSON objects, one a line) in the stack's output.
#[derive(Debug, Default, Clone, Copy)]
struct Logged {
    /// All of them.
    bytes: u64,
    /// The worker's metrics lines (one per source of an invocation), less the lists of each
    /// event's values they carry.
    batch_bytes: u64,
    /// How many metrics lines.
    batch_lines: u64,
}

impl Logged {
    fn read(output: &Path) -> Logged {
        let text = std::fs::read_to_string(output).unwrap_or_default();
        let mut logged = Logged::default();
        for line in text.lines().map(str::trim).filter(|line| line.starts_with('{')) {
            let bytes = line.len() as u64 + 1;
            logged.bytes += bytes;
            if let Some(per_event) = batch_metrics(line) {
                logged.batch_bytes += bytes.saturating_sub(per_event);
                logged.batch_lines += 1;
            }
        }
        logged
    }
}

/// For a worker's metrics line (an EMF document with `Processed` or `DeliveriesDelayed`), the
/// bytes of its members that list a value per event (`"HandlerLatency":[…]`); `None` for another
/// line.
fn batch_metrics(line: &str) -> Option<u64> {
    if !line.contains("\"_aws\"") {
        return None;
    }
    let document: Value = serde_json::from_str(line).ok()?;
    let members = document.as_object()?;
    if !(members.contains_key("Processed") || members.contains_key("DeliveriesDelayed")) {
        return None;
    }
    let lists = members
        .iter()
        .filter(|(_, value)| value.is_array())
        .map(|(name, value)| (name.len() + 4 + value.to_string().len()) as u64)
        .sum();
    Some(lists)
}

/// A request's bytes on the wire, roughly: its line, headers and body.
fn request_bytes(request: &hookway_testkit::receiver::Received) -> u64 {
    let headers: usize = request.headers.iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum();
    (request.path.len() + 16 + headers + request.body.len() + 2) as u64
}

/// The archive bucket's bytes.
async fn archive_bytes(aws: &hookway_core::aws::SdkConfig, bucket: &str) -> Result<u64, String> {
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(aws).force_path_style(true).build());
    let mut total = 0;
    let mut pages = s3.list_objects_v2().bucket(bucket).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|error| format!("list {bucket}: {}", aws_sdk_s3::error::DisplayErrorContext(error)))?;
        let sizes = page.contents().iter().filter_map(aws_sdk_s3::types::Object::size);
        total += sizes.map(|size| u64::try_from(size).unwrap_or(0)).sum::<u64>();
    }
    Ok(total)
}

/// The state table's largest item, by DynamoDB's measure (names and values).
async fn largest_item(aws: &hookway_core::aws::SdkConfig, table: &str) -> Result<u64, String> {
    let dynamodb = aws_sdk_dynamodb::Client::new(aws);
    let mut largest = 0;
    // Small pages: each is one call, well within the SDK's attempt timeout on a busy moto.
    let mut pages = dynamodb.scan().table_name(table).limit(100).into_paginator().items().send();
    while let Some(item) = pages.next().await {
        let item =
            item.map_err(|error| format!("scan {table}: {}", aws_sdk_dynamodb::error::DisplayErrorContext(error)))?;
        let size: usize = item.iter().map(|(name, value)| name.len() + attribute_size(value)).sum();
        largest = largest.max(size as u64);
    }
    Ok(largest)
}

fn attribute_size(value: &aws_sdk_dynamodb::types::AttributeValue) -> usize {
    use aws_sdk_dynamodb::types::AttributeValue as A;
    match value {
        A::S(text) => text.len(),
        A::N(number) => number.len().div_ceil(2) + 1,
        A::B(bytes) => bytes.as_ref().len(),
        A::Bool(_) | A::Null(_) => 1,
        A::M(map) => 3 + map.iter().map(|(name, value)| name.len() + attribute_size(value) + 1).sum::<usize>(),
        A::L(list) => 3 + list.iter().map(|value| attribute_size(value) + 1).sum::<usize>(),
        A::Ss(set) | A::Ns(set) => set.iter().map(String::len).sum(),
        A::Bs(set) => set.iter().map(|bytes| bytes.as_ref().len()).sum(),
        _ => 0,
    }
}
