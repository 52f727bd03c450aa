//! `hookway config check|schema`.

use std::path::PathBuf;
use std::process::ExitCode;

use hookway_core::Config;
use hookway_core::config::{ConfigError, limits};

use crate::error::CliError;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Validate a configuration file, naming every field at fault (exit 2); check that its stack
    /// fits every AWS limit it can reach (resources per stack, the template's size, API Gateway's
    /// resources or routes, the roles' policy size, ...), naming the limit and the numbers; and
    /// warn about what it allows that a signature does not cover (routes on an unsigned type
    /// header), sources whose events only the catch-all `log` route takes, and a replay window
    /// shorter than the archive's retention. A source's `acknowledge` silences its own warnings.
    Check {
        /// The configuration file.
        #[arg(long, value_name = "FILE", default_value = "hookway.json")]
        config: PathBuf,
    },
    /// Print the JSON Schema of hookway.json (the repository keeps it as hookway.schema.json).
    Schema,
}

pub fn run(command: Command) -> Result<ExitCode, CliError> {
    match command {
        Command::Check { config: path } => {
            let config = Config::load(&path)?;
            // Before any synth: what AWS would refuse only when the stack is deployed.
            let problems = limits::check(&config);
            if !problems.is_empty() {
                return Err(ConfigError::Invalid(problems).into());
            }
            println!("{}: {} sources", path.display(), config.sources.len());
            println!("digest {}", hookway_core::config::digest(&std::fs::read(&path)?));
            for source in &config.sources {
                println!("  {:<20} {:<18} {}", source.name, source.scheme, source.secret_parameters.join(", "));
            }
            println!("fits one stack:");
            for usage in limits::usage(&config).map_err(CliError::Usage)? {
                println!("  {usage}");
            }
            for warning in config.warnings() {
                eprintln!("warning: {warning}");
            }
        }
        Command::Schema => {
            let schema = schemars::schema_for!(Config);
            println!("{}", serde_json::to_string_pretty(&schema).map_err(std::io::Error::other)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}
