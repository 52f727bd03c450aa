//! `make cost`: counts the calls of each endpoint and profile, and writes the reports in `cost/`.
//!
//! `make cost`: the mix through each front door with each profile, then `cost/measured.json`,
//! `cost/report.json` and `cost/REPORT.md`, and the tables on the terminal. `make latency`
//! (`--latency`): what the batching window adds to a delivery, into `cost/latency.json`.
//! `--outage FILE`: the calls `crates/worker/tests/waits.rs` counted for an event waiting through
//! the whole default schedule (its `HOOKWAY_OUTAGE_CALLS` file), priced into `cost/outage.json`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use hookway_cost::{
    DEFAULT_PROFILE, DEFAULT_WAITS_SECONDS, HEADLINE_VOLUME, LatencyReport, MONTH_SECONDS, Measured, Prices,
    VOLUME_JSON, VOLUME_PROFILE, WaitCalls, latency_section, markdown_report, report_json, run_estimates, text_table,
};
use hookway_cost_run::{Options, Paced, measure, paced};
use hookway_testkit::workspace_root;
use serde_json::{Value, json};

/// Runs a fixed mix of events through the local stack, counting every AWS call, and prices it.
#[derive(Debug, Parser)]
#[command(name = "hookway-cost-run")]
struct Args {
    /// Webhooks to send, over three sources.
    #[arg(long, default_value_t = 2000)]
    webhooks: u64,
    /// Jobs to submit.
    #[arg(long, default_value_t = 10)]
    jobs: u64,
    /// One webhook in this many is refused once (500) by the destination.
    #[arg(long, default_value_t = 100)]
    failing_one_in: u64,
    /// Each webhook's body, in bytes.
    #[arg(long, default_value_t = 1024)]
    body_bytes: usize,
    /// The configuration profiles to measure, comma-separated: `default` (hookway.json's
    /// defaults) and `volume` (cost/volume.json over them).
    #[arg(long, value_delimiter = ',', default_value = "default,volume")]
    profiles: Vec<String>,
    /// The front doors to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "rest,http-api,function-url")]
    endpoints: Vec<String>,
    /// Every profile with this `archive.writer` (`worker` or `firehose`) instead of its own: the
    /// local stack's worker must support the writer measured.
    #[arg(long, value_name = "WRITER")]
    archive_writer: Option<String>,
    /// Measure the latency the batching window adds instead (`make latency`): webhooks sent at
    /// 10M a month's rate and at `--low-rate`, with the default window and without.
    #[arg(long)]
    latency: bool,
    /// Price an event waiting through the whole default retry schedule instead, from the calls
    /// `crates/worker/tests/waits.rs` wrote to FILE (`HOOKWAY_OUTAGE_CALLS=FILE`), into
    /// `outage.json`.
    #[arg(long, value_name = "FILE", conflicts_with = "latency")]
    outage: Option<PathBuf>,
    /// Webhooks timed at 10M a month's rate, for each window.
    #[arg(long, default_value_t = 200)]
    paced_webhooks: u64,
    /// The low rate, in webhooks a second.
    #[arg(long, default_value_t = 0.2)]
    low_rate: f64,
    /// Webhooks timed at the low rate, for each window.
    #[arg(long, default_value_t = 40)]
    low_rate_webhooks: u64,
    /// Time the functions' debug builds (quicker to build; the compute estimate is then much
    /// higher than Lambda's).
    #[arg(long)]
    debug: bool,
    /// Where the results go.
    #[arg(long, default_value = "cost")]
    out: PathBuf,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let result = if let Some(calls) = args.outage.clone() {
        outage(&calls, &args.out)
    } else if args.latency {
        latency(args).await
    } else {
        run(args).await
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("make cost: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The `hookway` binary of this workspace, built.
async fn hookway(root: &Path) -> Result<PathBuf, String> {
    let status = tokio::process::Command::new("cargo")
        .args(["build", "--quiet", "--locked", "-p", "hookway-cli"])
        .current_dir(root)
        .status()
        .await
        .map_err(|error| format!("cargo build: {error}"))?;
    if !status.success() {
        return Err("cargo build -p hookway-cli failed".into());
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    Ok(target.join("debug/hookway"))
}

/// A profile's settings: what it merges over the mix's configuration.
fn settings(profile: &str, archive_writer: Option<&str>) -> Result<Value, String> {
    let mut settings = match profile {
        DEFAULT_PROFILE => json!({}),
        VOLUME_PROFILE => serde_json::from_str(VOLUME_JSON).map_err(|error| format!("cost/volume.json: {error}"))?,
        other => return Err(format!("no profile `{other}`: default or volume")),
    };
    if let Some(writer) = archive_writer {
        hookway_cost::merge_patch(&mut settings, &json!({"archive": {"writer": writer}}));
    }
    Ok(settings)
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|error| format!("{}: {error}", path.display()))
}

async fn run(args: Args) -> Result<(), String> {
    let root = workspace_root();
    let hookway = hookway(&root).await?;
    let prices = Prices::bundled().map_err(|error| error.to_string())?;
    let (date, commit) = (hookway_core::rfc3339_now()[..10].to_owned(), commit());
    let (mut mix, mut variants) = (None, Vec::new());
    for profile in &args.profiles {
        for endpoint in &args.endpoints {
            let options = Options {
                hookway: hookway.clone(),
                endpoint: endpoint.clone(),
                profile: profile.clone(),
                settings: settings(profile, args.archive_writer.as_deref())?,
                webhooks: args.webhooks,
                failing_one_in: args.failing_one_in,
                jobs: args.jobs,
                body_bytes: args.body_bytes,
                release: !args.debug,
                dir: root.join("target/cost").join(profile).join(endpoint),
            };
            let started = std::time::Instant::now();
            let (run_mix, run) = measure(&options, |line| eprintln!("{line}")).await?;
            eprintln!("{endpoint} ({profile}): measured in {:.0} s", started.elapsed().as_secs_f64());
            mix.get_or_insert(run_mix);
            variants.push(run);
        }
    }
    let mix = mix.ok_or("nothing to measure: give --profiles and --endpoints")?;
    let measured = Measured { date, commit, mix, variants };
    let out = |name: &str| args.out.join(name);
    write(&out("measured.json"), &(serde_json::to_string_pretty(&measured).unwrap_or_default() + "\n"))?;
    let report = report_json(&measured, &prices).map_err(|error| error.to_string())?;
    write(&out("report.json"), &(serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"))?;
    let latency = read_latency(&out("latency.json"))?;
    let markdown = markdown_report(&measured, &prices, latency.as_ref()).map_err(|error| error.to_string())?;
    write(&out("REPORT.md"), &markdown)?;
    for run in run_estimates(&measured, &prices).map_err(|error| error.to_string())? {
        println!(
            "\n\"webhooks\": {{\"endpoint\": \"{}\"}}, profile {}: ${:.2} per million webhooks at {} a month\n",
            run.endpoint.as_str(),
            run.profile,
            run.headline.usd_per_million,
            hookway_cost::volume_name(HEADLINE_VOLUME),
        );
        print!("{}", text_table(&run.volumes, &run.headline, &prices));
    }
    println!(
        "\nwritten: {}, {}, {}",
        out("measured.json").display(),
        out("report.json").display(),
        out("REPORT.md").display()
    );
    Ok(())
}

/// `cost/latency.json`, if `make latency` wrote one.
fn read_latency(path: &Path) -> Result<Option<LatencyReport>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map(Some).map_err(|error| format!("{}: {error}", path.display())),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(format!("{}: {error}", path.display())),
    }
}

async fn latency(args: Args) -> Result<(), String> {
    let root = workspace_root();
    let hookway = hookway(&root).await?;
    let window = hookway_core::config::WorkerConfig::default().batching_window_seconds;
    let busy = HEADLINE_VOLUME / MONTH_SECONDS;
    let mut runs = Vec::new();
    for (rate, webhooks) in [(busy, args.paced_webhooks), (args.low_rate, args.low_rate_webhooks)] {
        for window in [window, 0] {
            let settings = json!({"worker": {"batchingWindowSeconds": window}});
            let options = Options {
                hookway: hookway.clone(),
                endpoint: "function-url".into(),
                profile: DEFAULT_PROFILE.into(),
                settings: {
                    let mut profile = self::settings(DEFAULT_PROFILE, args.archive_writer.as_deref())?;
                    hookway_cost::merge_patch(&mut profile, &settings);
                    profile
                },
                webhooks,
                failing_one_in: 0,
                jobs: 0,
                body_bytes: args.body_bytes,
                release: !args.debug,
                dir: root.join("target/cost/latency").join(format!("{rate:.2}-{window}")),
            };
            runs.push(paced(&Paced { options, rate }, |line| eprintln!("{line}")).await?);
        }
    }
    let report = LatencyReport {
        date: hookway_core::rfc3339_now()[..10].to_owned(),
        commit: commit(),
        pollers: hookway_core::local::LAMBDA_CONCURRENCY,
        runs,
    };
    let path = args.out.join("latency.json");
    write(&path, &(serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"))?;
    print!("{}", latency_section(&report));
    println!("\nwritten: {}", path.display());
    Ok(())
}

/// `cost/outage.json`, from the calls the waits test counted.
fn outage(calls: &Path, out: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(calls).map_err(|error| format!("{}: {error}", calls.display()))?;
    let calls: WaitCalls = serde_json::from_str(&text).map_err(|error| format!("{}: {error}", calls.display()))?;
    let prices = Prices::bundled().map_err(|error| error.to_string())?;
    let measured = Measured::bundled().map_err(|error| error.to_string())?;
    let priced = hookway_cost::outage(&calls, &DEFAULT_WAITS_SECONDS, &measured, &prices).map_err(|e| e.to_string())?;
    let mut report = json!({"date": hookway_core::rfc3339_now()[..10].to_owned(), "commit": commit()});
    hookway_cost::merge_patch(&mut report, &serde_json::to_value(&priced).map_err(|error| error.to_string())?);
    let path = out.join("outage.json");
    write(&path, &(serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"))?;
    for line in &priced.lines {
        println!("{:>9.4}  {}", line.usd_per_million, line.component);
    }
    println!(
        "an event waiting through the default schedule: {} calls, ${:.2} per million such events (a delivered webhook: ${:.2}, of which ${:.2} in the same services)\nwritten: {}",
        priced.measured.total,
        priced.usd_per_million,
        priced.normal.usd_per_million,
        priced.normal.queue_table_and_worker_usd_per_million,
        path.display()
    );
    Ok(())
}

fn commit() -> String {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let hash = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_default();
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"]).is_ok_and(|status| !status.is_empty());
    if dirty { format!("{hash} (with uncommitted changes)") } else { hash }
}
