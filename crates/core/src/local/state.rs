//! The running local stack, as `hookway dev` records it in `.hookway/dev.json`: where everything
//! listens, the names of what it created (its outputs, as a deployed stack's are CloudFormation
//! outputs), and the process groups it started. The operator commands read it (`--local`); a
//! second `hookway dev` finds it and says so; a run that was killed outright leaves it behind,
//! and the next run stops what that run had started.

use std::path::{Path, PathBuf};

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};

/// The file's name in the state directory.
pub const STATE_FILE: &str = "dev.json";

/// A running local stack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DevState {
    /// The `hookway dev` process.
    pub pid: u32,
    /// The gateway: `http://127.0.0.1:3000`.
    pub gateway_url: String,
    /// moto: `AWS_ENDPOINT_URL` for the local stack.
    pub aws_endpoint: String,
    /// The region the resources were created in.
    pub region: String,
    /// `cargo lambda watch`'s Invoke API.
    pub lambda_endpoint: String,
    /// The events queue.
    pub events_queue_url: String,
    /// The events dead-letter queue.
    pub events_dlq_url: String,
    /// The jobs dead-letter queue.
    pub jobs_dlq_url: String,
    /// The state table.
    pub table: String,
    /// The archive bucket.
    #[serde(default)]
    pub archive_bucket: String,
    /// The worker function's name (what `hookway dlq redrive --queue jobs` invokes).
    pub worker_function: String,
    /// The configuration file it runs.
    pub config: PathBuf,
    /// Where the logs of moto and the build are.
    pub logs: PathBuf,
    /// The process groups it started.
    pub process_groups: Vec<i32>,
}

/// Why the state cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// No local stack is running.
    #[error("no local stack is running here ({0} not found): start one with `make dev`")]
    NotRunning(PathBuf),
    /// The file cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a state file.
    #[error("{path}: {source}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// Why.
        source: serde_json::Error,
    },
}

impl DevState {
    /// The state in `dir`, if a stack was started there (it may have died since).
    pub fn read(dir: &Path) -> Result<DevState, StateError> {
        let path = dir.join(STATE_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Err(StateError::NotRunning(path)),
            Err(source) => return Err(StateError::Io { path, source }),
        };
        serde_json::from_str(&text).map_err(|source| StateError::Malformed { path, source })
    }

    /// The state of a stack that is running now.
    pub fn running(dir: &Path) -> Result<DevState, StateError> {
        let state = DevState::read(dir)?;
        if state.is_alive() { Ok(state) } else { Err(StateError::NotRunning(dir.join(STATE_FILE))) }
    }

    /// Writes the state to `dir`.
    pub fn write(&self, dir: &Path) -> Result<(), StateError> {
        let path = dir.join(STATE_FILE);
        let text = serde_json::to_string_pretty(self)
            .map_err(|source| StateError::Malformed { path: path.clone(), source })?;
        std::fs::write(&path, text).map_err(|source| StateError::Io { path, source })
    }

    /// Removes the state from `dir`.
    pub fn remove(dir: &Path) {
        let _ = std::fs::remove_file(dir.join(STATE_FILE));
    }

    /// The local stack's name as its resources' names begin with it (`hookway` of
    /// `hookway-state`): what a deployed stack's name is to the names of its resources.
    pub fn stack_name(&self) -> &str {
        self.table.rsplit_once('-').map_or(self.table.as_str(), |(prefix, _)| prefix)
    }

    /// What the deployed stack's CloudFormation outputs say, said of this stack, under the same
    /// keys: what ties the stack's resources to the local ones (the IAM check, testing/iam).
    pub fn outputs(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("ApiUrl", &self.gateway_url),
            ("EventsQueueUrl", &self.events_queue_url),
            ("EventsDeadLetterQueueUrl", &self.events_dlq_url),
            ("JobsDeadLetterQueueUrl", &self.jobs_dlq_url),
            ("TableName", &self.table),
            ("ArchiveBucketName", &self.archive_bucket),
            ("WorkerFunctionName", &self.worker_function),
        ]
    }

    /// Whether its `hookway dev` process is alive.
    pub fn is_alive(&self) -> bool {
        i32::try_from(self.pid).is_ok_and(|pid| kill(Pid::from_raw(pid), None).is_ok())
    }

    /// Stops what a dead run left running.
    pub fn stop_leftovers(&self) -> usize {
        self.process_groups.iter().filter(|group| killpg(Pid::from_raw(**group), Signal::SIGKILL).is_ok()).count()
    }
}
