//! `hookway dev` as the local-stack tests run it: started from nothing on free ports with a
//! configuration of the test's, waited for until it prints its URL, driven through the `hookway`
//! commands, and stopped for sure when the test ends, however it ends.

// Each test binary that includes this module uses its own part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use hookway_core::local::state::DevState;
use hookway_iam::{Reason, Report};
use hookway_testkit::{free_port, wait_for, workspace_root};
use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;
use serde_json::{Value, json};

/// The first run builds both functions from scratch.
pub const BOOT_DEADLINE: Duration = Duration::from_secs(20 * 60);

/// `hookway dev`, stopped for sure when the test ends, however it ends.
pub struct LocalStack {
    pub child: Child,
    pub dir: PathBuf,
    pub state_dir: PathBuf,
    pub config: PathBuf,
    pub output: PathBuf,
    pub url: String,
}

impl LocalStack {
    /// `hookway dev` with `config` (written to `dir/hookway.json`), its state and output in `dir`.
    pub fn start(dir: &Path, config: &Value) -> LocalStack {
        LocalStack::start_with(dir, config, &[])
    }

    /// The same, with more of `hookway dev`'s options (`--stack NAME`).
    pub fn start_with(dir: &Path, config: &Value, options: &[&str]) -> LocalStack {
        std::fs::create_dir_all(dir).unwrap();
        let state_dir = dir.join("state");
        let config_file = dir.join("hookway.json");
        std::fs::write(&config_file, config.to_string()).unwrap();
        let output = dir.join("hookway-dev.out");
        let port = free_port();
        let venv = workspace_root().join(".venv/bin");
        let path = std::env::join_paths(
            std::iter::once(venv).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
        );
        let child = Command::new(env!("CARGO_BIN_EXE_hookway"))
            .args(["dev", "--no-reload", "--visibility-timeout", "2", "--job-retry-delay", "1"])
            .args(["--config", config_file.to_str().unwrap(), "--state-dir", state_dir.to_str().unwrap()])
            .args(["--port", &port.to_string(), "--aws-port", &free_port().to_string()])
            .args(["--lambda-port", &free_port().to_string()])
            .args(options)
            .env("PATH", path.unwrap())
            // The local stack's name is `--stack`'s, else `Hookway`, whatever this shell says.
            .env_remove("HOOKWAY_STACK")
            .current_dir(workspace_root())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&output).unwrap())
            .stderr(std::fs::File::create(dir.join("hookway-dev.err")).unwrap())
            .spawn()
            .unwrap();
        LocalStack {
            child,
            dir: dir.to_owned(),
            state_dir,
            config: config_file,
            output,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Waits until the stack says where it listens (failing if it exits first); what it printed.
    pub async fn running(&mut self) -> String {
        let booted = Instant::now();
        let (output, errors, url) = (self.output.clone(), self.dir.join("hookway-dev.err"), self.url.clone());
        let child = &mut self.child;
        wait_for("hookway dev to print its URL", BOOT_DEADLINE, || {
            let printed = std::fs::read_to_string(&output).unwrap_or_default();
            let exited = child.try_wait().unwrap();
            assert!(exited.is_none(), "hookway dev exited: {exited:?}\n{printed}\n{}", read(&errors));
            std::future::ready(printed.contains(&format!("Hookway is running at {url}")).then_some(()))
        })
        .await;
        eprintln!("booted in {:?}", booted.elapsed());
        std::fs::read_to_string(&self.output).unwrap()
    }

    /// Ctrl-C: the stack stops cleanly, and no process it started is left running.
    pub async fn stop(&mut self) {
        let state = self.state().unwrap();
        kill(Pid::from_raw(i32::try_from(self.child.id()).unwrap()), Signal::SIGINT).unwrap();
        let child = &mut self.child;
        let exit =
            wait_for("hookway dev to stop", Duration::from_secs(60), || std::future::ready(child.try_wait().unwrap()))
                .await;
        assert!(exit.success(), "{exit:?}");
        for group in &state.process_groups {
            assert!(killpg(Pid::from_raw(*group), None).is_err(), "process group {group} is still running");
        }
        assert!(self.state().is_none(), "the state file is removed");
        for port in [self.url.rsplit(':').next().unwrap(), state.aws_endpoint.rsplit(':').next().unwrap()] {
            assert!(std::net::TcpListener::bind(format!("127.0.0.1:{port}")).is_ok(), "port {port} is free again");
        }
    }

    /// A `hookway` command: its exit code and output.
    pub fn hookway(&self, args: &[&str]) -> (i32, String) {
        let output: Output =
            Command::new(env!("CARGO_BIN_EXE_hookway")).args(args).current_dir(workspace_root()).output().unwrap();
        let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
        (output.status.code().unwrap_or(-1), text)
    }

    /// `hookway send` of the event `id`, as `source` would send it.
    pub fn send(&self, source: &str, id: &str, event_type: &str, extra: &[&str]) -> (i32, String) {
        let body = event_body(id, event_type);
        let config = self.config.to_str().unwrap();
        let send = ["send", &self.url, "--source", source, "--config", config, "--id", id, "--type", event_type];
        self.local(&[&send[..], &["--data", &body], extra].concat())
    }

    /// `source` refuses this machine (outside its `allowIps`): a signed webhook is answered 403,
    /// and so is one whose X-Forwarded-For claims an address it allows — the gateway hands the
    /// intake the real peer address. `allowed` is an address in the source's `allowIps`.
    pub async fn assert_walled_off(&self, client: &reqwest::Client, source: &str, allowed: &str, id: &str) {
        let (code, said) = self.send(source, id, "push", &[]);
        assert_eq!((code, said.starts_with("403 Forbidden")), (1, true), "{said}");
        let spoofed = client
            .post(format!("{}/webhooks/{source}", self.url))
            .header("x-forwarded-for", allowed)
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(spoofed.status(), 403, "{}", spoofed.text().await.unwrap());
    }

    /// A `hookway` command against this local stack (`--local`).
    pub fn local(&self, args: &[&str]) -> (i32, String) {
        let state_dir = self.state_dir.to_str().unwrap();
        self.hookway(&[args, &["--local", "--state-dir", state_dir]].concat())
    }

    /// The JSON lines the functions wrote (their logs and EMF metrics), as `hookway dev` passed
    /// them on.
    pub fn function_lines(&self) -> Vec<Value> {
        read(&self.output)
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(&line[line.find('{')?..]).ok())
            .collect()
    }

    pub fn state(&self) -> Option<DevState> {
        DevState::read(&self.state_dir).ok()
    }

    /// Every AWS call the run has made so far, replayed against the role it is made with in AWS
    /// (in the template the CDK app synthesises for this stack's configuration) or, for the
    /// operator commands', against docs/operator-policy.json (testing/iam): the report, once no
    /// call would be denied. Each denial names its caller, action, resource and condition keys.
    pub async fn assert_iam_allows_every_call(&self) -> Report {
        // What the run called, kept beside its logs for whoever reads a failure.
        let state = self.state().unwrap();
        let calls = hookway_iam::local::calls(&state.aws_endpoint).await.unwrap();
        std::fs::write(self.dir.join("aws-calls.json"), serde_json::to_vec_pretty(&calls).unwrap()).unwrap();
        let out = self.dir.join("cdk.out");
        let report = hookway_iam::local::check_run(&workspace_root(), &self.state_dir, &out)
            .await
            .unwrap_or_else(|error| panic!("the IAM check cannot run: {error}"));
        eprintln!("IAM check:\n{report}");
        assert!(report.denials.is_empty(), "AWS would deny calls this run made:\n{report}");
        report
    }

    /// The same, and every grant no call of the run used is one `reasons` explains — and each
    /// reason explains a grant left unused, so that none outlives its grant.
    pub async fn assert_iam_is_what_the_run_needs(&self, reasons: &[Reason]) {
        let report = self.assert_iam_allows_every_call().await;
        let (unexplained, stale) = report.unexplained(reasons);
        let list = |grants: Vec<String>| grants.join("\n  ");
        assert!(
            unexplained.is_empty(),
            "granted, and no call of the run used it: remove it from the stack, or give its reason in the test's table:\n  {}",
            list(unexplained.iter().map(ToString::to_string).collect())
        );
        assert!(
            stale.is_empty(),
            "a reason for a grant the run used, or that is gone: remove it from the test's table:\n  {}",
            list(
                stale
                    .iter()
                    .map(|reason| format!("{} {} {}", reason.principal, reason.action, reason.resource))
                    .collect()
            )
        );
    }
}

impl Drop for LocalStack {
    fn drop(&mut self) {
        if let Some(state) = self.state() {
            state.stop_leftovers();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An event every scheme names by `id`: its delivery id header, body `id` or `event_id`.
pub fn event_body(id: &str, event_type: &str) -> String {
    json!({"id": id, "type": event_type, "created": 1, "event_id": id, "event": {"type": event_type}, "data": {"object": {"id": id}}})
        .to_string()
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}
