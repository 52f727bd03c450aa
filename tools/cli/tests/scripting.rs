//! The commands as scripts use them: output piped into a reader that stops early (`| head -1`)
//! ends a command quietly with exit 0, never a panic — stderr closed too (`2>&1 | head -0`), or
//! alone, a command ends as it would have, its diagnostics dropped; each `--json` output parses,
//! with the keys the README documents; `dlq delete --id` removes one dead letter; and `dlq
//! redrive` of more than 100 matching letters will not run unattended without `--yes`, while one
//! of a few matches in a larger queue runs. Against one local stack (`hookway dev`):
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

/// The keys of each `--json` shape, as docs/reference/scripting.md's table gives them.
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

#[test]
fn the_scripting_reference_lists_every_key_the_commands_print() {
    let page = std::fs::read_to_string(workspace_root().join("docs/reference/scripting.md")).unwrap();
    let row = |command: &str| {
        page.lines()
            .find(|line| line.starts_with(&format!("| {command} |")))
            .unwrap_or_else(|| panic!("docs/reference/scripting.md has no row for {command}"))
    };
    let shapes: [(&str, &[&str]); 8] = [
        ("`events list`", &EVENT_LINE),
        ("`events show ID`", &SHOWN_EVENT),
        ("(a record)", &RECORD),
        ("(a record)", &DELIVERY),
        ("`dlq list`", &LETTER),
        ("`providers`", &PROVIDER),
        ("`config check`", &CHECK),
        ("`destinations list`", &DESTINATION),
    ];
    for (command, keys) in shapes {
        let row = row(command);
        for key in keys {
            assert!(row.contains(&format!("`{key}`")), "docs/reference/scripting.md's {command} row lacks `{key}`");
        }
    }
}

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
    spawn_with(args, stdout, Stdio::piped())
}

fn spawn_with(args: &[String], stdout: Stdio, stderr: Stdio) -> Child {
    Command::new(HOOKWAY)
        .args(args)
        .current_dir(workspace_root())
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .unwrap()
}

/// Waits for the command to end, within its deadline: its exit code (101 if it panicked).
async fn exit_code(mut child: Child) -> i32 {
    let status =
        wait_for("the command to end", COMMAND_DEADLINE, || std::future::ready(child.try_wait().unwrap())).await;
    status.code().unwrap_or(-1)
}

/// `hookway args 2>&1 | head -0`: stdout and stderr one pipe whose reader has gone. Exit code.
async fn both_gone(args: &[String]) -> i32 {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let child = spawn_with(args, Stdio::from(writer.try_clone().unwrap()), Stdio::from(writer));
    exit_code(child).await
}

/// `hookway args` with stderr a pipe whose reader has gone, stdout read to the end: exit code
/// and stdout.
async fn stderr_gone(args: &[String]) -> (i32, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut child = spawn_with(args, Stdio::piped(), Stdio::from(writer));
    let mut stdout = child.stdout.take().unwrap();
    let read = std::thread::spawn(move || {
        let mut text = String::new();
        stdout.read_to_string(&mut text).unwrap();
        text
    });
    let code = exit_code(child).await;
    (code, read.join().unwrap())
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

/// Both ways a reader stops early end the command quietly, with exit 0 and no panic; so does a
/// reader of stdout and stderr both (`2>&1`) gone before the first line.
async fn assert_quiet_when_the_reader_stops(args: &[String]) {
    for (how, (code, stderr)) in [
        ("after the first line", first_line_then_close(args).await),
        ("before the first line", reader_gone(args).await),
    ] {
        assert!(!stderr.contains("panicked"), "{args:?}, reader gone {how}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}, reader gone {how}: said on stderr: {stderr}");
        assert_eq!(code, 0, "{args:?}, reader gone {how}: {stderr}");
    }
    assert_eq!(both_gone(args).await, 0, "{args:?}, reader of stdout and stderr gone");
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(ToString::to_string).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_commands_script_well() {
    let config = workspace_root().join("hookway.json");
    let config = config.to_str().unwrap();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("scripting-offline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A body signed as GitHub would sign it, for `verify --json`.
    let body = dir.join("body.json");
    std::fs::write(&body, r#"{"zen": "Keep it logically awesome."}"#).unwrap();
    let body = body.to_str().unwrap();
    let (code, headers, err) = hookway(&strings(&["sign", "--scheme", "github", "--secret", "s3cret", body]));
    assert_eq!(code, 0, "{err}");
    let mut verify = strings(&["verify", "--scheme", "github", "--secret", "s3cret", "--json", body]);
    for header in headers.lines() {
        verify.extend(["-H".to_owned(), header.to_owned()]);
    }
    assert_quiet_when_the_reader_stops(&verify).await;
    for args in [
        &["providers"][..],
        &["trigger", "stripe", "--list"],
        &["trigger", "stripe", "--list", "--json"],
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

    // A usage error with nowhere to say it: exit 2 all the same, not a panic's 101.
    for args in [&["trigger", "no-such-provider", "--list"][..], &["verify", "--scheme", "no-such-provider", body]] {
        assert_eq!(stderr_gone(&strings(args)).await.0, 2, "{args:?}");
        assert_eq!(both_gone(&strings(args)).await, 2, "{args:?}");
    }

    // An invalid file: still one object, its errors by field, and exit 2.
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
    // `send`, each time the same event (a duplicate after the first, answered all the same).
    let body = local_stack::event_body("script-piped", "invoice.paid");
    let send = ["send", &stack.url, "--source", "stripe", "--config", &config, "--id", "script-piped", "--data", &body];
    assert_quiet_when_the_reader_stops(&local(&send)).await;

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
    // Said on stderr only: with stderr closed, unsaid.
    assert_eq!(stderr_gone(&local(&["dlq", "list", "--json"])).await, (0, String::new()));
    assert_eq!(both_gone(&local(&["dlq", "list", "--json"])).await, 0);
    let (code, _, err) = hookway(&local(&["dlq", "delete", "--id", "script-refused"]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no dead letter `script-refused` in the events dead-letter queue"), "{err}");

    // More letters than 100 (events never claimed): `dlq list` says how many it did not print; a
    // redrive of them all without a terminal to confirm on refuses unless `--yes`, while one of a
    // single letter among them needs no confirming.
    let state = stack.state().unwrap();
    let aws = hookway_core::local::sdk_config(&state.aws_endpoint).await;
    let sqs = aws_sdk_sqs::Client::new(&aws);
    for batch in 0..11 {
        let entries = (0..10).map(|n| {
            aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                .id(n.to_string())
                .message_body(hookway_testkit::queued_envelope(
                    "stripe",
                    &format!("bulk-{batch}-{n}"),
                    "invoice.paid",
                    "2026-11-22T05:44:00.123Z",
                    "{}",
                ))
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
    // The count said on stderr after the list: with stderr closed, the list all the same.
    let (code, out) = stderr_gone(&local(&["dlq", "list"])).await;
    assert_eq!((code, out.lines().count()), (0, 10), "{out}");
    assert_eq!(both_gone(&local(&["dlq", "list"])).await, 0);
    let (code, out, err) = hookway(&local(&["dlq", "redrive"]));
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("redrive of 110 dead letters: pass --yes"), "{err}");
    assert_eq!(stderr_gone(&local(&["dlq", "redrive"])).await.0, 2, "the usage error, unsaid");
    assert_eq!(queue_length(&aws, &state.events_dlq_url).await, 110, "nothing redriven");
    // What is asked about is how many match, not how many the queue holds.
    let (code, out, err) = hookway(&local(&["dlq", "redrive", "--id", "bulk-3-4"]));
    assert_eq!((code, out.as_str()), (0, "redriven: bulk-3-4\n"), "{err}");
    assert_eq!(queue_length(&aws, &state.events_dlq_url).await, 109, "the one letter redriven");
    let (code, out, err) = hookway(&local(&["dlq", "redrive", "--id", "evt_none"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("no dead letter in the events dead-letter queue matches"), "{out}{err}");

    // The commands' calls (`dlq delete`'s among them), against docs/operator-policy.json.
    stack.assert_iam_allows_every_call().await;
    stack.stop().await;
}
