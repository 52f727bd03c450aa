//! The commands as scripts use them: output piped into a reader that stops early (`| head -1`)
//! ends a command quietly with exit 0, never a panic; each `--json` output parses, with the keys
//! the README documents; `dlq delete --id` removes one dead letter; and `dlq redrive` of more than
//! 100 letters will not run unattended without `--yes`. Against one local stack (`hookway dev`):
//! events sent through it, one refused by its destination into the events dead-letter queue.

mod local_stack;

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use hookway_testkit::receiver::{Receiver, Reply};
use hookway_testkit::{queue_length, wait_for, workspace_root};
use local_stack::LocalStack;
use serde_json::{Value, json};

const STEP_DEADLINE: Duration = Duration::from_secs(90);
/// How long one command may take.
const COMMAND_DEADLINE: Duration = Duration::from_secs(60);
const HOOKWAY: &str = env!("CARGO_BIN_EXE_hookway");

/// The keys of each `--json` shape, as the README's table gives them.
const EVENT_LINE: [&str; 7] = ["receivedAt", "id", "source", "type", "status", "attempts", "archived"];
const SHOWN_EVENT: [&str; 11] = [
    "source",
    "type",
    "receivedAt",
    "requestId",
    "archived",
    "contentType",
    "headers",
    "bodyBytes",
    "body",
    "record",
    "replays",
];
const RECORD: [&str; 10] = [
    "status",
    "attempts",
    "type",
    "createdAt",
    "updatedAt",
    "error",
    "result",
    "nextAttemptAt",
    "nextAttemptReason",
    "deliveries",
];
const DELIVERY: [&str; 8] =
    ["index", "destination", "status", "attempts", "lastStatus", "latencyMs", "error", "deliveredAt"];
const LETTER: [&str; 11] = [
    "queue",
    "messageId",
    "id",
    "source",
    "type",
    "at",
    "receiveCount",
    "reason",
    "cause",
    "destination",
    "lastStatus",
];
const PROVIDER: [&str; 7] = ["name", "title", "algorithm", "headers", "handshake", "needs", "docs"];
const CHECK: [&str; 7] = ["ok", "config", "digest", "sources", "limits", "warnings", "errors"];
const DESTINATION: [&str; 5] = ["destination", "state", "parked", "oldestParkedAt", "nextProbeAt"];

fn has_keys(value: &Value, keys: &[&str]) {
    let object = value.as_object().unwrap_or_else(|| panic!("not an object: {value}"));
    for key in keys {
        assert!(object.contains_key(*key), "no `{key}` in {value}");
    }
}

/// Each line of `text` as JSON.
fn json_lines(text: &str) -> Vec<Value> {
    text.lines().map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("{error}: {line}"))).collect()
}

/// `hookway args` from the workspace root: exit code, stdout, stderr.
fn hookway(args: &[String]) -> (i32, String, String) {
    let output = Command::new(HOOKWAY).args(args).current_dir(workspace_root()).stdin(Stdio::null()).output().unwrap();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.code().unwrap_or(-1), text(&output.stdout), text(&output.stderr))
}

/// Its stderr, read to the end on a thread of its own.
fn stderr_of(child: &mut Child) -> std::thread::JoinHandle<String> {
    let mut stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        let mut text = String::new();
        stderr.read_to_string(&mut text).unwrap();
        text
    })
}

/// Waits for the command to end, within its deadline: its exit code and stderr.
async fn finish(mut child: Child, stderr: std::thread::JoinHandle<String>) -> (i32, String) {
    let status =
        wait_for("the command to end", COMMAND_DEADLINE, || std::future::ready(child.try_wait().unwrap())).await;
    (status.code().unwrap_or(-1), stderr.join().unwrap())
}

fn spawn(args: &[String], stdout: Stdio) -> Child {
    Command::new(HOOKWAY)
        .args(args)
        .current_dir(workspace_root())
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// `hookway args | head -1`: the reader takes the first line and closes its end. Exit code and
/// stderr.
async fn first_line_then_close(args: &[String]) -> (i32, String) {
    let mut child = spawn(args, Stdio::piped());
    let stderr = stderr_of(&mut child);
    let stdout = child.stdout.take().unwrap();
    let (sender, first) = mpsc::channel();
    // The reader, dropped (its end of the pipe closed) once it has the first line.
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line).map(|_| line);
        let _ = sender.send(read);
    });
    let line = first.recv_timeout(COMMAND_DEADLINE).unwrap_or_else(|_| panic!("no line from {args:?}")).unwrap();
    assert!(!line.is_empty(), "{args:?} printed nothing");
    finish(child, stderr).await
}

/// `hookway args` writing into a pipe whose reader has already gone: every write fails at once.
async fn reader_gone(args: &[String]) -> (i32, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut child = spawn(args, Stdio::from(writer));
    let stderr = stderr_of(&mut child);
    finish(child, stderr).await
}

/// Both ways a reader stops early end the command quietly, with exit 0 and no panic.
async fn assert_quiet_when_the_reader_stops(args: &[String]) {
    for (how, (code, stderr)) in [
        ("after the first line", first_line_then_close(args).await),
        ("before the first line", reader_gone(args).await),
    ] {
        assert!(!stderr.contains("panicked"), "{args:?}, reader gone {how}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}, reader gone {how}: said on stderr: {stderr}");
        assert_eq!(code, 0, "{args:?}, reader gone {how}: {stderr}");
    }
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(ToString::to_string).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_commands_script_well() {
    let config = workspace_root().join("hookway.json");
    let config = config.to_str().unwrap();
    for args in [
        &["providers"][..],
        &["providers", "--json"],
        &["config", "check", "--config", config],
        &["config", "check", "--config", config, "--json"],
        &["cost", "--events-per-month", "1M", "--config", config],
        &["config", "schema"],
    ] {
        assert_quiet_when_the_reader_stops(&strings(args)).await;
    }

    let (code, out, err) = hookway(&strings(&["providers", "--json"]));
    assert_eq!(code, 0, "{err}");
    let providers = json_lines(&out);
    providers.iter().for_each(|provider| has_keys(provider, &PROVIDER));
    let names: Vec<&str> = providers.iter().filter_map(|provider| provider["name"].as_str()).collect();
    assert!(names.contains(&"stripe") && names.last() == Some(&"hmac"), "{names:?}");

    let (code, out, err) = hookway(&strings(&["config", "check", "--config", config, "--json"]));
    assert_eq!(code, 0, "{err}");
    let checked: Value = serde_json::from_str(&out).unwrap();
    has_keys(&checked, &CHECK);
    assert_eq!((checked["ok"].clone(), checked["errors"].clone()), (json!(true), json!([])));
    let digest = hookway_core::config::digest(&std::fs::read(workspace_root().join("hookway.json")).unwrap());
    assert_eq!(checked["digest"], digest);
    has_keys(&checked["sources"][0], &["name", "scheme", "secretParameters"]);
    has_keys(&checked["limits"][0], &["what", "used", "limit", "quota"]);

    // An invalid file: still one object, its errors by field, and exit 2.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("scripting-offline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let invalid = dir.join("hookway.json");
    let sources = json!([{"name": "stripe", "scheme": "stripe", "secretParameters": ["/s"], "toleranceSeconds": -1}]);
    std::fs::write(&invalid, json!({"sources": sources}).to_string()).unwrap();
    let (code, out, err) = hookway(&strings(&["config", "check", "--config", invalid.to_str().unwrap(), "--json"]));
    assert_eq!(code, 2, "{out}{err}");
    let checked: Value = serde_json::from_str(&out).unwrap();
    has_keys(&checked, &CHECK);
    assert_eq!(checked["ok"], false);
    assert!(checked["errors"][0]["field"].as_str().is_some_and(|field| field.contains("sources")), "{checked}");

    let (code, out, err) = hookway(&strings(&["cost", "--events-per-month", "1M", "--config", config, "--json"]));
    assert_eq!(code, 0, "{err}");
    has_keys(&serde_json::from_str(&out).unwrap(), &["eventsPerMonth", "usdPerMillion", "usdPerMonth"]);
}

fn config_for(receiver: &Receiver) -> Value {
    json!({
        "sources": [{"name": "stripe", "scheme": "stripe", "secretParameters": ["/hookway/stripe/secret"]}],
        "routes": [
            {"source": "jobs", "type": "report.generate", "handler": {"custom": "report"}},
            {"source": "stripe", "type": "refused", "handler": {"forward": {"url": format!("{}/refuses", receiver.url), "maxAttempts": 1}}},
            {"source": "*", "handler": {"forward": {"url": format!("{}/hooks", receiver.url), "maxAttempts": 1}}}
        ]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stack_s_commands_script_well() {
    let receiver = Receiver::start().await;
    receiver.always_at("/refuses", Reply::Status(400));
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("scripting-{}", std::process::id()));
    let mut stack = LocalStack::start(&dir, &config_for(&receiver));
    stack.running().await;
    let config = stack.config.to_str().unwrap().to_owned();
    let state_dir = stack.state_dir.to_str().unwrap().to_owned();
    let local = |args: &[&str]| -> Vec<String> {
        [args, &["--local", "--state-dir", &state_dir]].concat().iter().map(ToString::to_string).collect()
    };

    for id in ["script-1", "script-2"] {
        let (code, said) = stack.send("stripe", id, "invoice.paid", &[]);
        assert_eq!(code, 0, "{said}");
    }
    let (code, said) = stack.send("stripe", "script-refused", "refused", &[]);
    assert_eq!(code, 0, "{said}");

    // The events, archived and settled: delivered, and refused into the dead-letter queue.
    let events = wait_for("the three events, listed as settled", STEP_DEADLINE, || {
        let (code, out, _) = hookway(&local(&["events", "list", "--json", "--config", &config]));
        let events = if code == 0 { json_lines(&out) } else { Vec::new() };
        let settled = events.len() == 3 && events.iter().all(|event| event["status"] != "pending");
        std::future::ready(settled.then_some(events))
    })
    .await;
    events.iter().for_each(|event| has_keys(event, &EVENT_LINE));
    let letters = wait_for("the refused event in the events DLQ", STEP_DEADLINE, || {
        let (code, out, _) = hookway(&local(&["dlq", "list", "--json"]));
        std::future::ready((code == 0 && out.contains("script-refused")).then(|| json_lines(&out)))
    })
    .await;
    assert_eq!(letters.len(), 1, "{letters:?}");
    has_keys(&letters[0], &LETTER);
    assert_eq!(
        (&letters[0]["id"], &letters[0]["cause"], &letters[0]["lastStatus"]),
        (&json!("script-refused"), &json!("refused"), &json!(400))
    );

    // Every command that prints a list, read by a reader that stops early.
    for args in [
        &["events", "list", "--config", &config][..],
        &["events", "list", "--json", "--config", &config],
        &["events", "show", "script-1", "--config", &config],
        &["dlq", "list"],
        &["dlq", "list", "--json"],
        &["dlq", "show"],
        &["destinations", "list", "--config", &config],
        &["destinations", "list", "--json", "--config", &config],
    ] {
        assert_quiet_when_the_reader_stops(&local(args)).await;
    }
    assert_quiet_when_the_reader_stops(&strings(&["providers"])).await;

    // `--json` of each read command parses, with its documented keys.
    let (code, out, err) = hookway(&local(&["events", "show", "script-1", "--json", "--config", &config]));
    assert_eq!(code, 0, "{err}");
    let shown: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(shown["id"], "script-1");
    let event = &shown["events"][0];
    has_keys(event, &SHOWN_EVENT);
    has_keys(&event["record"], &RECORD);
    has_keys(&event["record"]["deliveries"][0], &DELIVERY);
    assert_eq!((&event["source"], &event["record"]["status"]), (&json!("stripe"), &json!("COMPLETED")));
    let body: Value = serde_json::from_str(event["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["id"], "script-1", "the body as received");

    let (code, out, err) = hookway(&local(&["dlq", "show", "--json"]));
    assert_eq!(code, 0, "{err}");
    let shown = json_lines(&out);
    has_keys(&shown[0], &[&LETTER[..], &["record", "body"]].concat());
    has_keys(&shown[0]["record"], &RECORD);

    let (code, out, err) = hookway(&local(&["destinations", "list", "--json", "--config", &config]));
    assert_eq!(code, 0, "{err}");
    let destinations = json_lines(&out);
    assert!(!destinations.is_empty(), "{out}");
    destinations.iter().for_each(|destination| has_keys(destination, &DESTINATION));

    let (code, out, err) = hookway(&local(&["jobs", "submit", r#"{"type": "report.generate", "payload": {"a": 1}}"#]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1, "one line: {out}");
    let job = serde_json::from_str::<Value>(&out).unwrap()["jobId"].as_str().unwrap().to_owned();
    let status = wait_for("the job to succeed", STEP_DEADLINE, || {
        let (code, out, _) = hookway(&local(&["jobs", "status", &job, "--json"]));
        let status: Value = if code == 0 { serde_json::from_str(&out).unwrap() } else { Value::Null };
        assert!(code != 0 || out.lines().count() == 1, "one line: {out}");
        std::future::ready((status["status"] == "SUCCEEDED").then_some(status))
    })
    .await;
    has_keys(&status, &["jobId", "status"]);

    // `dlq delete --id`: the letter is gone, and a second delete finds nothing.
    let (code, out, err) = hookway(&local(&["dlq", "delete", "--id", "script-refused"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("deleted: script-refused (message "), "{out}");
    let (code, out, err) = hookway(&local(&["dlq", "list", "--json"]));
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    assert!(err.contains("the events dead-letter queue is empty"), "{err}");
    let (code, _, err) = hookway(&local(&["dlq", "delete", "--id", "script-refused"]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no dead letter `script-refused` in the events dead-letter queue"), "{err}");

    // More letters than 100: `dlq list` says how many it did not print, and a redrive without a
    // terminal to confirm on refuses unless `--yes`.
    let state = stack.state().unwrap();
    let aws = hookway_core::local::sdk_config(&state.aws_endpoint).await;
    let sqs = aws_sdk_sqs::Client::new(&aws);
    for batch in 0..11 {
        let entries = (0..10).map(|n| {
            aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                .id(n.to_string())
                .message_body(format!("not an envelope {batch}-{n}"))
                .build()
                .unwrap()
        });
        let sent = sqs
            .send_message_batch()
            .queue_url(&state.events_dlq_url)
            .set_entries(Some(entries.collect()))
            .send()
            .await
            .unwrap();
        assert!(sent.failed().is_empty(), "{sent:?}");
    }
    let (code, out, err) = hookway(&local(&["dlq", "list"]));
    assert_eq!((code, out.lines().count()), (0, 10), "{out}{err}");
    assert!(err.contains("10 of about 110 dead letter(s) shown: give --max N to see more"), "{err}");
    let (code, out, err) = hookway(&local(&["dlq", "redrive"]));
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("pass --yes"), "{err}");
    assert_eq!(queue_length(&aws, &state.events_dlq_url).await, 110, "nothing redriven");

    // The commands' calls (`dlq delete`'s among them), against docs/operator-policy.json.
    stack.assert_iam_allows_every_call().await;
    stack.stop().await;
}
