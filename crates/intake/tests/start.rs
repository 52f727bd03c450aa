//! The intake binary's start, as Lambda runs it: the configuration read from `hookway.json` in
//! its package (`LAMBDA_TASK_ROOT`), its digest logged once; a package without the file fails at
//! init with a log line naming the path it tried and why. No AWS call is reached: AWS is a port
//! nothing listens on, and there is no Runtime API, so a started function stops right after init.

use std::path::PathBuf;
use std::process::{Command, Output};

use hookway_testkit::closed_endpoint;
use serde_json::Value;

/// A fresh folder under the target directory.
fn folder(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("intake-start-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The intake with only what Lambda and the stack would set, its package in `task_root`.
fn intake(task_root: &PathBuf) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hookway-intake"))
        .env_clear()
        .env("LAMBDA_TASK_ROOT", task_root)
        .env("AWS_LAMBDA_LOG_LEVEL", "INFO")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_ENDPOINT_URL", closed_endpoint())
        .env("HOOKWAY_STACK", "hookway-staging")
        .env("HOOKWAY_EVENTS_QUEUE_URL", "http://127.0.0.1:1/queue/hookway-events")
        .env("HOOKWAY_TABLE", "hookway-state")
        .env("HOOKWAY_ARCHIVE_BUCKET", "hookway-archive")
        .output()
        .unwrap()
}

fn lines(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout).lines().filter_map(|line| serde_json::from_str(line).ok()).collect()
}

#[test]
fn the_intake_starts_with_the_file_in_its_package_and_logs_its_digest() {
    let package = folder("package");
    let json = std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../hookway.json")).unwrap();
    std::fs::write(package.join("hookway.json"), &json).unwrap();
    let output = intake(&package);
    let started: Vec<Value> =
        lines(&output).into_iter().filter(|line| line["message"] == "configuration loaded").collect();
    assert_eq!(started.len(), 1, "once: {}", String::from_utf8_lossy(&output.stdout));
    let line = &started[0];
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["config_digest"], hookway_core::config::digest(&json));
    assert_eq!(line["config_file"], package.join("hookway.json").display().to_string());
    assert_eq!((&line["stack"], &line["sources"]), (&Value::from("hookway-staging"), &Value::from(6)));
    let _ = std::fs::remove_dir_all(&package);
}

#[test]
fn a_package_without_the_file_fails_at_init_naming_the_path_and_the_cause() {
    let package = folder("empty");
    let output = intake(&package);
    assert!(!output.status.success());
    let logged = lines(&output);
    let error = logged.iter().find(|line| line["message"] == "cannot start").unwrap_or_else(|| panic!("{logged:?}"));
    assert_eq!(error["level"], "ERROR");
    let said = error["error"].as_str().unwrap();
    let path = package.join("hookway.json");
    assert!(
        said.starts_with(&format!("cannot read the configuration file {} (from LAMBDA_TASK_ROOT): ", path.display())),
        "{said}"
    );
    assert!(said.contains("No such file or directory"), "{said}");
    assert!(logged.iter().all(|line| line["message"] != "configuration loaded"));
    let _ = std::fs::remove_dir_all(&package);
}
