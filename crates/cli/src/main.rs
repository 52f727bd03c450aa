//! `hookway`: the command line of the Hookway webhook gateway.

// No unwrap or expect on request paths: every failure is an error with a status or an exit code.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod archive;
mod config;
mod cost;
mod destinations;
mod dev;
mod dlq;
mod error;
mod events;
mod filter;
mod inspector;
mod jobs;
mod listen;
mod providers;
mod replay;
mod secrets;
mod send;
mod sign;
mod stack;
mod tail;
mod target;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::CliError;

/// Hookway: verify, queue and process webhooks on AWS.
#[derive(Debug, Parser)]
#[command(name = "hookway", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the headers a sender would send with a body, signed with a secret.
    Sign(sign::Args),
    /// Check a request's signature as the intake does: exit 0 if valid, 1 if not, 2 on a usage error.
    Verify(verify::Args),
    /// The provider catalog: each provider's headers, algorithm and what its source needs.
    Providers(providers::Args),
    /// Sign a webhook as its provider would and post it; prints the status and the event id.
    Send(send::Args),
    /// The dead-letter queues: what failed and why, and another try.
    #[command(subcommand)]
    Dlq(dlq::Command),
    /// Where events go: each destination's state and parked events; pause one, and resume it.
    #[command(subcommand)]
    Destinations(destinations::Command),
    /// The event store: every event archived, listed by source, type, time and status, in full, or
    /// followed as it arrives.
    #[command(subcommand)]
    Events(events::Command),
    /// Forward the stack's new events to a service on this machine as they arrive, until Ctrl-C.
    Listen(listen::Args),
    /// Send archived events through the worker again, by filter: a time window, a source, a type, ids.
    Replay(replay::Args),
    /// Submit a job, or ask for its status.
    #[command(subcommand)]
    Jobs(jobs::Command),
    /// Put or rotate a source's secret, or a destination's signing or authorization parameter, in SSM.
    #[command(subcommand)]
    Secrets(secrets::Command),
    /// Run the whole stack on this machine, no AWS account needed, until Ctrl-C.
    Dev(dev::Args),
    /// Check hookway.json, or print its JSON Schema.
    #[command(subcommand)]
    Config(config::Command),
    /// What a month of webhooks costs on AWS with this hookway.json, per component, offline.
    Cost(cost::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => return fail(CliError::Io(error)),
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Sign(args) => sign::run(args).await,
            Command::Verify(args) => verify::run(args).await,
            Command::Providers(args) => providers::run(args),
            Command::Send(args) => send::run(args).await,
            Command::Dlq(command) => dlq::run(command).await,
            Command::Destinations(command) => destinations::run(command).await,
            Command::Events(command) => events::run(command).await,
            Command::Listen(args) => listen::run(args).await,
            Command::Replay(args) => replay::run(args).await,
            Command::Jobs(command) => jobs::run(command).await,
            Command::Secrets(command) => secrets::run(command).await,
            Command::Dev(args) => dev::run(args).await,
            Command::Config(command) => config::run(command),
            Command::Cost(args) => cost::run(args),
        }
    });
    result.unwrap_or_else(fail)
}

/// The error said on stderr, with its exit code (see [`error`]); a reader that went away (`| head`)
/// ends the command quietly, as it meant to.
fn fail(error: CliError) -> ExitCode {
    if let CliError::Io(io) = &error
        && io.kind() == std::io::ErrorKind::BrokenPipe
    {
        return ExitCode::SUCCESS;
    }
    eprintln!("hookway: {error}");
    error.exit_code()
}
