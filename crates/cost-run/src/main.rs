//! `make cost`: the mix through each front door, then `cost/measured.json`, `cost/report.json`
//! and `cost/REPORT.md`, and the tables on the terminal.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use hookway_cost::{Measured, Prices, VOLUMES, markdown_report, report_json, run_estimates, text_table};
use hookway_cost_run::{Options, measure};
use hookway_testkit::workspace_root;

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
    /// `intake.memoryMb` (512: README, Performance, on the memory sizes).
    #[arg(long, default_value_t = 512)]
    intake_memory_mb: u32,
    /// `worker.batchSize`.
    #[arg(long, default_value_t = 200)]
    batch_size: u32,
    /// `worker.batchingWindowSeconds`.
    #[arg(long, default_value_t = 2)]
    batching_window_seconds: u32,
    /// The front doors to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "rest,http-api,function-url")]
    endpoints: Vec<String>,
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
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("make cost: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let root = workspace_root();
    let status = tokio::process::Command::new("cargo")
        .args(["build", "--quiet", "--locked", "-p", "hookway-cli"])
        .current_dir(&root)
        .status()
        .await
        .map_err(|error| format!("cargo build: {error}"))?;
    if !status.success() {
        return Err("cargo build -p hookway-cli failed".into());
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let prices = Prices::bundled().map_err(|error| error.to_string())?;
    let (date, commit) = (hookway_core::rfc3339_now()[..10].to_owned(), commit());
    let (mut mix, mut variants) = (None, Vec::new());
    for endpoint in &args.endpoints {
        let options = Options {
            hookway: target.join("debug/hookway"),
            endpoint: endpoint.clone(),
            webhooks: args.webhooks,
            failing_one_in: args.failing_one_in,
            jobs: args.jobs,
            body_bytes: args.body_bytes,
            intake_memory_mb: args.intake_memory_mb,
            batch_size: args.batch_size,
            batching_window_seconds: args.batching_window_seconds,
            release: !args.debug,
            dir: target.join("cost").join(endpoint),
        };
        let started = std::time::Instant::now();
        let (run_mix, run) = measure(&options, |line| eprintln!("{line}")).await?;
        eprintln!("{endpoint}: measured in {:.0} s", started.elapsed().as_secs_f64());
        mix = Some(run_mix);
        variants.push(run);
    }
    let mix = mix.ok_or("no front door to measure: give --endpoints")?;
    let measured = Measured { date, commit, mix, variants };
    let out = |name: &str| args.out.join(name);
    let write = |name: &str, text: String| std::fs::write(out(name), text).map_err(|error| format!("{name}: {error}"));
    write("measured.json", serde_json::to_string_pretty(&measured).unwrap_or_default() + "\n")?;
    let report = report_json(&measured, &prices).map_err(|error| error.to_string())?;
    write("report.json", serde_json::to_string_pretty(&report).unwrap_or_default() + "\n")?;
    write("REPORT.md", markdown_report(&measured, &prices).map_err(|error| error.to_string())?)?;
    for (endpoint, webhooks, _) in run_estimates(&measured, &prices).map_err(|error| error.to_string())? {
        println!(
            "\n\"webhooks\": {{\"endpoint\": \"{}\"}}: ${:.2} per million webhooks\n",
            endpoint.as_str(),
            webhooks.usd_per_million
        );
        print!("{}", text_table(&webhooks, &prices, &VOLUMES));
    }
    println!(
        "\nwritten: {}, {}, {}",
        out("measured.json").display(),
        out("report.json").display(),
        out("REPORT.md").display()
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
