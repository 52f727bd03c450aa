//! `hookway`: the command line of the Hookway webhook gateway.

// No unwrap or expect on request paths: every failure is an error with a status or an exit code.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
// No print macro: each panics on a closed pipe. Stdout through `outln!` and `?`, stderr through
// `warnln!` (see `output`).
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod archive;
mod colour;
mod completions;
mod config;
mod confirm;
mod cost;
mod destinations;
#[cfg(feature = "dev")]
mod dev;
mod dlq;
mod doctor;
mod error;
mod events;
mod filter;
mod init;
#[cfg(feature = "dev")]
mod inspector;
mod jobs;
mod listen;
mod output;
mod providers;
mod reference;
mod replay;
mod secrets;
mod send;
mod sign;
mod stack;
mod tail;
mod target;
mod transform;
mod trigger;
mod verify;

use std::process::ExitCode;

use clap::{FromArgMatches as _, Parser, Subcommand};

use crate::error::CliError;
use crate::output::warnln;

/// Hookway: verify, queue and process webhooks on AWS.
#[derive(Debug, Parser)]
#[command(name = "hookway", version, after_help = AFTER_HELP)]
struct Cli {
    /// The AWS profile the commands call AWS with [default: AWS_PROFILE, else the default chain].
    #[arg(long, global = true, value_name = "NAME", help_heading = GLOBAL)]
    profile: Option<String>,
    /// The AWS region of the stack [default: AWS_REGION, else the profile's].
    #[arg(long, global = true, value_name = "REGION", help_heading = GLOBAL)]
    region: Option<String>,
    /// Colour the output: auto (a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, global = true, value_name = "WHEN", value_enum, default_value_t, hide_possible_values = true, help_heading = GLOBAL)]
    color: colour::ColourChoice,
    #[command(subcommand)]
    command: Command,
}

/// The heading of the options every command takes, in each one's help.
const GLOBAL: &str = "Options of every command";

/// The commands in `--help`, by what they work on. A name not (yet) a command is left out.
const GROUPS: [(&str, &[&str]); 4] = [
    ("Local (this machine, no AWS account)", &["dev", "send", "listen", "trigger", "sign", "verify", "providers"]),
    ("Events (the archive, replays, dead letters)", &["events", "replay", "dlq"]),
    ("Operations (a stack's destinations, jobs, secrets)", &["destinations", "jobs", "secrets"]),
    ("Configuration", &["init", "config", "transform", "doctor", "cost", "completions"]),
];

/// Examples and exit codes, after the options.
const AFTER_HELP: &str = "\
Examples:
  hookway dev                                          the whole stack on this machine
  hookway trigger stripe --local                       a real Stripe event, signed as Stripe signs it
  hookway listen --local --forward-to http://localhost:8080/webhooks
  hookway events tail --local                          follow events as they arrive
  hookway init --source stripe --source github         a starter hookway.json
  hookway transform --route 0 --file invoice.json      what route 0's transform makes of a body
  hookway doctor --stack hookway-prod --smoke          what stands between the file and a working stack
  hookway events list --since 2h --status failed
  hookway replay --since 2h --source stripe --dry-run
  hookway --profile prod --region eu-west-1 dlq list --stack hookway-prod
  hookway secrets put stripe --local < secret.txt
  hookway completions zsh > ~/.zfunc/_hookway

Exit codes:
  0  success
  1  a failure at run time: AWS, the network, a check that failed
  2  a usage or configuration error: fix the command line or the configuration";

/// `hookway transform --help`'s examples.
const TRANSFORM_EXAMPLES: &str = "\
Examples:
  hookway transform --route 0 --file invoice.json              the first handler of the first route
  hookway transform --route 2 --handler 1 --file - < body.json  the second handler, the body on stdin
  hookway transform --route 0 --event evt_1NvX2a --local        an event the local stack archived
  hookway transform --route 0 --file invoice.json --json        {\"body\": …, \"headers\": {…}}";

/// The command line, its help listing the commands by group.
pub fn command_line() -> clap::Command {
    let command = <Cli as clap::CommandFactory>::command();
    let width = command.get_subcommands().map(|sub| sub.get_name().len()).max().unwrap_or(0);
    let mut listing = String::new();
    for (heading, names) in GROUPS {
        listing.push_str(&format!("{heading}:\n"));
        for name in names {
            if let Some(sub) = command.find_subcommand(name).filter(|sub| !sub.is_hide_set()) {
                let about = sub.get_about().map(|about| about.to_string()).unwrap_or_default();
                let about = about.lines().next().unwrap_or_default();
                listing.push_str(&format!("  {name:<width$}  {about}\n"));
            }
        }
        listing.push('\n');
    }
    command.help_template(format!(
        "{{about-with-newline}}\n{{usage-heading}} {{usage}}\n\n{listing}Options:\n{{options}}{{after-help}}"
    ))
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
    /// Send a provider's real sample event, signed as the provider signs it, to a source of the stack.
    Trigger(trigger::Args),
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
    #[cfg(feature = "dev")]
    Dev(dev::Args),
    /// Run the whole stack on this machine: not in this build, which left the local stack out.
    #[cfg(not(feature = "dev"))]
    #[command(disable_help_flag = true)]
    Dev(NoDev),
    /// Check hookway.json, or print its JSON Schema.
    #[command(subcommand)]
    Config(config::Command),
    /// Run a route's transform (jq) on an archived event's body or a file's, and print what it yields.
    #[command(after_help = TRANSFORM_EXAMPLES)]
    Transform(transform::Args),
    /// Write a starter hookway.json: a source per provider, every event forwarded to one URL.
    Init(init::Args),
    /// Check what stands between this configuration and a working stack, each failure with its fix.
    Doctor(doctor::Args),
    /// What a month of webhooks costs on AWS with this hookway.json, per component, offline.
    Cost(cost::Args),
    /// Print the completion script of a shell on stdout: bash, zsh, fish, powershell.
    Completions(completions::Args),
    /// Write the man pages (hookway.1 and one per command) into a folder.
    #[command(hide = true)]
    Man(completions::ManArgs),
    /// Print a page of the docs' Reference, made from the code (`make schema` writes them).
    #[command(hide = true)]
    Reference(reference::Args),
}

/// `hookway dev` in a build without the local stack (`--no-default-features`): whatever follows
/// it, it says how to get a build with it.
#[cfg(not(feature = "dev"))]
#[derive(Debug, clap::Args)]
struct NoDev {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    _args: Vec<String>,
}

/// What `hookway dev` says in a build without the local stack.
#[cfg(not(feature = "dev"))]
const NO_DEV: &str = "this hookway was built without the local stack (its `dev` feature): \
     install one with it, `cargo install --path tools/cli --features dev` from the repository";

fn main() -> ExitCode {
    let cli = match Cli::from_arg_matches(&command_line().get_matches()) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    stack::choose_aws(stack::AwsChoice { profile: cli.profile, region: cli.region });
    colour::choose(cli.color);
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
            Command::Trigger(args) => trigger::run(args).await,
            Command::Dlq(command) => dlq::run(command).await,
            Command::Destinations(command) => destinations::run(command).await,
            Command::Events(command) => events::run(command).await,
            Command::Listen(args) => listen::run(args).await,
            Command::Replay(args) => replay::run(args).await,
            Command::Jobs(command) => jobs::run(command).await,
            Command::Secrets(command) => secrets::run(command).await,
            #[cfg(feature = "dev")]
            Command::Dev(args) => dev::run(args).await,
            #[cfg(not(feature = "dev"))]
            Command::Dev(_) => Err(CliError::Usage(NO_DEV.into())),
            Command::Config(command) => config::run(command),
            Command::Cost(args) => cost::run(args),
            Command::Transform(args) => transform::run(args).await,
            Command::Init(args) => init::run(args),
            Command::Doctor(args) => doctor::run(args).await,
            Command::Completions(args) => completions::run(args, command_line()),
            Command::Man(args) => completions::man(args, command_line()),
            Command::Reference(args) => reference::run(args, command_line()),
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
    warnln!("hookway: {error}");
    error.exit_code()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_is_listed_in_one_group() {
        let command = command_line();
        for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set() && sub.get_name() != "help") {
            let groups = GROUPS.iter().filter(|(_, names)| names.contains(&sub.get_name())).count();
            assert_eq!(groups, 1, "`{}` belongs in one group of GROUPS (main.rs)", sub.get_name());
        }
        command.debug_assert();
    }

    #[test]
    fn the_examples_parse() {
        let examples =
            AFTER_HELP.split("Exit codes:").next().unwrap().lines().filter(|line| line.starts_with("  hookway"));
        let mut count = 0;
        for example in examples {
            // The command, without its comment or a redirection.
            let command = example.trim().split("  ").next().unwrap();
            let words = command.split_whitespace().take_while(|word| !["<", ">"].contains(word));
            if let Err(error) = Cli::try_parse_from(words) {
                panic!("{example}: {error}");
            }
            count += 1;
        }
        assert_eq!(count, 12);
    }
}
