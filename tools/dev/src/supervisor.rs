//! The processes the local stack starts. Each runs in its own process group, so that Ctrl-C in
//! the terminal reaches `hookway dev` alone, and stopping a group stops everything its leader
//! started (`cargo lambda watch` starts the function processes).

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::process::{Child, Command};

/// The started processes.
#[derive(Debug, Default)]
pub struct Supervisor {
    children: Vec<(String, Child, i32)>,
}

/// A process could not be started.
#[derive(Debug, thiserror::Error)]
#[error("cannot start {name}: {source}")]
pub struct SpawnError {
    /// What.
    pub name: String,
    /// Why.
    pub source: std::io::Error,
}

impl Supervisor {
    /// Starts `command` in a new process group, its output appended to `log` (or to the terminal).
    pub fn spawn(&mut self, name: &str, mut command: Command, log: Option<&Path>) -> Result<u32, SpawnError> {
        let error = |source| SpawnError { name: name.to_owned(), source };
        command.process_group(0).stdin(Stdio::null()).kill_on_drop(true);
        if let Some(log) = log {
            let file = std::fs::OpenOptions::new().create(true).append(true).open(log).map_err(error)?;
            command.stdout(file.try_clone().map_err(error)?).stderr(file);
        }
        let child = command.spawn().map_err(error)?;
        let pid = child.id().ok_or_else(|| error(std::io::Error::other("exited at once")))?;
        let group = i32::try_from(pid).map_err(|_| error(std::io::Error::other("pid out of range")))?;
        self.children.push((name.to_owned(), child, group));
        Ok(pid)
    }

    /// The process groups started.
    pub fn process_groups(&self) -> Vec<i32> {
        self.children.iter().map(|(_, _, group)| *group).collect()
    }

    /// The first process that has exited, with its status.
    pub fn exited(&mut self) -> Option<(String, std::process::ExitStatus)> {
        self.children
            .iter_mut()
            .find_map(|(name, child, _)| child.try_wait().ok().flatten().map(|status| (name.clone(), status)))
    }

    /// Stops every group, last started first: SIGTERM, then SIGKILL after `grace`.
    pub async fn stop_all(&mut self, grace: Duration) {
        while let Some((name, mut child, group)) = self.children.pop() {
            let _ = killpg(Pid::from_raw(group), Signal::SIGTERM);
            if tokio::time::timeout(grace, child.wait()).await.is_err() {
                eprintln!("{name} did not stop within {grace:?}: killing it");
            }
            // Whatever the leader left in its group goes too.
            let _ = killpg(Pid::from_raw(group), Signal::SIGKILL);
            let _ = child.wait().await;
        }
    }
}
