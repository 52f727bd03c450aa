//! `hookway config check|schema`.

use std::path::PathBuf;
use std::process::ExitCode;

use hookway_core::Config;

use crate::error::CliError;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Validate a configuration file, naming every field at fault (exit 2), and warn about what
    /// it allows that a signature does not cover (routes on an unsigned type header).
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
            println!("{}: {} sources", path.display(), config.sources.len());
            println!("digest {}", hookway_core::config::digest(&std::fs::read(&path)?));
            for source in &config.sources {
                println!("  {:<20} {:<18} {}", source.name, source.scheme, source.secret_parameters.join(", "));
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
