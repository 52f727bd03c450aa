//! `hookway events`, `hookway replay` and `hookway dlq redrive` against a real moto server (SQS,
//! DynamoDB, S3, Firehose): the real `hookway` binary run as an operator runs it (`--local`), the
//! real worker processing what it sends — archiving through the stream (moto's Firehose writes
//! each `PutRecordBatch` into the bucket at once) or as its own batch objects — and a real HTTP
//! receiver as the destination. The local stack's state file points the commands at this test's
//! moto, so no Lambda emulator is needed.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use hookway_core::Config;
use hookway_core::archive::{ArchiveLocation, ObjectStore as _, S3Store, STREAM_PREFIX, Stamp, s3_client};
use hookway_core::aws::firehose::FirehoseStream;
use hookway_core::config::ArchiveWriter;
use hookway_core::envelope::Envelope;
use hookway_core::local::resources::create_archive_stream;
use hookway_core::local::state::DevState;
use hookway_core::store::{Claim, DynamoStore, RecordKey, StateStore as _};
use hookway_testkit::receiver::{Receiver, Reply};
use hookway_testkit::{
    MotoServer, create_bucket, create_queue, create_table, drain_queue, queue_length, queued_envelope, wait_for,
};
use hookway_worker::deadline::Deadline;
use hookway_worker::handler::Registry;
use hookway_worker::{Outbound, Worker};
use serde_json::{Value, json};

struct Stack {
    _moto: MotoServer,
    aws: SdkConfig,
    dir: PathBuf,
    config_path: PathBuf,
    queue_url: String,
    dlq_url: String,
    worker: Worker<DynamoStore>,
    receiver: Receiver,
}

impl Stack {
    /// The worker's own batch objects: the archive as stacks wrote it before the stream.
    async fn start(name: &str) -> Stack {
        Stack::with_writer(name, ArchiveWriter::Worker).await
    }

    /// Archiving with `writer` (the archive stream is created for `firehose`).
    async fn with_writer(name: &str, writer: ArchiveWriter) -> Stack {
        let moto = MotoServer::start();
        let aws = moto.sdk_config().await;
        let queue_url = create_queue(&aws, "hookway-events").await;
        let dlq_url = create_queue(&aws, "hookway-events-dlq").await;
        let jobs_dlq_url = create_queue(&aws, "hookway-jobs-dlq").await;
        create_table(&aws, "hookway-state").await;
        create_bucket(&aws, "hookway-archive").await;
        let stream = match writer {
            ArchiveWriter::Firehose => {
                Some(create_archive_stream(&aws, "hookway-archive", "hookway-archive").await.unwrap())
            }
            ArchiveWriter::Worker => None,
        };
        let receiver = Receiver::start().await;
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = json!({
            "archive": {"writer": writer.as_str()},
            "sources": [
                {"name": "github", "scheme": "github", "secretParameters": ["/hookway/github/secret"]},
                {"name": "stripe", "scheme": "stripe", "secretParameters": ["/hookway/stripe/secret"]}
            ],
            "routes": [
                {"source": "*", "handler": {"forward": {"url": format!("{}/hooks", receiver.url), "maxAttempts": 1}}}
            ],
        });
        let config_path = dir.join("hookway.json");
        std::fs::write(&config_path, config.to_string()).unwrap();
        // The state file `hookway dev` writes, pointing at this test's moto; this process stands in
        // for `hookway dev`, so the commands find it running.
        DevState {
            pid: std::process::id(),
            gateway_url: "http://127.0.0.1:9".into(),
            aws_endpoint: moto.endpoint.clone(),
            region: "us-east-1".into(),
            lambda_endpoint: "http://127.0.0.1:9".into(),
            events_queue_url: queue_url.clone(),
            events_dlq_url: dlq_url.clone(),
            jobs_dlq_url,
            table: "hookway-state".into(),
            archive_bucket: "hookway-archive".into(),
            worker_function: "hookway-worker".into(),
            config: config_path.clone(),
            logs: dir.clone(),
            process_groups: Vec::new(),
        }
        .write(&dir)
        .unwrap();
        let config = Config::from_json(&config.to_string()).unwrap();
        let outbound = Outbound {
            bucket: Some(Arc::new(S3Store::new(s3_client(&aws), "hookway-archive"))),
            stream: stream.map(|stream| Arc::new(FirehoseStream::new(&aws, stream)) as _),
            ..Outbound::from(reqwest::Client::new())
        };
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), "hookway-state");
        let worker = Worker::new(&config, store, &Registry::new(), outbound).unwrap();
        Stack { _moto: moto, aws, dir, config_path, queue_url, dlq_url, worker, receiver }
    }

    /// `hookway <args> --local --state-dir <dir> [--config <file>]`: exit code and output.
    fn hookway(&self, args: &[&str], with_config: bool) -> (i32, String) {
        let output = self.command(args, with_config).output().unwrap();
        let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
        (output.status.code().unwrap_or(-1), text)
    }

    fn command(&self, args: &[&str], with_config: bool) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hookway"));
        command.args(args).args(["--local", "--state-dir", self.dir.to_str().unwrap()]);
        if with_config {
            command.args(["--config", self.config_path.to_str().unwrap()]);
        }
        command.env_remove("AWS_ENDPOINT_URL").stdin(Stdio::null());
        command
    }

    /// Sends envelopes to `queue`.
    async fn enqueue(&self, queue: &str, envelopes: &[String]) {
        let sqs = aws_sdk_sqs::Client::new(&self.aws);
        for body in envelopes {
            sqs.send_message().queue_url(queue).message_body(body).send().await.unwrap();
        }
    }

    /// Every message in `queue`, removed: (message id, body).
    async fn drain(&self, queue: &str) -> Vec<(String, String)> {
        let messages = drain_queue(&self.aws, queue).await;
        messages.into_iter().map(|m| (m.message_id().unwrap().to_owned(), m.body().unwrap().to_owned())).collect()
    }

    /// The ids of the events in `queue`, removed, sorted.
    async fn drain_ids(&self, queue: &str) -> Vec<String> {
        let mut ids: Vec<String> = self
            .drain(queue)
            .await
            .iter()
            .map(|(_, body)| Envelope::from_json(body).unwrap().id.into_owned())
            .collect();
        ids.sort();
        ids
    }

    /// What the worker does with every message in the events queue, as the event source mapping
    /// would hand them over, ten at a time.
    async fn process_queue(&self) -> usize {
        let messages = self.drain(&self.queue_url).await;
        for batch in messages.chunks(10) {
            let records: Vec<Value> = batch
                .iter()
                .map(|(id, body)| json!({"messageId": id, "receiptHandle": id, "body": body, "eventSource": "aws:sqs"}))
                .collect();
            let response = self
                .worker
                .invoke(json!({"Records": records}), Deadline::after(Duration::from_secs(30)))
                .await
                .unwrap();
            assert!(
                response["batchItemFailures"].as_array().unwrap().is_empty()
                    || batch.iter().any(|(_, b)| b.contains("stripe"))
            );
        }
        messages.len()
    }

    /// Every request to the receiver for event `id` with `X-Hookway-Replay: run` (none: first runs).
    fn deliveries(&self, id: &str, run: Option<&str>) -> usize {
        self.receiver
            .received()
            .iter()
            .filter(|request| request.headers.get("idempotency-key").is_some_and(|key| key == id))
            .filter(|request| request.headers.get("x-hookway-replay").map(|value| value.to_str().unwrap()) == run)
            .count()
    }

    /// `hookway events tail --json` polling five times a second, with these arguments, once it
    /// says `following` as expected: the process, and the file its output goes to.
    async fn tail(&self, args: &[&str], following: &str) -> (std::process::Child, PathBuf) {
        let (out, err) = (self.dir.join("tail.out"), self.dir.join("tail.err"));
        let tail = self
            .command(&[&["events", "tail", "--json", "--interval", "0.2"][..], args].concat(), true)
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap())
            .spawn()
            .unwrap();
        wait_for("the tail to start", Duration::from_secs(30), || async {
            std::fs::read_to_string(&err).unwrap_or_default().contains(following).then_some(())
        })
        .await;
        (tail, out)
    }

    async fn queue_length(&self, queue: &str) -> usize {
        queue_length(&self.aws, queue).await
    }

    /// The commands' calls in this test, replayed against docs/operator-policy.json: none would be
    /// denied in AWS (testing/iam).
    async fn assert_operator_policy_allows_the_commands(&self) {
        let root = hookway_testkit::workspace_root();
        let report = hookway_iam::local::check_operator_calls(&root, &self.dir).await.unwrap();
        assert!(report.checked > 0, "the commands' calls were logged: {report}");
        assert!(report.denials.is_empty(), "AWS would deny the operator commands:\n{report}");
    }
}

/// `count` github events, ten minutes apart from three hours ago: their ids and the time of each.
fn events(count: usize) -> (Vec<String>, Vec<Stamp>, Vec<String>) {
    let start = SystemTime::now() - Duration::from_secs(3 * 3600);
    let times: Vec<Stamp> = (0..count).map(|i| Stamp::of(start + Duration::from_secs(600 * i as u64))).collect();
    let ids: Vec<String> = (0..count).map(|i| format!("gh-{i}")).collect();
    let envelopes = ids.iter().zip(&times).map(|(id, at)| envelope("github", id, "push", at.as_str())).collect();
    (ids, times, envelopes)
}

fn envelope(source: &str, id: &str, event_type: &str, received_at: &str) -> String {
    queued_envelope(source, id, event_type, received_at, &format!(r#"{{"id": "{id}", "type": "{event_type}"}}"#))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_is_listed_and_replayed_exactly_and_a_dry_run_sends_nothing() {
    let stack = Stack::start("replay-window").await;
    let (ids, times, envelopes) = events(10);
    stack.enqueue(&stack.queue_url, &envelopes).await;
    let failing = envelope("stripe", "evt-failing", "invoice.paid", times[5].as_str());
    stack.receiver.always_at("/hooks", Reply::Status(200));
    stack.process_queue().await;
    stack.receiver.script([Reply::Status(503)]);
    stack.enqueue(&stack.queue_url, &[failing]).await;
    stack.process_queue().await;
    assert!(ids.iter().all(|id| stack.deliveries(id, None) == 1), "each delivered once");

    // events list: the window [2, 7), one line each, with its status.
    let (since, until) = (times[2].as_str(), times[7].as_str());
    let (code, listed) =
        stack.hookway(&["events", "list", "--since", since, "--until", until, "--source", "github"], true);
    assert_eq!(code, 0, "{listed}");
    let lines: Vec<&str> = listed.lines().filter(|line| line.contains("  github  ")).collect();
    assert_eq!(lines.len(), 5, "{listed}");
    for (line, i) in lines.iter().zip(2..7) {
        assert_eq!(*line, format!("{}  gh-{i}  github  push  delivered", times[i].as_str()));
    }
    let (_, failed) = stack.hookway(&["events", "list", "--since", "4h", "--status", "failed"], true);
    assert_eq!(
        failed.lines().filter(|line| line.contains("  failed")).collect::<Vec<_>>(),
        [format!("{}  evt-failing  stripe  invoice.paid  failed", times[5].as_str())]
    );

    // A dry run says what it would send, and sends nothing.
    let window = ["replay", "--since", since, "--until", until, "--source", "github"];
    let (code, dry) = stack.hookway(&[&window[..], &["--dry-run"]].concat(), true);
    assert_eq!(code, 0, "{dry}");
    assert_eq!(dry.lines().filter(|line| line.starts_with("would replay")).count(), 5, "{dry}");
    assert!(dry.contains("dry run: 5 event(s) would be replayed, none was sent"), "{dry}");
    assert_eq!(stack.queue_length(&stack.queue_url).await, 0);

    // The replay: exactly the window's events, delivered again once, saying so.
    let (code, said) = stack.hookway(&window, true);
    assert_eq!(code, 0, "{said}");
    let run = said.split_whitespace().nth(1).unwrap().trim_end_matches(':').to_owned();
    assert!(run.starts_with("r-") && said.contains("replayed 5 event(s)"), "{said}");
    let replayed = stack.drain(&stack.queue_url).await;
    assert!(
        replayed.iter().all(|(_, body)| Envelope::from_json(body).unwrap().replay.as_deref() == Some(run.as_str()))
    );
    stack.enqueue(&stack.queue_url, &replayed.into_iter().map(|(_, body)| body).collect::<Vec<_>>()).await;
    stack.process_queue().await;
    for (i, id) in ids.iter().enumerate() {
        let expected = usize::from((2..7).contains(&i));
        assert_eq!(stack.deliveries(id, Some(&run)), expected, "{id}");
        assert_eq!(stack.deliveries(id, None), 1, "{id}: its first delivery is not repeated");
    }

    // The event's record keeps both runs; the same command again is the same run, and sends nothing.
    let (code, shown) = stack.hookway(&["events", "show", "gh-3"], true);
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("status   COMPLETED") && shown.contains(&format!("replay   {run}: COMPLETED")), "{shown}");
    assert!(shown.contains(r#"body     {"id": "gh-3", "type": "push"}"#), "{shown}");
    let (_, body) = stack.hookway(&["events", "show", "gh-3", "--source", "github", "--body"], false);
    assert_eq!(body, r#"{"id": "gh-3", "type": "push"}"#);
    let (code, again) = stack.hookway(&window, true);
    assert_eq!(code, 0, "{again}");
    assert!(again.contains("5 sent already by this run (skipped)") && again.contains("replayed 0 event(s)"), "{again}");
    assert_eq!(stack.queue_length(&stack.queue_url).await, 0);
    stack.assert_operator_policy_allows_the_commands().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_of_more_than_a_hundred_events_needs_yes_without_a_terminal() {
    let stack = Stack::start("replay-yes").await;
    let start = SystemTime::now() - Duration::from_secs(3600);
    let envelopes: Vec<String> = (0..101)
        .map(|i| {
            envelope("github", &format!("many-{i}"), "push", Stamp::of(start + Duration::from_secs(i * 10)).as_str())
        })
        .collect();
    stack.enqueue(&stack.queue_url, &envelopes).await;
    assert_eq!(stack.process_queue().await, 101);
    let replay = ["replay", "--since", "2h", "--source", "github"];

    // No terminal to ask at (stdin is null): nothing sent, and what to do said; exit 2.
    let (code, said) = stack.hookway(&replay, true);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("hookway: replay of 101 events: pass --yes to go on"), "{said}");
    assert_eq!(stack.queue_length(&stack.queue_url).await, 0);

    // A dry run needs no answer; --yes sends them.
    let (code, dry) = stack.hookway(&[&replay[..], &["--dry-run"]].concat(), true);
    assert_eq!(code, 0, "{dry}");
    let (code, said) = stack.hookway(&[&replay[..], &["--yes"]].concat(), true);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("replayed 101 event(s)"), "{said}");
    assert_eq!(stack.drain_ids(&stack.queue_url).await.len(), 101);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_replay_run_again_sends_no_event_twice() {
    let stack = Stack::start("replay-interrupted").await;
    let (ids, times, envelopes) = events(10);
    stack.enqueue(&stack.queue_url, &envelopes).await;
    stack.process_queue().await;
    let since = Stamp::of(times[0].time() - Duration::from_secs(1));
    let until = Stamp::of(times[9].time() + Duration::from_secs(1));
    let replay = ["replay", "--since", since.as_str(), "--until", until.as_str(), "--run", "cut"];

    // Two a second: cut short once a few are in the queue.
    let mut slow = stack.command(&[&replay[..], &["--rate", "2/s"]].concat(), true);
    let mut child = slow.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    wait_for("a few replayed events in the queue", Duration::from_secs(60), || async {
        (stack.queue_length(&stack.queue_url).await >= 3).then_some(())
    })
    .await;
    child.kill().unwrap();
    child.wait().unwrap();
    let cut_short = stack.queue_length(&stack.queue_url).await;
    assert!(cut_short < ids.len(), "cut short: {cut_short} sent");

    let (code, said) = stack.hookway(&replay, true);
    assert_eq!(code, 0, "{said}");
    let skipped: usize = said.split(", ").nth(1).and_then(|part| part.split(' ').next()?.parse().ok()).unwrap_or(0);
    assert!(skipped >= 2 && said.contains(&format!("replayed {} event(s)", ids.len() - skipped)), "{said}");
    stack.process_queue().await;
    let delivered: HashMap<&str, usize> =
        ids.iter().map(|id| (id.as_str(), stack.deliveries(id, Some("cut")))).collect();
    assert!(delivered.values().all(|count| *count == 1), "each event once in the run: {delivered:?}");
    stack.assert_operator_policy_allows_the_commands().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filtered_redrive_leaves_the_other_dead_letters_where_they_are() {
    let stack = Stack::start("redrive").await;
    let at = hookway_core::rfc3339_now();
    let letters = [
        envelope("github", "gh-a", "push", &at),
        envelope("github", "gh-b", "issues", &at),
        envelope("stripe", "evt-a", "invoice.paid", &at),
        envelope("stripe", "evt-b", "charge.failed", &at),
    ];
    stack.enqueue(&stack.dlq_url, &letters).await;

    let (code, dry) = stack.hookway(&["dlq", "redrive", "--source", "stripe", "--dry-run"], false);
    assert_eq!(code, 0, "{dry}");
    assert_eq!(dry.lines().filter(|line| line.starts_with("would redrive: evt-")).count(), 2, "{dry}");
    assert!(dry.contains("dry run: 2 dead letter(s) would be redriven, none was; 4 left as they are"), "{dry}");
    assert_eq!(stack.queue_length(&stack.queue_url).await, 0);

    let (code, said) = stack.hookway(&["dlq", "redrive", "--source", "stripe"], false);
    assert_eq!(code, 0, "{said}");
    let mut redriven: Vec<&str> = said.lines().filter_map(|line| line.strip_prefix("redriven: ")).collect();
    redriven.sort();
    assert_eq!(redriven, ["evt-a", "evt-b"], "{said}");
    let (code, said) = stack.hookway(&["dlq", "redrive", "--type", "iss*"], false);
    assert_eq!((code, said.trim()), (0, "redriven: gh-b"));

    assert_eq!(stack.drain_ids(&stack.queue_url).await, ["evt-a", "evt-b", "gh-b"]);
    assert_eq!(stack.drain_ids(&stack.dlq_url).await, ["gh-a"], "the one no filter matched stays");
    stack.assert_operator_policy_allows_the_commands().await;
}

/// The worker writes one object per batch whatever sources it holds (its key names them), and
/// every reader still reads the objects of the layout before (`events/{source}/…`), which stacks
/// wrote until now and which are kept for `archive.retentionDays`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_is_archived_in_one_object_and_the_layout_before_is_still_read() {
    let stack = Stack::start("layouts").await;
    stack.receiver.always_at("/hooks", Reply::Status(200));
    let bucket = S3Store::new(s3_client(&stack.aws), "hookway-archive");
    let at = |minutes_ago: u64| Stamp::of(SystemTime::now() - Duration::from_secs(60 * minutes_ago));

    // Objects as a stack wrote them before: one per source (a source may be named `2026`).
    let old = [("github", "gh-old", 50), ("2026", "y-old", 49)];
    for (source, id, minutes_ago) in old {
        let received = at(minutes_ago);
        let key = format!(
            "{}{}_{}_u0.ndjson",
            hookway_core::archive::hour_prefix(source, &received),
            received.compact(),
            received.compact()
        );
        let line = envelope(source, id, "push", received.as_str());
        bucket.put(&key, format!("{line}\n").into()).await.unwrap();
    }

    // A batch of three sources: one PUT.
    let now = hookway_core::rfc3339_now();
    let batch = [
        envelope("github", "gh-new", "push", &now),
        envelope("stripe", "evt-new", "invoice.paid", &now),
        envelope("github", "gh-new-2", "issues", &now),
    ];
    stack.enqueue(&stack.queue_url, &batch).await;
    assert_eq!(stack.process_queue().await, 3);
    let written = bucket.list(hookway_core::archive::BATCHES_PREFIX, false).await.unwrap().keys;
    assert_eq!(written.len(), 1, "one object for the batch: {written:?}");
    assert!(written[0].ends_with(".github.stripe.ndjson"), "its key names its sources: {written:?}");

    // Every event of both layouts, and each source's alone.
    let (code, listed) = stack.hookway(&["events", "list", "--since", "2h"], true);
    assert_eq!(code, 0, "{listed}");
    let ids = |listed: &str| -> Vec<String> {
        listed.lines().filter_map(|line| line.split("  ").nth(1)).map(str::to_owned).collect()
    };
    assert_eq!(ids(&listed), ["gh-old", "y-old", "gh-new", "gh-new-2", "evt-new"], "{listed}");
    let (_, github) = stack.hookway(&["events", "list", "--since", "2h", "--source", "github"], true);
    assert_eq!(ids(&github), ["gh-old", "gh-new", "gh-new-2"], "{github}");
    let (_, year) = stack.hookway(&["events", "list", "--since", "2h", "--source", "2026"], true);
    assert_eq!(ids(&year), ["y-old"], "{year}");
    assert!(year.contains("1 object(s) read"), "the batch object does not hold `2026`: not read\n{year}");

    // An old event is shown (its record never placed it: found in the archive) and replayed.
    let (code, shown) = stack.hookway(&["events", "show", "gh-old", "--since", "2h"], true);
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains(r#"body     {"id": "gh-old", "type": "push"}"#), "{shown}");
    let (code, dry) = stack.hookway(&["replay", "--since", "2h", "--source", "github", "--dry-run"], true);
    assert_eq!(code, 0, "{dry}");
    assert_eq!(dry.lines().filter(|line| line.starts_with("would replay")).count(), 3, "{dry}");

    // The tail follows github in both layouts (a stack not yet updated still writes the old one),
    // and not the stripe event of a batch object that holds github's too.
    // It says what it follows once it has started: events archived from then on are shown.
    let (mut tail, tail_out) = stack.tail(&["--source", "github"], "following github").await;
    let received = Stamp::of(SystemTime::now());
    let key = format!(
        "{}{}_{}_u1.ndjson",
        hookway_core::archive::hour_prefix("github", &received),
        received.compact(),
        received.compact()
    );
    bucket
        .put(&key, format!("{}\n", envelope("github", "gh-old-tail", "push", received.as_str())).into())
        .await
        .unwrap();
    let now = hookway_core::rfc3339_now();
    stack
        .enqueue(
            &stack.queue_url,
            &[envelope("github", "gh-tail", "push", &now), envelope("stripe", "evt-tail", "invoice.paid", &now)],
        )
        .await;
    stack.process_queue().await;
    let ids = wait_for("both github events in the tail", Duration::from_secs(30), || async {
        let ids = tailed(&tail_out);
        (ids.len() >= 2).then_some(ids)
    })
    .await;
    tail.kill().unwrap();
    tail.wait().unwrap();
    let mut ids = ids;
    ids.sort();
    assert_eq!(ids, ["gh-old-tail", "gh-tail"]);
    stack.assert_operator_policy_allows_the_commands().await;
}

/// The lines of the tail's `--json` output that say an event was received: their ids.
fn tailed(out: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(out)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["event"] == "received")
        .filter_map(|line| line["id"].as_str().map(str::to_owned))
        .collect()
}

/// Archived through the stream, events are found by every reader: listed by a window of their
/// receipt (which the stream's object names do not give), a source's alone, shown through the
/// time their record says they were put, replayed by id and by window, and followed by the tail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_the_stream_every_reader_finds_the_events() {
    let stack = Stack::with_writer("stream", ArchiveWriter::Firehose).await;
    stack.receiver.always_at("/hooks", Reply::Status(200));
    let bucket = S3Store::new(s3_client(&stack.aws), "hookway-archive");
    let (mut tail, tail_out) = stack.tail(&[], "following github, stripe").await;

    // Five events received a minute apart, the last a minute ago: one batch, one stream object.
    let times: Vec<Stamp> = (0..5).map(|i| Stamp::of(SystemTime::now() - Duration::from_secs(60 * (5 - i)))).collect();
    let sources = ["github", "stripe", "github", "stripe", "github"];
    let batch: Vec<String> =
        (0..5).map(|i| envelope(sources[i], &format!("st-{i}"), "push", times[i].as_str())).collect();
    stack.enqueue(&stack.queue_url, &batch).await;
    assert_eq!(stack.process_queue().await, 5);
    let written = bucket.list("events/", false).await.unwrap().keys;
    assert_eq!(written.len(), 1, "{written:?}");
    assert!(written[0].starts_with(STREAM_PREFIX), "{written:?}");

    // The tail shows each as the stream's object appears.
    let mut seen = wait_for("the five events in the tail", Duration::from_secs(30), || async {
        let ids = tailed(&tail_out);
        (ids.len() >= 5).then_some(ids)
    })
    .await;
    tail.kill().unwrap();
    tail.wait().unwrap();
    seen.sort();
    assert_eq!(seen, ["st-0", "st-1", "st-2", "st-3", "st-4"]);

    // A window of receipt times, past: exactly its events; and a source's alone.
    let (since, until) = (times[1].as_str(), times[3].as_str());
    let (code, listed) = stack.hookway(&["events", "list", "--since", since, "--until", until], true);
    assert_eq!(code, 0, "{listed}");
    let lines: Vec<&str> = listed.lines().filter(|line| line.contains("  st-")).collect();
    assert_eq!(
        lines,
        [
            format!("{}  st-1  stripe  push  delivered", times[1].as_str()),
            format!("{}  st-2  github  push  delivered", times[2].as_str())
        ],
        "{listed}"
    );
    assert!(listed.contains("1 object(s) read"), "{listed}");
    let (_, stripe) = stack.hookway(&["events", "list", "--since", "10m", "--source", "stripe"], true);
    let ids: Vec<&str> = stripe.lines().filter_map(|line| line.split("  ").nth(1)).collect();
    assert_eq!(ids, ["st-1", "st-3"], "{stripe}");

    // Shown through its record: the stream's object and its line.
    let (code, shown) = stack.hookway(&["events", "show", "st-2"], true);
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains(&format!("archived {}", written[0])), "{shown}");
    assert!(shown.contains(r#"body     {"id": "st-2", "type": "push"}"#), "{shown}");
    let (_, body) = stack.hookway(&["events", "show", "st-4", "--source", "github", "--body"], false);
    assert_eq!(body, r#"{"id": "st-4", "type": "push"}"#);

    // Replayed by id (through its record) and by window.
    let (code, said) = stack.hookway(&["replay", "--id", "st-3", "--dry-run"], true);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains(&format!("would replay {}  st-3  stripe  push", times[3].as_str())), "{said}");
    let (code, said) = stack.hookway(&["replay", "--since", since, "--until", until], true);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("replayed 2 event(s)"), "{said}");
    assert_eq!(stack.drain_ids(&stack.queue_url).await, ["st-1", "st-2"]);
}

/// Firehose files an object under the hour its buffer began: an event put early in an hour may
/// be under the hour before, and is found there — by its record, and by a window of its receipt —
/// while the objects of that hour named too long before it are not read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_whose_buffer_began_in_the_hour_before_is_found_under_it() {
    let stack = Stack::with_writer("stream-hour", ArchiveWriter::Firehose).await;
    let bucket = S3Store::new(s3_client(&stack.aws), "hookway-archive");
    // H: two hours ago, on the hour; times in seconds from it.
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
    let hour = (now / 3600 - 2) * 3600;
    let at =
        |seconds: i64| Stamp::of(SystemTime::UNIX_EPOCH + Duration::from_secs(hour.saturating_add_signed(seconds)));
    let received = at(90);
    // As Firehose would write them: a buffer begun at H−1:58:20 that holds the event (Firehose
    // closes a buffer within its interval, 900 s at the most, which the readers allow for), and
    // one begun at H−1:10:00 that holds another.
    let object = |began: &Stamp| {
        let name = began.as_str()[..19].replace(['T', ':'], "-");
        format!("{STREAM_PREFIX}{}/hookway-archive-1-{name}-0f8e3c52-6a0b-4c1e-9d7a-5b2e1f3a4c6d", began.hour_path())
    };
    let began = at(-100);
    let line = envelope("stripe", "evt-early", "invoice.paid", received.as_str());
    bucket.put(&object(&began), format!("{line}\n").into()).await.unwrap();
    let other = envelope("stripe", "evt-other", "invoice.paid", at(-3000).as_str());
    bucket.put(&object(&at(-3000)), format!("{other}\n").into()).await.unwrap();
    // Its record, as the worker's claim writes it: put into the stream when received.
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&stack.aws), "hookway-state");
    let key = RecordKey::event("stripe", "evt-early");
    let location = ArchiveLocation::Stream { at: received.clone() };
    let seconds = hookway_core::unix_now();
    let claim = Claim {
        key: &key,
        digest: "d",
        event_type: Some("invoice.paid"),
        locked_until: seconds + 30,
        now: seconds,
        expires_at: seconds + 86_400,
        archive: Some(&location),
        sequence: 0,
        event_id: None,
    };
    store.claim(&claim).await.unwrap();

    let (code, shown) = stack.hookway(&["events", "show", "evt-early", "--source", "stripe"], true);
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains(&format!("archived {}", object(&began))), "{shown}");
    assert!(shown.contains("status   IN_PROGRESS"), "{shown}");

    let (since, until) = (at(60), at(120));
    let (code, listed) = stack.hookway(&["events", "list", "--since", since.as_str(), "--until", until.as_str()], true);
    assert_eq!(code, 0, "{listed}");
    assert_eq!(listed.lines().filter(|line| line.contains("  evt-")).count(), 1, "{listed}");
    assert!(listed.contains(&format!("{}  evt-early  stripe  invoice.paid  pending", received.as_str())), "{listed}");
    assert!(listed.contains("1 object(s) read"), "the object begun 50 minutes before is not read: {listed}");
}

/// A day of the stream as Firehose writes a steady trickle of events — an object a minute, six
/// events each — is listed one prefix per hour (and the hour before) and read one GET an object,
/// leaving out the objects named well outside the window. It prints what it read, and how long it
/// took: the figure the README gives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_of_the_stream_is_a_listing_an_hour_and_a_get_an_object() {
    use futures_util::stream::{self, StreamExt as _};
    let stack = Stack::with_writer("stream-day", ArchiveWriter::Firehose).await;
    let bucket = S3Store::new(s3_client(&stack.aws), "hookway-archive");
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
    // The window: a day, from 25 hours ago on the minute.
    let start = (now - 25 * 3600) / 60 * 60;
    let minute =
        |index: i64| Stamp::of(SystemTime::UNIX_EPOCH + Duration::from_secs(start.saturating_add_signed(60 * index)));
    let sources = ["github", "stripe", "shopify"];
    let object = |index: i64| {
        let began = minute(index);
        let name = began.as_str()[..19].replace(['T', ':'], "-");
        let uuid = format!("{:08x}-6a0b-4c1e-9d7a-5b2e1f3a4c6d", index + 60);
        let key = format!("{STREAM_PREFIX}{}/hookway-archive-1-{name}-{uuid}", began.hour_path());
        let lines: String = (0..6u64)
            .map(|event| {
                let received = Stamp::of(began.time() + Duration::from_secs(event * 9));
                let source = sources[(event % 3) as usize];
                format!("{}\n", envelope(source, &format!("d-{index}-{event}"), "push", received.as_str()))
            })
            .collect();
        (key, lines)
    };
    // The day's 1,440 objects, and one an hour before it and one an hour after: not read.
    let indexes: Vec<i64> = (0..1440).chain([-60, 1500]).collect();
    let written: Vec<()> = stream::iter(indexes.into_iter().map(object))
        .map(|(key, lines)| {
            let bucket = &bucket;
            async move { bucket.put(&key, lines.into()).await.unwrap() }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    assert_eq!(written.len(), 1442);

    let (since, until) = (minute(0), minute(1440));
    let (code, listed) = stack.hookway(&["events", "list", "--since", since.as_str(), "--until", until.as_str()], true);
    assert_eq!(code, 0, "{}", &listed[listed.len().saturating_sub(400)..]);
    let summary = listed.lines().last().unwrap();
    println!("a day of the stream: {summary}");
    assert!(summary.starts_with("8640 event(s) received"), "{summary}");
    let prefixes: usize = summary.split(": ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!(prefixes <= 26, "24 hours, the hour before and the hour after at the most: {summary}");
    assert!(summary.contains("1440 object(s) read"), "{summary}");
}
