//! The Lambdas' environment, declared once: every variable's name, and which function reads which.
//! Each Lambda's `main` reads its own with [`LambdaEnv::from_env`], which names every variable
//! that is missing at once; `hookway-dev` sets the same names for `cargo lambda watch` with
//! [`LambdaEnv::variables`]; the stack (`infra/lib/intake.ts`, `infra/lib/worker.ts`) sets them
//! on each function, and a test below holds it to these names.

use std::collections::BTreeMap;

use crate::config::{Config, ConfigError};

/// One of the Lambdas' variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Var {
    /// The JSON of hookway.json (minified by the stack).
    Config,
    /// The events queue's URL: where the intake puts accepted events, and the worker those that
    /// wait for their next attempt.
    EventsQueueUrl,
    /// The events dead-letter queue's URL: where the worker sends events refused for good.
    EventsDlqUrl,
    /// The state table's name.
    Table,
    /// The archive bucket's name: every event's envelope, and the bodies too large for a message.
    ArchiveBucket,
}

impl Var {
    /// Every variable.
    pub const ALL: [Var; 5] = [Var::Config, Var::EventsQueueUrl, Var::EventsDlqUrl, Var::Table, Var::ArchiveBucket];

    /// The variable's name.
    pub const fn name(self) -> &'static str {
        match self {
            Var::Config => "HOOKWAY_CONFIG",
            Var::EventsQueueUrl => "HOOKWAY_EVENTS_QUEUE_URL",
            Var::EventsDlqUrl => "HOOKWAY_EVENTS_DLQ_URL",
            Var::Table => "HOOKWAY_TABLE",
            Var::ArchiveBucket => "HOOKWAY_ARCHIVE_BUCKET",
        }
    }
}

/// The archive stream's name (Firehose), which the worker reads when `archive.writer` is
/// `firehose`: set by the stack on the worker, and by `hookway dev`.
pub const ARCHIVE_STREAM: &str = "HOOKWAY_ARCHIVE_STREAM";

/// What the intake reads: it queues events, stores large bodies, and answers job statuses.
pub const INTAKE: &[Var] = &[Var::Config, Var::EventsQueueUrl, Var::Table, Var::ArchiveBucket];
/// What the worker reads: it records outcomes, sends events back to the queue to wait for their
/// next attempt, dead-letters refusals, archives events and reads large bodies back.
pub const WORKER: &[Var] = &[Var::Config, Var::Table, Var::EventsQueueUrl, Var::EventsDlqUrl, Var::ArchiveBucket];

/// A Lambda's environment, read and checked at start-up.
#[derive(Debug, Clone)]
pub struct LambdaEnv {
    config: Config,
    values: BTreeMap<Var, String>,
}

/// Why a Lambda cannot start.
#[derive(Debug, thiserror::Error)]
pub enum EnvError {
    /// Variables are missing.
    #[error("{} not set: the stack sets every one of them (infra/), hookway-dev too", .0.join(", "))]
    Missing(Vec<&'static str>),
    /// The configuration is not valid.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

impl LambdaEnv {
    /// Reads `needed` from the process environment ([`INTAKE`] or [`WORKER`]).
    pub fn from_env(needed: &[Var]) -> Result<LambdaEnv, EnvError> {
        LambdaEnv::from_lookup(needed, |name| std::env::var(name).ok())
    }

    /// Reads `needed` through `lookup`, naming every missing variable at once.
    pub fn from_lookup(needed: &[Var], lookup: impl Fn(&str) -> Option<String>) -> Result<LambdaEnv, EnvError> {
        let mut values = BTreeMap::new();
        let mut missing = Vec::new();
        for var in needed.iter().copied().chain([Var::Config]) {
            match lookup(var.name()).filter(|value| !value.is_empty()) {
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
        let config = Config::from_json(values.get(&Var::Config).map(String::as_str).unwrap_or_default())?;
        Ok(LambdaEnv { config, values })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// A variable's value: one [`LambdaEnv::from_env`] was asked for (any other reads empty).
    pub fn get(&self, var: Var) -> &str {
        self.values.get(&var).map_or("", String::as_str)
    }

    /// Every variable of both functions, named, for a process that runs them (`cargo lambda
    /// watch`): the configuration as JSON, and the values of the others.
    pub fn variables(config: &Config, values: &BTreeMap<Var, String>) -> Result<Vec<(&'static str, String)>, EnvError> {
        let json = serde_json::to_string(config).map_err(|error| {
            EnvError::Config(ConfigError::Shape { field: "(root)".into(), message: error.to_string() })
        })?;
        let missing: Vec<&'static str> = Var::ALL
            .into_iter()
            .filter(|var| *var != Var::Config && !values.contains_key(var))
            .map(Var::name)
            .collect();
        if !missing.is_empty() {
            return Err(EnvError::Missing(missing));
        }
        Ok(std::iter::once((Var::Config.name(), json))
            .chain(
                values.iter().filter(|(var, _)| **var != Var::Config).map(|(var, value)| (var.name(), value.clone())),
            )
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = include_str!("../../../hookway.json");

    #[test]
    fn every_missing_variable_is_named_at_once() {
        let error = LambdaEnv::from_lookup(INTAKE, |_| None).unwrap_err().to_string();
        assert!(
            error
                .starts_with("HOOKWAY_CONFIG, HOOKWAY_EVENTS_QUEUE_URL, HOOKWAY_TABLE, HOOKWAY_ARCHIVE_BUCKET not set"),
            "{error}"
        );
        let env = LambdaEnv::from_lookup(WORKER, |name| match name {
            "HOOKWAY_CONFIG" => Some(CONFIG.to_owned()),
            other => Some(format!("value of {other}")),
        })
        .unwrap();
        assert_eq!(env.get(Var::ArchiveBucket), "value of HOOKWAY_ARCHIVE_BUCKET");
        assert_eq!(env.get(Var::EventsQueueUrl), "value of HOOKWAY_EVENTS_QUEUE_URL");
        let intake = LambdaEnv::from_lookup(INTAKE, |name| match name {
            "HOOKWAY_CONFIG" => Some(CONFIG.to_owned()),
            other => Some(format!("value of {other}")),
        })
        .unwrap();
        assert_eq!(intake.get(Var::EventsDlqUrl), "", "not the intake's");
        assert_eq!(env.config().sources.len(), 6);
    }

    #[test]
    fn the_variables_for_both_functions_carry_the_configuration_and_every_value() {
        let config = Config::from_json(CONFIG).unwrap();
        let values: BTreeMap<Var, String> =
            Var::ALL.into_iter().filter(|var| *var != Var::Config).map(|var| (var, format!("{var:?}"))).collect();
        let variables = LambdaEnv::variables(&config, &values).unwrap();
        let names: Vec<&str> = variables.iter().map(|(name, _)| *name).collect();
        assert_eq!(names.len(), Var::ALL.len());
        for needed in [INTAKE, WORKER] {
            let env = LambdaEnv::from_lookup(needed, |name| {
                variables.iter().find(|(variable, _)| *variable == name).map(|(_, value)| value.clone())
            })
            .unwrap();
            assert_eq!(env.config(), &config);
        }
        let short = BTreeMap::from([(Var::Table, "t".to_owned())]);
        assert!(LambdaEnv::variables(&config, &short).unwrap_err().to_string().contains("HOOKWAY_ARCHIVE_BUCKET"));
    }

    /// The stack sets each function exactly the variables its `main` reads, by these names.
    #[test]
    fn the_stack_gives_each_function_the_variables_it_reads() {
        for (construct, needed) in [
            (include_str!("../../../infra/lib/intake.ts"), INTAKE),
            (include_str!("../../../infra/lib/worker.ts"), WORKER),
        ] {
            for var in Var::ALL {
                let set = construct.contains(&format!("{}:", var.name()));
                assert_eq!(set, needed.contains(&var), "{} in {}", var.name(), &construct[..60]);
            }
        }
    }
}
