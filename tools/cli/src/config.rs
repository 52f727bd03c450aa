//! `hookway config check|schema`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use hookway_core::Config;
use hookway_core::config::{ConfigError, Problem, limits};
use serde_json::{Value, json};

use crate::error::CliError;
use crate::output::{json_line, outln, warnln};

/// A configuration file as a command reads it: once, whole, and checked. The digest is of the
/// bytes parsed, so the file compared with what a stack runs is the file the command acts on.
#[derive(Debug)]
pub struct Loaded {
    /// The file.
    pub path: PathBuf,
    /// What it says.
    pub config: Config,
    /// Its digest, as the stack outputs it (`ConfigDigest`) and `config check` prints it.
    pub digest: String,
}

impl Loaded {
    /// Reads `path` once, and parses and checks what it read; every error names the file.
    pub fn read(path: &Path) -> Result<Loaded, CliError> {
        let bytes = std::fs::read(path).map_err(|source| CliError::Read { path: path.to_owned(), source })?;
        let config =
            Config::from_slice(&bytes).map_err(|source| CliError::ConfigFile { path: path.to_owned(), source })?;
        Ok(Loaded { path: path.to_owned(), config, digest: hookway_core::config::digest(&bytes) })
    }
}

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
            // Read once: the digest printed is of the bytes checked. The file is the one named on
            // the command line, so its errors are said as the fields at fault alone.
            let bytes = std::fs::read(&path).map_err(|source| CliError::Read { path: path.clone(), source })?;
            let config = Config::from_slice(&bytes)?;
            // Before any synth: what AWS would refuse only when the stack is deployed.
            let problems = limits::check(&config);
            if !problems.is_empty() {
                return Err(ConfigError::Invalid(problems).into());
            }
            outln!("{}: {} sources", path.display(), config.sources.len())?;
            outln!("digest {}", hookway_core::config::digest(&bytes))?;
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
    // Read once: the digest is of the bytes checked (none if the file cannot be read).
    let bytes = std::fs::read(path).map_err(|source| ConfigError::Read { path: path.display().to_string(), source });
    let digest = bytes.as_ref().ok().map(|bytes| hookway_core::config::digest(bytes));
    let checked = bytes.and_then(|bytes| Config::from_slice(&bytes)).and_then(|config| {
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
