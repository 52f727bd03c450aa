//! `hookway config check|schema`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use hookway_core::Config;
use hookway_core::config::{ConfigError, Problem, limits};
use serde_json::{Value, json};

use crate::error::CliError;
use crate::output::{json_line, outln, warnln};

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
        /// Print one JSON object: `ok`, `digest`, `sources`, `limits`, `warnings`, `errors` (each
        /// problem `{"field", "message"}`); an invalid file is still exit 2.
        #[arg(long)]
        json: bool,
    },
    /// Print the JSON Schema of hookway.json (the repository keeps it as hookway.schema.json).
    Schema,
}

pub fn run(command: Command) -> Result<ExitCode, CliError> {
    match command {
        Command::Check { config: path, json: true } => return check_json(&path),
        Command::Check { config: path, json: false } => {
            let config = Config::load(&path)?;
            // Before any synth: what AWS would refuse only when the stack is deployed.
            let problems = limits::check(&config);
            if !problems.is_empty() {
                return Err(ConfigError::Invalid(problems).into());
            }
            outln!("{}: {} sources", path.display(), config.sources.len())?;
            outln!("digest {}", hookway_core::config::digest(&std::fs::read(&path)?))?;
            for source in &config.sources {
                outln!("  {:<20} {:<18} {}", source.name, source.scheme, source.secret_parameters.join(", "))?;
            }
            outln!("fits one stack:")?;
            for usage in limits::usage(&config).map_err(CliError::Usage)? {
                outln!("  {usage}")?;
            }
            for warning in config.warnings() {
                warnln!("warning: {warning}");
            }
        }
        Command::Schema => {
            let schema = schemars::schema_for!(Config);
            outln!("{}", serde_json::to_string_pretty(&schema).map_err(std::io::Error::other)?)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `config check --json`: one object, whether the file is valid or not.
fn check_json(path: &Path) -> Result<ExitCode, CliError> {
    let problem = |problem: &Problem| json!({"field": problem.field, "message": problem.message});
    let digest = std::fs::read(path).ok().map(|bytes| hookway_core::config::digest(&bytes));
    let checked = Config::load(path).and_then(|config| {
        let problems = limits::check(&config);
        if problems.is_empty() { Ok(config) } else { Err(ConfigError::Invalid(problems)) }
    });
    let config = match checked {
        Ok(config) => config,
        Err(error) => {
            let errors: Vec<Value> = match &error {
                ConfigError::Invalid(problems) => problems.iter().map(problem).collect(),
                ConfigError::Shape { field, message } => vec![json!({"field": field, "message": message})],
                ConfigError::Read { .. } => vec![json!({"field": "", "message": error.to_string()})],
            };
            json_line(&json!({
                "ok": false, "config": path.display().to_string(), "digest": digest, "sources": [], "limits": [],
                "warnings": [], "errors": errors,
            }))?;
            return Ok(ExitCode::from(2));
        }
    };
    let usage = limits::usage(&config).map_err(CliError::Usage)?;
    let sources: Vec<Value> = config
        .sources
        .iter()
        .map(|source| {
            json!({"name": source.name, "scheme": source.scheme.to_string(), "secretParameters": source.secret_parameters})
        })
        .collect();
    let limits: Vec<Value> = usage
        .iter()
        .map(|usage| json!({"what": usage.what, "used": usage.used, "limit": usage.limit, "quota": usage.quota}))
        .collect();
    json_line(&json!({
        "ok": true, "config": path.display().to_string(), "digest": digest, "sources": sources, "limits": limits,
        "warnings": config.warnings().iter().map(problem).collect::<Vec<_>>(), "errors": [],
    }))?;
    Ok(ExitCode::SUCCESS)
}
