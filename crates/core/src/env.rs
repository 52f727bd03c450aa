//! What a Lambda starts with, declared once: its configuration file, and every environment
//! variable's name and which function reads which.
//!
//! The configuration is not in the environment (Lambda allows 4 KB of it in all, about ten
//! sources): the stack bundles `hookway.json` byte for byte beside `bootstrap` in each function's
//! package, and the function reads [`CONFIG_FILE`] under `$LAMBDA_TASK_ROOT`, or the file
//! `$HOOKWAY_CONFIG_FILE` names (the local stack, tests). The environment holds only the names of
//! what the stack created, a few hundred bytes whatever the configuration.
//!
//! Each Lambda's `main` reads its own with [`LambdaEnv::from_env`], which names every variable
//! that is missing at once; `hookway-dev` sets the same names for `cargo lambda watch` with
//! [`LambdaEnv::variables`]; the stack (`infra/lib/intake.ts`, `infra/lib/worker.ts`) sets them
//! on each function, and a test below holds it to these names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::{self, ArchiveWriter, Config, ConfigError};

/// The configuration file's name in a function's package, beside `bootstrap`.
pub const CONFIG_FILE: &str = "hookway.json";
/// The variable naming another configuration file than the package's (the local stack, tests).
pub const CONFIG_FILE_VAR: &str = "HOOKWAY_CONFIG_FILE";
/// Where Lambda unpacks the function's package (`/var/task`); Lambda sets it.
pub const TASK_ROOT_VAR: &str = "LAMBDA_TASK_ROOT";

/// One of the Lambdas' variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Var {
    /// The stack's name: also the namespace of the functions' CloudWatch metrics, so that two
    /// stacks in one account and region (staging, production) count apart.
    Stack,
    /// The events queue's URL: where the intake puts accepted events, and the worker those that
    /// wait for their next attempt.
    EventsQueueUrl,
    /// The events dead-letter queue's URL: where the worker sends events refused for good.
    EventsDlqUrl,
    /// The state table's name.
    Table,
    /// The archive bucket's name: every event's envelope, and the bodies too large for a message.
    ArchiveBucket,
    /// The Firehose delivery stream's name the worker archives events through, when
    /// `archive.writer` is `firehose`; with the `worker` writer, unset.
    ArchiveStream,
}

impl Var {
    /// Every variable.
    pub const ALL: [Var; 6] =
        [Var::Stack, Var::EventsQueueUrl, Var::EventsDlqUrl, Var::Table, Var::ArchiveBucket, Var::ArchiveStream];

    /// The variable's name.
    pub const fn name(self) -> &'static str {
        match self {
            Var::Stack => "HOOKWAY_STACK",
            Var::EventsQueueUrl => "HOOKWAY_EVENTS_QUEUE_URL",
            Var::EventsDlqUrl => "HOOKWAY_EVENTS_DLQ_URL",
            Var::Table => "HOOKWAY_TABLE",
            Var::ArchiveBucket => "HOOKWAY_ARCHIVE_BUCKET",
            Var::ArchiveStream => "HOOKWAY_ARCHIVE_STREAM",
        }
    }

    /// Whether a function that reads it needs it with this configuration: the archive stream
    /// only with the `firehose` writer (the stack creates no stream otherwise).
    pub fn used_with(self, config: &Config) -> bool {
        self != Var::ArchiveStream || config.archive.writer == ArchiveWriter::Firehose
    }
}

/// What the intake reads: the metrics' namespace; it queues events, stores large bodies, and
/// answers job statuses.
pub const INTAKE: &[Var] = &[Var::Stack, Var::EventsQueueUrl, Var::Table, Var::ArchiveBucket];
/// What the worker reads: the metrics' namespace; it records outcomes, sends events back to the
/// queue to wait for their next attempt, dead-letters refusals, archives events (through the
/// stream with the `firehose` writer) and reads large bodies back.
pub const WORKER: &[Var] =
    &[Var::Stack, Var::Table, Var::EventsQueueUrl, Var::EventsDlqUrl, Var::ArchiveBucket, Var::ArchiveStream];

/// A Lambda's configuration and environment, read and checked at start-up.
#[derive(Debug, Clone)]
pub struct LambdaEnv {
    config: Config,
    config_file: PathBuf,
    digest: String,
    values: BTreeMap<Var, String>,
}

/// Why a Lambda cannot start.
#[derive(Debug, thiserror::Error)]
pub enum EnvError {
    /// Variables are missing.
    #[error("{} not set: the stack sets every one of them (infra/), hookway-dev too", .0.join(", "))]
    Missing(Vec<&'static str>),
    /// Nothing says where the configuration file is.
    #[error(
        "{CONFIG_FILE_VAR} and {TASK_ROOT_VAR} are not set: set {CONFIG_FILE_VAR} to the configuration file's \
         path (in Lambda, the function reads {CONFIG_FILE} in its package, under {TASK_ROOT_VAR})"
    )]
    NoConfigFile,
    /// The configuration file cannot be read.
    #[error("cannot read the configuration file {} (from {from}): {source}", .path.display())]
    ReadConfig {
        /// The file tried.
        path: PathBuf,
        /// The variable that led there.
        from: &'static str,
        /// The cause.
        source: std::io::Error,
    },
    /// The configuration file is not a valid configuration.
    #[error("the configuration file {} is not valid: {source}", .path.display())]
    InvalidConfig {
        /// The file.
        path: PathBuf,
        /// What is wrong, by field.
        source: ConfigError,
    },
    /// `HOOKWAY_STACK` is not a stack's name.
    #[error(
        "HOOKWAY_STACK `{0}` is not a CloudFormation stack name (a letter, then letters, digits and hyphens, \
         128 characters at most): it is the functions' metric namespace"
    )]
    Stack(String),
}

impl LambdaEnv {
    /// Reads the configuration file and `needed` from the process environment ([`INTAKE`] or
    /// [`WORKER`]).
    pub fn from_env(needed: &[Var]) -> Result<LambdaEnv, EnvError> {
        LambdaEnv::from_lookup(needed, |name| std::env::var(name).ok())
    }

    /// Reads the configuration file where `lookup`'s variables say, then `needed` through
    /// `lookup`, naming every missing variable at once. The file is read once: the configuration
    /// and its digest are of the same bytes.
    pub fn from_lookup(needed: &[Var], lookup: impl Fn(&str) -> Option<String>) -> Result<LambdaEnv, EnvError> {
        let lookup = |name: &str| lookup(name).filter(|value| !value.is_empty());
        let (config_file, from) = match (lookup(CONFIG_FILE_VAR), lookup(TASK_ROOT_VAR)) {
            (Some(file), _) => (PathBuf::from(file), CONFIG_FILE_VAR),
            (None, Some(root)) => (Path::new(&root).join(CONFIG_FILE), TASK_ROOT_VAR),
            (None, None) => return Err(EnvError::NoConfigFile),
        };
        let bytes = std::fs::read(&config_file).map_err(|source| EnvError::ReadConfig {
            path: config_file.clone(),
            from,
            source,
        })?;
        let config = Config::from_slice(&bytes)
            .map_err(|source| EnvError::InvalidConfig { path: config_file.clone(), source })?;
        let mut values = BTreeMap::new();
        let mut missing = Vec::new();
        for var in needed.iter().copied().filter(|var| var.used_with(&config)) {
            match lookup(var.name()) {
                Some(value) => {
                    values.insert(var, value);
                }
                None if !missing.contains(&var.name()) => missing.push(var.name()),
                None => {}
            }
        }
        if !missing.is_empty() {
            return Err(EnvError::Missing(missing));
        }
        check_stack(values.get(&Var::Stack))?;
        Ok(LambdaEnv { config, config_file, digest: config::digest(&bytes), values })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The configuration file's digest, `sha256:<hex>` ([`config::digest`]).
    pub fn config_digest(&self) -> &str {
        &self.digest
    }

    /// A variable's value: one [`LambdaEnv::from_env`] was asked for (any other reads empty, and
    /// so does [`Var::ArchiveStream`] with the `worker` writer).
    pub fn get(&self, var: Var) -> &str {
        self.values.get(&var).map_or("", String::as_str)
    }

    /// Logs, once at start-up, what this instance runs with: the configuration file's digest, to
    /// compare with the stack's `ConfigDigest` output (a function still running an older package
    /// says so), and how many sources and routes it holds.
    pub fn log_start(&self) {
        tracing::info!(
            config_digest = %self.digest,
            config_file = %self.config_file.display(),
            stack = self.get(Var::Stack),
            sources = self.config.sources.len(),
            routes = self.config.routes.len(),
            "configuration loaded"
        );
    }

    /// Every variable of both functions, named, for a process that runs them both (`cargo lambda
    /// watch`): [`CONFIG_FILE_VAR`] naming `config_file` (which holds `config`), and the values
    /// of the others that `config` uses, as the stack sets them.
    pub fn variables(
        config: &Config,
        config_file: &Path,
        values: &BTreeMap<Var, String>,
    ) -> Result<Vec<(&'static str, String)>, EnvError> {
        let used = || Var::ALL.into_iter().filter(|var| var.used_with(config));
        let missing: Vec<&'static str> = used().filter(|var| !values.contains_key(var)).map(Var::name).collect();
        if !missing.is_empty() {
            return Err(EnvError::Missing(missing));
        }
        check_stack(values.get(&Var::Stack))?;
        Ok(std::iter::once((CONFIG_FILE_VAR, config_file.display().to_string()))
            .chain(used().filter_map(|var| Some((var.name(), values.get(&var)?.clone()))))
            .collect())
    }
}

/// Whether `name` is a CloudFormation stack name: a letter, then letters, digits and hyphens, 128
/// characters at most. Such a name is also a valid CloudWatch namespace, and needs no escaping
/// in the JSON of an EMF line.
pub fn is_stack_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|first| first.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-')
        && name.len() <= 128
}

fn check_stack(stack: Option<&String>) -> Result<(), EnvError> {
    match stack {
        Some(stack) if !is_stack_name(stack) => Err(EnvError::Stack(stack.clone())),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    const CONFIG: &str = include_str!("../../../hookway.json");

    /// A folder of this test's, removed when dropped.
    struct Folder(PathBuf);

    impl Folder {
        fn new(name: &str) -> Folder {
            let path = std::env::temp_dir().join(format!("hookway-env-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).unwrap();
            Folder(path)
        }

        /// `hookway.json` in it, as the stack bundles it.
        fn with_config(name: &str, json: &str) -> Folder {
            let folder = Folder::new(name);
            std::fs::write(folder.0.join(CONFIG_FILE), json).unwrap();
            folder
        }
    }

    impl Drop for Folder {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Every variable set to a value naming it, and these besides.
    fn all_set(extra: &[(&str, String)]) -> impl Fn(&str) -> Option<String> + use<> {
        let extra: Vec<(String, String)> =
            extra.iter().map(|(name, value)| ((*name).to_owned(), value.clone())).collect();
        move |name| match extra.iter().find(|(set, _)| set == name) {
            Some((_, value)) => Some(value.clone()),
            None if name == Var::Stack.name() => Some("Hookway".into()),
            None if name.starts_with("HOOKWAY_") && name != CONFIG_FILE_VAR => Some(format!("value of {name}")),
            None => None,
        }
    }

    #[test]
    fn a_function_reads_hookway_json_in_its_package_and_keeps_its_digest() {
        let package = Folder::with_config("package", CONFIG);
        let root = package.0.display().to_string();
        let env = LambdaEnv::from_lookup(WORKER, all_set(&[(TASK_ROOT_VAR, root)])).unwrap();
        assert_eq!(env.config(), &Config::from_json(CONFIG).unwrap());
        assert_eq!(env.config_digest(), config::digest(CONFIG.as_bytes()));
        assert!(env.config_digest().starts_with("sha256:") && env.config_digest().len() == 7 + 64);
        assert_eq!(env.get(Var::ArchiveBucket), "value of HOOKWAY_ARCHIVE_BUCKET");
        assert_eq!(env.get(Var::EventsQueueUrl), "value of HOOKWAY_EVENTS_QUEUE_URL");
        assert_eq!(env.get(Var::Stack), "Hookway");
        assert_eq!(env.config().sources.len(), 6);
        let intake = LambdaEnv::from_lookup(INTAKE, all_set(&[(TASK_ROOT_VAR, package.0.display().to_string())]));
        assert_eq!(intake.unwrap().get(Var::EventsDlqUrl), "", "not the intake's");
    }

    #[test]
    fn hookway_config_file_names_another_file_and_wins_over_the_package() {
        let package = Folder::with_config("package-beside", CONFIG);
        let other = Folder::new("other");
        let file = other.0.join("staging.json");
        let json = r#"{"sources": [{"name": "a", "scheme": "github", "secretParameters": ["/a"]}]}"#;
        std::fs::write(&file, json).unwrap();
        let lookup =
            all_set(&[(TASK_ROOT_VAR, package.0.display().to_string()), (CONFIG_FILE_VAR, file.display().to_string())]);
        let env = LambdaEnv::from_lookup(INTAKE, lookup).unwrap();
        assert_eq!(env.config().sources[0].name, "a");
        assert_eq!(env.config_digest(), config::digest(json.as_bytes()));
    }

    #[test]
    fn a_configuration_that_cannot_be_had_is_named_with_its_path_and_cause() {
        let error = LambdaEnv::from_lookup(INTAKE, all_set(&[])).unwrap_err().to_string();
        assert!(error.starts_with("HOOKWAY_CONFIG_FILE and LAMBDA_TASK_ROOT are not set"), "{error}");

        let empty = Folder::new("empty-package");
        let error = LambdaEnv::from_lookup(INTAKE, all_set(&[(TASK_ROOT_VAR, empty.0.display().to_string())]))
            .unwrap_err()
            .to_string();
        let expected = format!(
            "cannot read the configuration file {} (from LAMBDA_TASK_ROOT): ",
            empty.0.join(CONFIG_FILE).display()
        );
        assert!(error.starts_with(&expected), "{error}");
        assert!(error.contains("No such file or directory"), "the cause: {error}");

        let error = LambdaEnv::from_lookup(INTAKE, all_set(&[(CONFIG_FILE_VAR, empty.0.display().to_string())]))
            .unwrap_err()
            .to_string();
        assert!(error.contains("(from HOOKWAY_CONFIG_FILE): ") && error.contains("directory"), "a folder: {error}");

        let broken = Folder::with_config(
            "broken",
            r#"{"sources": [{"name": "a", "scheme": "gitlub", "secretParameters": ["/a"]}]}"#,
        );
        let error = LambdaEnv::from_lookup(INTAKE, all_set(&[(TASK_ROOT_VAR, broken.0.display().to_string())]))
            .unwrap_err()
            .to_string();
        let expected = format!(
            "the configuration file {} is not valid: sources[0].scheme: unknown scheme `gitlub`",
            broken.0.join(CONFIG_FILE).display()
        );
        assert!(error.starts_with(&expected), "{error}");
    }

    #[test]
    fn every_missing_variable_is_named_at_once() {
        let package = Folder::with_config("missing", CONFIG);
        let root = package.0.display().to_string();
        let error = LambdaEnv::from_lookup(INTAKE, |name| (name == TASK_ROOT_VAR).then(|| root.clone()))
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("HOOKWAY_STACK, HOOKWAY_EVENTS_QUEUE_URL, HOOKWAY_TABLE, HOOKWAY_ARCHIVE_BUCKET not set"),
            "{error}"
        );
        let without_stream = |name: &str| match name {
            TASK_ROOT_VAR => Some(root.clone()),
            "HOOKWAY_ARCHIVE_STREAM" => Some(String::new()),
            other => all_set(&[])(other),
        };
        let error = LambdaEnv::from_lookup(WORKER, without_stream).unwrap_err().to_string();
        assert!(error.starts_with("HOOKWAY_ARCHIVE_STREAM not set"), "the firehose writer needs it: {error}");
    }

    #[test]
    fn the_archive_stream_is_the_firehose_writers_only() {
        let mut json: serde_json::Value = serde_json::from_str(CONFIG).unwrap();
        json["archive"]["writer"] = "worker".into();
        let package = Folder::with_config("worker-writer", &json.to_string());
        let root = package.0.display().to_string();
        let lookup = |name: &str| match name {
            TASK_ROOT_VAR => Some(root.clone()),
            "HOOKWAY_ARCHIVE_STREAM" => None,
            other => all_set(&[])(other),
        };
        let env = LambdaEnv::from_lookup(WORKER, lookup).unwrap();
        assert_eq!(env.get(Var::ArchiveStream), "");
        let firehose = Folder::with_config("firehose-writer", CONFIG);
        let env = LambdaEnv::from_lookup(WORKER, all_set(&[(TASK_ROOT_VAR, firehose.0.display().to_string())]));
        assert_eq!(env.unwrap().get(Var::ArchiveStream), "value of HOOKWAY_ARCHIVE_STREAM", "the default writer");
    }

    #[test]
    fn the_stack_name_must_be_a_stack_name_as_it_is_the_metric_namespace() {
        for good in ["Hookway", "hookway-staging", "a", &format!("h{}", "-".repeat(127))] {
            assert!(is_stack_name(good), "{good}");
        }
        for bad in ["", "1hookway", "hookway_staging", "hook\"way", "hookway staging", &"h".repeat(129), "hoökway"] {
            assert!(!is_stack_name(bad), "{bad}");
        }
        let package = Folder::with_config("stack", CONFIG);
        let lookup =
            all_set(&[(TASK_ROOT_VAR, package.0.display().to_string()), ("HOOKWAY_STACK", "my\"stack".into())]);
        let error = LambdaEnv::from_lookup(INTAKE, lookup).unwrap_err().to_string();
        assert!(error.starts_with("HOOKWAY_STACK `my\"stack` is not a CloudFormation stack name"), "{error}");
    }

    #[test]
    fn the_variables_for_both_functions_name_the_file_and_carry_every_value_the_configuration_uses() {
        let package = Folder::with_config("variables", CONFIG);
        let file = package.0.join(CONFIG_FILE);
        let config = Config::from_json(CONFIG).unwrap();
        let values: BTreeMap<Var, String> = Var::ALL.into_iter().map(|var| (var, format!("{var:?}"))).collect();
        let variables = LambdaEnv::variables(&config, &file, &values).unwrap();
        let names: Vec<&str> = variables.iter().map(|(name, _)| *name).collect();
        assert_eq!(names.len(), Var::ALL.len() + 1, "{names:?}");
        assert_eq!(variables[0], (CONFIG_FILE_VAR, file.display().to_string()));
        for needed in [INTAKE, WORKER] {
            let env = LambdaEnv::from_lookup(needed, |name| {
                variables.iter().find(|(variable, _)| *variable == name).map(|(_, value)| value.clone())
            })
            .unwrap();
            assert_eq!(env.config(), &config);
            assert_eq!(env.config_digest(), config::digest(CONFIG.as_bytes()));
        }
        let short = BTreeMap::from([(Var::Table, "t".to_owned())]);
        let error = LambdaEnv::variables(&config, &file, &short).unwrap_err().to_string();
        assert!(error.contains("HOOKWAY_ARCHIVE_BUCKET") && error.contains("HOOKWAY_ARCHIVE_STREAM"), "{error}");

        let mut worker_writer = config.clone();
        worker_writer.archive.writer = ArchiveWriter::Worker;
        let variables = LambdaEnv::variables(&worker_writer, &file, &values).unwrap();
        assert!(variables.iter().all(|(name, _)| *name != "HOOKWAY_ARCHIVE_STREAM"), "as the stack sets them");
        let mut unnamed = values.clone();
        unnamed.insert(Var::Stack, "not a stack".into());
        assert!(matches!(LambdaEnv::variables(&config, &file, &unnamed), Err(EnvError::Stack(_))));
    }

    #[test]
    fn the_start_is_logged_once_with_the_digest_and_the_counts() {
        let package = Folder::with_config("logged", CONFIG);
        let env = LambdaEnv::from_lookup(INTAKE, all_set(&[(TASK_ROOT_VAR, package.0.display().to_string())])).unwrap();
        #[derive(Clone, Default)]
        struct Lines(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Lines {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().write(bytes)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = crate::telemetry::subscriber("info", move || writer.clone());
        tracing::subscriber::with_default(subscriber, || env.log_start());
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        let logged: Vec<serde_json::Value> = text.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
        assert_eq!(logged.len(), 1, "{text}");
        let line = &logged[0];
        assert_eq!((line["level"].as_str(), line["message"].as_str()), (Some("INFO"), Some("configuration loaded")));
        assert_eq!(line["config_digest"], config::digest(CONFIG.as_bytes()));
        assert_eq!(
            (line["sources"].as_u64(), line["routes"].as_u64()),
            (Some(6), Some(env.config().routes.len() as u64))
        );
        assert_eq!(line["stack"], "Hookway");
    }

    /// The stack sets each function exactly the variables its `main` reads, by these names
    /// (`NAME:` in each function's construct), and never the configuration itself.
    #[test]
    fn the_stack_gives_each_function_the_variables_it_reads() {
        for (file, construct, needed) in [
            ("infra/lib/intake.ts", include_str!("../../../infra/lib/intake.ts"), INTAKE),
            ("infra/lib/worker.ts", include_str!("../../../infra/lib/worker.ts"), WORKER),
        ] {
            for var in Var::ALL {
                let set = construct.contains(&format!("{}:", var.name()));
                assert_eq!(set, needed.contains(&var), "{file} sets {}: {set}", var.name());
            }
            assert!(!construct.contains("HOOKWAY_CONFIG:"), "{file}: the configuration is in the package");
        }
    }
}
