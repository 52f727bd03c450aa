//! `hookway-iam`: checks a running local stack's AWS calls against the IAM the stack deploys.
//!
//! `hookway-iam`: checks the run of a local stack (`make dev`) against the IAM the stack deploys —
//! every call its moto has seen so far — and prints what would be denied and what is granted
//! unused. Exits 1 when a call would be denied.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Every AWS call a local stack's run made, replayed against the role (or the operator policy)
/// it is made with in AWS.
#[derive(Debug, Parser)]
#[command(name = "hookway-iam")]
struct Args {
    /// Where the local stack keeps its state (`hookway dev --state-dir`).
    #[arg(long, value_name = "DIR", default_value = ".hookway")]
    state_dir: PathBuf,
    /// Where the template is synthesised.
    #[arg(long, value_name = "DIR", default_value = "target/iam/cdk.out")]
    out: PathBuf,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    let root = match std::env::current_dir() {
        Ok(root) => root,
        Err(error) => {
            eprintln!("hookway-iam: {error}");
            return ExitCode::from(2);
        }
    };
    match hookway_iam::local::check_run(&root, &args.state_dir, &args.out).await {
        Ok(report) => {
            print!("{report}");
            if report.denials.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
        Err(error) => {
            eprintln!("hookway-iam: {error}");
            ExitCode::from(2)
        }
    }
}
