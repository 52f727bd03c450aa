//! `hookway-coldstart`: the command `make bench-coldstart` runs to time cold starts.
//!
//! `hookway-coldstart`: measures cold starts of the release binaries in `--bin-dir` (`make
//! bench-coldstart` builds them first) and prints the table, the ratios and the memory model.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use hookway_coldstart::functions::{self, Environment, Function};
use hookway_coldstart::report::{self, Summary};
use hookway_coldstart::runtime::{self, ColdStart};
use hookway_coldstart::tls::{ThrowawayCa, TlsFront};
use hookway_testkit::MotoServer;

/// Cold starts of hookway-intake and hookway-worker against a hello-world Rust function.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Where the release binaries are: hookway-intake, hookway-worker, hookway-coldstart-hello.
    #[arg(long, default_value = "target/release")]
    bin_dir: PathBuf,
    /// Cold starts per function (the table shows medians).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Warm requests after each cold start's first.
    #[arg(long, default_value_t = 20)]
    warm: usize,
    /// Reach moto over plain HTTP instead of TLS (to see what TLS costs).
    #[arg(long)]
    plain: bool,
    /// The memory size the functions are told they have (AWS_LAMBDA_FUNCTION_MEMORY_SIZE).
    #[arg(long, default_value_t = 256)]
    memory_mb: u32,
    /// How long one cold start may take, all its requests included.
    #[arg(long, default_value = "60s", value_parser = humantime::parse_duration)]
    timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
enum BenchError {
    #[error("{0} not found: `make bench-coldstart` builds it (cargo build --release)")]
    Missing(PathBuf),
    #[error("{function}: {source}")]
    Run { function: &'static str, source: runtime::RunError },
    #[error("{function} answered {answer}")]
    Answer { function: &'static str, answer: String },
    #[error(transparent)]
    Tls(#[from] hookway_coldstart::tls::TlsError),
    #[error(transparent)]
    Provision(#[from] hookway_core::local::resources::ProvisionError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("cannot start moto: {0}")]
    Moto(String),
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args).await {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("hookway-coldstart: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &Args) -> Result<String, BenchError> {
    for function in Function::ALL {
        let binary = args.bin_dir.join(function.binary());
        if !binary.is_file() {
            return Err(BenchError::Missing(binary));
        }
    }
    let moto =
        tokio::task::spawn_blocking(MotoServer::start).await.map_err(|error| BenchError::Moto(error.to_string()))?;
    let aws = hookway_core::local::sdk_config(&moto.endpoint).await;
    let queue_url = hookway_core::local::resources::create_queue(&aws, "hookway-events", &[]).await?;
    let dead_letter_queue_url = hookway_core::local::resources::create_queue(&aws, "hookway-events-dlq", &[]).await?;
    hookway_core::local::resources::create_table(&aws, "hookway-state").await?;
    hookway_core::local::resources::create_bucket(&aws, "hookway-archive", None).await?;
    let secrets = BTreeMap::from([(functions::SECRET_PARAMETER.to_owned(), functions::SECRET.to_owned())]);
    hookway_core::local::resources::put_secrets(&aws, &secrets).await?;

    let scratch = std::env::temp_dir().join(format!("hookway-coldstart-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let moto_address: SocketAddr = moto
        .endpoint
        .trim_start_matches("http://")
        .parse()
        .map_err(|_| BenchError::Moto(format!("unexpected endpoint {}", moto.endpoint)))?;
    let (front, trust_bundle, transport) = if args.plain {
        (None, None, "plain HTTP".to_owned())
    } else {
        let ca = ThrowawayCa::new()?;
        let front = TlsFront::start(&ca, moto_address).await?;
        let (bundle, roots) = ca.trust_bundle(&scratch)?;
        let transport = format!("TLS (a throwaway CA; SSL_CERT_FILE holds it and the system's roots, {roots} in all)");
        (Some(front), Some(bundle), transport)
    };
    let task_root = scratch.join("task");
    functions::write_package(&task_root)?;
    let environment = Environment {
        task_root,
        aws_endpoint: front.as_ref().map_or_else(|| moto.endpoint.clone(), |front: &TlsFront| front.endpoint.clone()),
        trust_bundle,
        queue_url,
        dead_letter_queue_url,
        table: "hookway-state".to_owned(),
        bucket: "hookway-archive".to_owned(),
        memory_mb: args.memory_mb,
    };

    // One unmeasured start of each, so that every measured one finds the binary in the page
    // cache; then the functions take turns, so that a busy moment of the machine falls on all.
    let mut runs: BTreeMap<&'static str, Vec<ColdStart>> = BTreeMap::new();
    for round in 0..=args.runs {
        for function in Function::ALL {
            let measured = cold_start(args, function, &environment, &scratch).await?;
            if round > 0 {
                runs.entry(function.binary()).or_default().push(measured);
            }
        }
    }
    let mut summaries = Vec::new();
    for function in Function::ALL {
        let binary_bytes = std::fs::metadata(args.bin_dir.join(function.binary()))?.len();
        summaries.push(Summary::of(function, binary_bytes, &runs[function.binary()]));
    }
    let _ = std::fs::remove_dir_all(&scratch);
    drop(front);
    drop(moto);
    Ok(report::render(&summaries, &transport))
}

async fn cold_start(
    args: &Args,
    function: Function,
    environment: &Environment,
    scratch: &std::path::Path,
) -> Result<ColdStart, BenchError> {
    let command = function.command(&args.bin_dir, environment);
    let log = scratch.join(format!("{}.log", function.binary()));
    let measured = runtime::cold_start(command, function.events(), args.warm + 1, log, args.timeout)
        .await
        .map_err(|source| BenchError::Run { function: function.binary(), source })?;
    for answer in &measured.answers {
        function.check(answer).map_err(|answer| BenchError::Answer { function: function.binary(), answer })?;
    }
    Ok(measured)
}
