//! The local stack, end to end: `hookway dev` boots moto, the real intake and worker under
//! `cargo lambda watch` and the local gateway from nothing; the test drives it as a user would —
//! curl-like requests and the `hookway` commands — against a real HTTP receiver, and every step
//! waits for its condition with a deadline.

mod local_stack;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use hookway_iam::Reason;
use hookway_testkit::receiver::{Receiver, Reply};
use hookway_testkit::{queue_length, wait_for, workspace_root};
use local_stack::{LocalStack, event_body, read};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const STEP_DEADLINE: Duration = Duration::from_secs(90);
const SOURCES: [&str; 8] = ["github", "stripe", "slack", "shopify", "standard-webhooks", "hmac", "twilio", "discord"];
const SIGNING_PARAMETER: &str = "/hookway/e2e/fanout/signing";
const TOKEN_PARAMETER: &str = "/hookway/e2e/fanout/token";

/// hookway.json's sources, with routes forwarding everything to the receiver, and settings that
/// make retries quick: a retry schedule of seconds, not of a day.
fn config_for(receiver: &Receiver) -> Value {
    let retry = json!({"schedule": ["1s", "1s", "2s", "2s", "3s", "3s"]});
    let mut config: Value = serde_json::from_str(include_str!("../../../hookway.json")).unwrap();
    config.as_object_mut().unwrap().remove("$schema");
    config["queue"]["maxReceiveCount"] = json!(2);
    config["jobs"]["retryAttempts"] = json!(2);
    config["worker"]["timeoutSeconds"] = json!(30);
    // Bodies up to what API Gateway and Lambda can carry: a large one travels by claim check.
    config["intake"]["maxBodyBytes"] = json!(hookway_core::config::MAX_BODY_BYTES_LIMIT);
    // github may send from this machine only; `walled` from a range this machine is not in.
    config["sources"][0]["allowIps"] = json!(["127.0.0.0/8", "::1/128"]);
    config["sources"].as_array_mut().unwrap().push(json!({
        "name": "walled", "scheme": "github", "secretParameters": ["/hookway/walled/secret"], "allowIps": ["203.0.113.0/24"]
    }));
    // A URL-signing provider, a public-key one, and the two with GET handshakes.
    let sources = config["sources"].as_array_mut().unwrap();
    sources.push(json!({"name": "twilio", "scheme": "twilio", "secretParameters": ["/hookway/twilio/secret"]}));
    sources.push(json!({"name": "discord", "scheme": "discord", "secretParameters": ["/hookway/discord/public-key"]}));
    sources.push(json!({"name": "meta", "scheme": "meta", "secretParameters": ["/hookway/meta/secret"],
                        "verifyTokenParameter": "/hookway/meta/verify-token"}));
    sources.push(json!({"name": "dropbox", "scheme": "dropbox", "secretParameters": ["/hookway/dropbox/secret"]}));
    config["routes"] = json!([
        {"source": "jobs", "type": "report.generate", "handler": {"custom": "report"}},
        // A signed, authenticated fan-out: one delivery to each destination.
        {"source": "github", "type": "fanout", "where": [{"pointer": "/created", "equals": 1}], "handlers": [
            {"forward": {"url": format!("{}/fanout-signed", receiver.url), "maxAttempts": 1, "retry": retry,
                         "sign": {"secretParameters": [SIGNING_PARAMETER]}, "authorization": {"parameter": TOKEN_PARAMETER},
                         "headers": {"X-Tenant": "e2e"}}},
            {"forward": {"url": format!("{}/fanout-plain", receiver.url), "maxAttempts": 1, "retry": retry}}
        ]},
        {"source": "github", "type": "refused", "handler": {"forward": {"url": format!("{}/refuses", receiver.url), "maxAttempts": 3}}},
        // The inspector's dead letters: refused for good the first time (step 2c scripts it).
        {"source": "github", "type": "dead-letter", "handler": {"forward": {"url": format!("{}/dead-letters", receiver.url), "maxAttempts": 3}}},
        // One retry a second after the first series, then the DLQ.
        {"source": "github", "type": "flaky", "handler": {"forward": {"url": format!("{}/flaky", receiver.url), "maxAttempts": 1,
            "retry": {"schedule": ["1s"]}}}},
        // Rides out an outage longer than maxReceiveCount × the visibility timeout (2 × 2 s).
        {"source": "github", "type": "outage", "handler": {"forward": {"url": format!("{}/outage", receiver.url), "maxAttempts": 1,
            "timeoutSeconds": 1, "retry": {"schedule": ["1s", "2s", "4s", "8s", "16s"]},
            "circuitBreaker": {"failureThreshold": 2, "cooldownSeconds": 1}}}},
        {"source": "*", "handler": {"forward": {"url": format!("{}/hooks", receiver.url), "maxAttempts": 1, "retry": retry}}},
    ]);
    config
}

fn deliveries(receiver: &Receiver, key: &str) -> Vec<hookway_testkit::receiver::Received> {
    receiver
        .received()
        .into_iter()
        .filter(|request| request.headers.get("idempotency-key").is_some_and(|k| k == key))
        .collect()
}

async fn job_status(client: &reqwest::Client, url: &str, id: &str) -> Value {
    client.get(format!("{url}/jobs/{id}")).send().await.unwrap().json().await.unwrap()
}

async fn submit_job(client: &reqwest::Client, url: &str, job: Value) -> String {
    let response = client.post(format!("{url}/jobs")).json(&job).send().await.unwrap();
    assert_eq!(response.status(), 202);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["status"], "ACCEPTED");
    answer["jobId"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_stack_end_to_end() {
    let receiver = Receiver::start().await;
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut stack = LocalStack::start(&dir, &config_for(&receiver));
    let client = reqwest::Client::new();
    let url = stack.url.clone();
    let config_arg = stack.config.to_str().unwrap().to_owned();

    // The stack boots from nothing and says where it listens.
    let printed = stack.running().await;
    assert!(printed.contains(&format!("curl -i -X POST {url}/jobs")), "{printed}");
    assert!(printed.contains("trigger stripe --local"), "{printed}");
    assert!(printed.contains(&format!("{url}/_hookway/")), "the banner names the inspector: {printed}");

    // 1. POST /jobs → 202 with a job id; GET /jobs/{id} reaches SUCCEEDED.
    let job = submit_job(&client, &url, json!({"type": "report.generate", "payload": {"key": "value"}})).await;
    let status = wait_for("the job to succeed", STEP_DEADLINE, || async {
        let status = job_status(&client, &url, &job).await;
        (status["status"] == "SUCCEEDED").then_some(status)
    })
    .await;
    assert_eq!(status["result"]["fields"], json!(["key"]));

    // 2. Every scheme: signed by `hookway send` → 202 → forwarded with its body and Idempotency-Key.
    for source in SOURCES {
        let id = format!("e2e-{source}");
        let body = event_body(&id, "e2e.test");
        let (code, said) = stack.send(source, &id, "e2e.test", &[]);
        assert_eq!(code, 0, "{source}: {said}");
        assert!(said.starts_with(&format!("202 Accepted  id: {id}")), "{source}: {said}");
        let delivered = wait_for(&format!("{source}'s event at the receiver"), STEP_DEADLINE, || {
            std::future::ready(deliveries(&receiver, &id).into_iter().next())
        })
        .await;
        assert_eq!(delivered.body, body.as_bytes(), "{source}: the original body");
        assert_eq!(delivered.headers["content-type"], "application/json", "{source}");
    }

    // 2b. `hookway events tail --json` follows an event sent after it started: received, then
    //     its outcome, delivered; Ctrl-C ends it cleanly.
    let tail_out = dir.join("tail.out");
    let tail_err = dir.join("tail.err");
    let state_dir = stack.state_dir.to_str().unwrap().to_owned();
    let mut tail = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_hookway"))
            .args(["events", "tail", "--json", "--interval", "0.5", "--config", &config_arg])
            .args(["--local", "--state-dir", &state_dir])
            .current_dir(workspace_root())
            .stdout(std::fs::File::create(&tail_out).unwrap())
            .stderr(std::fs::File::create(&tail_err).unwrap())
            .spawn()
            .unwrap(),
    );
    wait_for("the tail to start following", STEP_DEADLINE, || {
        std::future::ready(read(&tail_err).contains("following").then_some(()))
    })
    .await;
    let (code, said) = stack.send("stripe", "e2e-tail", "e2e.tail", &[]);
    assert_eq!(code, 0, "{said}");
    let lines = wait_for("the tail to show the event, then its delivery", STEP_DEADLINE, || {
        // A line being written is not JSON yet: the next look reads it whole.
        let lines: Vec<Value> = read(&tail_out).lines().filter_map(|line| serde_json::from_str(line).ok()).collect();
        let delivered = lines
            .iter()
            .any(|line| line["id"] == "e2e-tail" && line["event"] == "outcome" && line["status"] == "delivered");
        std::future::ready(delivered.then_some(lines))
    })
    .await;
    let mine: Vec<&Value> = lines.iter().filter(|line| line["id"] == "e2e-tail").collect();
    assert_eq!(mine[0]["event"], "received", "{lines:?}");
    assert_eq!((&mine[0]["source"], &mine[0]["type"]), (&json!("stripe"), &json!("e2e.tail")), "{lines:?}");
    let outcome = mine.iter().find(|line| line["status"] == "delivered").unwrap();
    assert_eq!(outcome["record"], "COMPLETED");
    assert_eq!(outcome["deliveries"][0]["status"], "SUCCEEDED", "{outcome}");
    assert_eq!(outcome["deliveries"][0]["lastStatus"], 200, "{outcome}");
    kill(Pid::from_raw(i32::try_from(tail.0.id()).unwrap()), Signal::SIGINT).unwrap();
    let exit =
        wait_for("the tail to stop on Ctrl-C", STEP_DEADLINE, || std::future::ready(tail.0.try_wait().unwrap())).await;
    assert!(exit.success(), "{exit:?}: {}", read(&tail_err));
    assert!(!read(&tail_err).contains("panicked"), "{}", read(&tail_err));

    // 2c. The inspector in a real browser (tools/cli/tests/inspector.py): an event sent appears
    //     in the list without a reload, its detail shows the body, "replay" delivers it again;
    //     two events refused for good are on the dead-letter page with why, "redrive" sends one
    //     back and "redrive all" the other, and the destination, accepting them now, gets each.
    let inspected = "e2e-inspector";
    receiver.refuse_once_at("/dead-letters", 410);
    let screenshots = workspace_root().join("target/inspector-screenshots");
    let _ = std::fs::remove_dir_all(&screenshots);
    let python = workspace_root().join(".venv/bin/python");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    for needed in [Path::new(&chromium), Path::new(&chromedriver), python.as_path()] {
        assert!(
            needed.exists(),
            "{} is missing: `make test` installs chromium, chromium-driver and selenium",
            needed.display()
        );
    }
    let browser = tokio::process::Command::new(&python)
        .arg(workspace_root().join("tools/cli/tests/inspector.py"))
        .args(["--url", &url, "--hookway", env!("CARGO_BIN_EXE_hookway"), "--config", &config_arg])
        .args(["--state-dir", &state_dir, "--id", inspected, "--screenshots", screenshots.to_str().unwrap()])
        .args(["--refused-type", "dead-letter"])
        .args(["--chromium", &chromium, "--chromedriver", &chromedriver])
        .current_dir(workspace_root())
        .kill_on_drop(true)
        .output();
    let browser =
        tokio::time::timeout(Duration::from_secs(300), browser).await.expect("the browser test's deadline").unwrap();
    let said = String::from_utf8_lossy(&browser.stdout).into_owned() + &String::from_utf8_lossy(&browser.stderr);
    assert!(browser.status.success(), "the browser test failed:\n{said}");
    let delivered = wait_for("the inspector's replay at the receiver", STEP_DEADLINE, || {
        std::future::ready(Some(deliveries(&receiver, inspected)).filter(|delivered| delivered.len() == 2))
    })
    .await;
    assert!(!delivered[0].headers.contains_key("x-hookway-replay"), "first, as sent");
    assert!(delivered[1].headers.contains_key("x-hookway-replay"), "then replayed: {:?}", delivered[1].headers);
    assert_eq!(delivered[0].body, delivered[1].body, "the same body");
    assert!(screenshots.join("inspector-event.png").exists());
    for dead in [format!("{inspected}-dlq-1"), format!("{inspected}-dlq-2")] {
        let answers: Vec<Option<u16>> = deliveries(&receiver, &dead).iter().map(|request| request.status).collect();
        assert_eq!(answers, [Some(410), Some(200)], "{dead}: refused once, not retried, delivered once redriven");
    }
    assert!(screenshots.join("inspector-dlq-empty.png").exists());

    // The handshakes of Meta and Dropbox, answered through the local gateway and never queued.
    let token = local_secret(&stack, "/hookway/meta/verify-token");
    // The generated token is hex, as it may stand in a query unencoded.
    let subscribe = format!("{url}/webhooks/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token={token}");
    let answer = client.get(subscribe).send().await.unwrap();
    assert_eq!((answer.status().as_u16(), answer.text().await.unwrap()), (200, "1158201444".to_owned()));
    let answer = client.get(format!("{url}/webhooks/dropbox?challenge=e2e-challenge")).send().await.unwrap();
    assert_eq!((answer.status().as_u16(), answer.text().await.unwrap()), (200, "e2e-challenge".to_owned()));

    // 3. A wrong signature → 401; nothing reaches the receiver (a genuine event sent after it does).
    let (code, said) = stack.send("stripe", "e2e-forged", "e2e.test", &["--secret", "whsec_not-the-secret"]);
    assert_eq!((code, said.starts_with("401 Unauthorized")), (1, true), "{said}");
    let (code, said) = stack.send("stripe", "e2e-after-forged", "e2e.test", &[]);
    assert_eq!(code, 0, "{said}");
    wait_for("the event sent after the forged one", STEP_DEADLINE, || {
        std::future::ready((!deliveries(&receiver, "e2e-after-forged").is_empty()).then_some(()))
    })
    .await;
    assert!(deliveries(&receiver, "e2e-forged").is_empty(), "the forged event went nowhere");

    // 3b. A sender outside its source's allowIps → 403, whatever X-Forwarded-For claims: the
    //     gateway hands the intake the real peer address.
    stack.assert_walled_off(&client, "walled", "203.0.113.7", "e2e-walled").await;

    // 3c. A job that is not JSON → 415, as API Gateway answers; it never runs.
    let refused = client
        .post(format!("{url}/jobs"))
        .header("content-type", "text/plain")
        .body(r#"{"type": "report.generate", "payload": {}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 415);

    // 4. A destination that always fails → the events DLQ once its retry schedule is used up;
    //    once it is healthy, `hookway dlq redrive` → forwarded.
    receiver.always_at("/flaky", Reply::Status(503));
    let (code, said) = stack.send("github", "e2e-flaky", "flaky", &[]);
    assert_eq!(code, 0, "{said}");
    let listed = wait_for("the failing event in the events DLQ", STEP_DEADLINE, || {
        let (code, said) = stack.local(&["dlq", "list"]);
        std::future::ready((code == 0 && said.contains("e2e-flaky")).then_some(said))
    })
    .await;
    assert!(listed.contains("github/flaky") && listed.contains("gave up after 2 series"), "why: {listed}");
    assert!(listed.contains("503"), "the last answer is shown: {listed}");
    assert_eq!(deliveries(&receiver, "e2e-flaky").len(), 2, "two series of one attempt each");
    let (code, shown) = stack.local(&["dlq", "show"]);
    assert!(code == 0 && shown.contains("reason") && shown.contains("503 Service Unavailable"), "{shown}");
    receiver.always_at("/flaky", Reply::Status(200));
    let (code, said) = stack.local(&["dlq", "redrive"]);
    assert_eq!((code, said.trim()), (0, "redriven: e2e-flaky"));
    wait_for("the redriven event to be forwarded", STEP_DEADLINE, || {
        let ok = deliveries(&receiver, "e2e-flaky").iter().any(|request| request.status == Some(200));
        std::future::ready(ok.then_some(()))
    })
    .await;
    // `hookway destinations list` reads each destination's circuit and its parked events.
    let (code, listed) = stack.local(&["destinations", "list", "--config", &config_arg]);
    assert_eq!(code, 0, "{listed}");
    assert!(listed.contains("closed"), "{listed}");
    let (_, said) = stack.local(&["dlq", "list"]);
    assert!(said.contains("is empty"), "{said}");

    // 5. The same webhook delivered twice → forwarded once.
    let body = event_body("e2e-twice", "e2e.test");
    let body_file = dir.join("twice.json");
    std::fs::write(&body_file, &body).unwrap();
    let (_, headers) = stack.hookway(&[
        "sign",
        "--source",
        "github",
        "--config",
        &config_arg,
        "--id",
        "e2e-twice",
        "--secret",
        &local_secret(&stack, "/hookway/github/secret"),
        body_file.to_str().unwrap(),
    ]);
    // Twice as signed, then five times more under new delivery ids: GitHub does not sign
    // X-GitHub-Delivery, so a captured request verifies under any; its body makes it one event.
    let ids = ["e2e-twice", "e2e-twice", "replay-1", "replay-2", "replay-3", "replay-4", "replay-5"];
    for id in ids {
        let mut request =
            client.post(format!("{url}/webhooks/github")).header("content-type", "application/json").body(body.clone());
        for line in headers.lines().filter(|line| line.contains(": ")) {
            let (name, value) = line.split_once(": ").unwrap();
            let value = if name.eq_ignore_ascii_case("x-github-delivery") { id } else { value };
            request = request.header(name, value);
        }
        let answer = request.send().await.unwrap();
        assert_eq!(answer.status(), 202);
        assert_eq!(answer.json::<Value>().await.unwrap()["id"], id);
    }
    let state = stack.state().unwrap();
    let aws = hookway_core::local::sdk_config(&state.aws_endpoint).await;
    // Whichever copy claims the body first is the one delivered, under its own delivery id.
    let same_body = || receiver.received().into_iter().filter(|request| request.body == body.as_bytes()).count();
    wait_for("every copy to be processed", STEP_DEADLINE, || async {
        (same_body() > 0 && queue_length(&aws, &state.events_queue_url).await == 0).then_some(())
    })
    .await;
    assert_eq!(same_body(), 1, "the body signed once and sent under 7 delivery ids reaches the destination once");

    // 6. A signed, authenticated fan-out: the signed destination fails the first receive, the plain
    //    one succeeds at once → the plain one gets the event once, the signed one until it succeeds,
    //    with the generated token and a signature `hookway verify` accepts; `events show` says so.
    receiver.script_at("/fanout-signed", [Reply::Status(503)]);
    let (code, said) = stack.send("github", "e2e-fanout", "fanout", &[]);
    assert_eq!(code, 0, "{said}");
    let shown = wait_for("both deliveries of the fan-out", STEP_DEADLINE, || {
        let (code, shown) = stack.local(&["events", "show", "e2e-fanout", "--config", &config_arg]);
        std::future::ready((code == 0 && shown.contains("status   COMPLETED")).then_some(shown))
    })
    .await;
    assert_eq!(shown.matches("SUCCEEDED").count(), 2, "{shown}");
    assert!(shown.contains("archived events/_stream/"), "archived through the local Firehose stream: {shown}");
    assert!(
        shown.contains("2 attempt(s)  last answer 200  forward http") && shown.contains("/fanout-signed"),
        "{shown}"
    );
    assert_eq!(receiver.received_at("/fanout-plain").len(), 1, "not repeated when the event was retried");
    let signed = receiver.received_at("/fanout-signed");
    assert_eq!(signed.iter().map(|request| request.status).collect::<Vec<_>>(), [Some(503), Some(200)]);
    let delivered = signed.last().unwrap();
    assert_eq!(delivered.headers["authorization"], local_secret(&stack, TOKEN_PARAMETER).as_str());
    assert_eq!(delivered.headers["x-tenant"], "e2e");
    let body_file = dir.join("fanout.json");
    std::fs::write(&body_file, &delivered.body).unwrap();
    let header = |name: &str| format!("{name}: {}", delivered.headers[name].to_str().unwrap());
    let (code, said) = stack.hookway(&[
        "verify",
        "--scheme",
        "standard-webhooks",
        "--secret",
        &local_secret(&stack, SIGNING_PARAMETER),
        "-H",
        &header("webhook-id"),
        "-H",
        &header("webhook-timestamp"),
        "-H",
        &header("webhook-signature"),
        body_file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "the delivery's signature verifies: {said}");

    // A destination that refuses an event for good → the events DLQ after one receive, with why;
    // once it accepts, a redrive delivers it.
    receiver.always_at("/refuses", Reply::Status(400));
    let (code, said) = stack.send("github", "e2e-refused", "refused", &[]);
    assert_eq!(code, 0, "{said}");
    let listed = wait_for("the refused event in the events DLQ", STEP_DEADLINE, || {
        let (code, said) = stack.local(&["dlq", "list"]);
        std::future::ready((code == 0 && said.contains("e2e-refused")).then_some(said))
    })
    .await;
    assert!(
        listed.contains("delivered 1x") && listed.contains("answered 400 Bad Request (refused for good)"),
        "{listed}"
    );
    assert_eq!(receiver.received_at("/refuses").len(), 1, "neither retried nor received again");
    receiver.always_at("/refuses", Reply::Status(200));
    let (code, said) = stack.local(&["dlq", "redrive"]);
    assert_eq!((code, said.trim()), (0, "redriven: e2e-refused"));
    wait_for("the redriven refusal to be delivered", STEP_DEADLINE, || {
        let ok = receiver.received_at("/refuses").iter().any(|request| request.status == Some(200));
        std::future::ready(ok.then_some(()))
    })
    .await;

    // 6b. The destination goes down for longer than the queue's own retries would last
    //     (maxReceiveCount 2 × visibility timeout 2 s): the events wait in the queue, `events
    //     show` says until when; once it is back, each is delivered once, and no DLQ.
    receiver.go_down();
    let outage: Vec<String> = (1..=3).map(|n| format!("e2e-outage-{n}")).collect();
    for id in &outage {
        let (code, said) = stack.send("github", id, "outage", &[]);
        assert_eq!(code, 0, "{said}");
    }
    let shown = wait_for("the first outage event to wait", STEP_DEADLINE, || {
        let (code, shown) = stack.local(&["events", "show", &outage[0], "--source", "github"]);
        std::future::ready((code == 0 && shown.contains("status   WAITING")).then_some(shown))
    })
    .await;
    assert!(shown.contains("next     attempt at "), "{shown}");
    tokio::time::sleep(Duration::from_secs(6)).await;
    receiver.come_up().await;
    wait_for("every outage event delivered", STEP_DEADLINE, || {
        let all = outage.iter().all(|id| deliveries(&receiver, id).iter().any(|request| request.status == Some(200)));
        std::future::ready(all.then_some(()))
    })
    .await;
    for id in &outage {
        assert_eq!(deliveries(&receiver, id).len(), 1, "{id}: the port refused every earlier try; delivered once");
    }
    let (_, said) = stack.local(&["dlq", "list"]);
    assert!(said.contains("is empty"), "nothing in the DLQ after the outage: {said}");

    // 7. A job whose handler fails → retried, then FAILED with its error, and in the jobs DLQ.
    let failing = submit_job(&client, &url, json!({"type": "report.generate"})).await;
    let status = wait_for("the failing job to be FAILED", STEP_DEADLINE, || async {
        let status = job_status(&client, &url, &failing).await;
        (status["status"] == "FAILED").then_some(status)
    })
    .await;
    assert_eq!(status["attempts"], 3, "the first attempt and two retries");
    assert!(status["error"].as_str().unwrap().contains("needs a JSON object `payload`"), "{status}");
    wait_for("the failing job in the jobs DLQ", STEP_DEADLINE, || {
        let (_, said) = stack.local(&["dlq", "list", "--queue", "jobs"]);
        std::future::ready(said.contains(&failing).then_some(()))
    })
    .await;

    // The operator commands: a dead job redriven runs again; jobs through the CLI; a rotation
    // during which both secrets are accepted.
    let (code, said) = stack.local(&["dlq", "redrive", "--queue", "jobs"]);
    assert_eq!((code, said.trim()), (0, format!("redriven: {failing}").as_str()));
    wait_for("the redriven job to run again", STEP_DEADLINE, || async {
        let status = job_status(&client, &url, &failing).await;
        (status["attempts"].as_u64() > Some(3)).then_some(())
    })
    .await;
    let (code, said) = stack.local(&["jobs", "submit", r#"{"type": "report.generate", "payload": {"a": 1}}"#]);
    assert_eq!(code, 0, "{said}");
    let submitted: Value = serde_json::from_str(&said).unwrap();
    let id = submitted["jobId"].as_str().unwrap().to_owned();
    wait_for("the job submitted by the CLI to succeed", STEP_DEADLINE, || {
        let (code, said) = stack.local(&["jobs", "status", &id]);
        std::future::ready((code == 0 && said.contains("SUCCEEDED")).then_some(()))
    })
    .await;

    let previous = local_secret(&stack, "/hookway/shopify/secret");
    let (code, said) = stack.local(&["secrets", "rotate", "shopify", "--config", stack.config.to_str().unwrap()]);
    assert!(code == 0 && said.contains("stay valid until"), "{said}");
    let rotated =
        said.lines().find_map(|line| line.strip_prefix("new secret (give it to the sender): ")).unwrap().to_owned();
    assert_ne!(rotated, previous);
    for (id, secret) in [("e2e-new-secret", rotated.as_str()), ("e2e-old-secret", previous.as_str())] {
        let (code, said) = stack.send("shopify", id, "e2e.test", &["--secret", secret]);
        assert_eq!(code, 0, "{id}: accepted during the grace period: {said}");
    }
    let (code, said) = stack.send("shopify", "e2e-newest-secret", "e2e.test", &[]);
    assert_eq!(code, 0, "send signs with the newest secret: {said}");

    // 8. A 3 MiB body → stored by claim check, forwarded byte for byte; then `hookway replay` of
    //    the window it was received in delivers exactly that window's events again, saying so.
    let since = humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string();
    let padding = "0123456789abcdef".repeat(3 * 1024 * 1024 / 16);
    let large = json!({"id": "e2e-large", "type": "large", "padding": padding}).to_string();
    let large_file = dir.join("large.json");
    std::fs::write(&large_file, &large).unwrap();
    let data = format!("@{}", large_file.display());
    let send = ["send", &url, "--source", "github", "--config", &config_arg, "--id", "e2e-large", "--type", "large"];
    let (code, said) = stack.local(&[&send[..], &["--data", &data]].concat());
    assert_eq!(code, 0, "{said}");
    let (code, said) = stack.send("github", "e2e-window", "e2e.test", &[]);
    assert_eq!(code, 0, "{said}");
    let until = humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string();
    let window = ["--since", since.as_str(), "--until", until.as_str(), "--source", "github", "--config", &config_arg];
    wait_for("the window's events delivered", STEP_DEADLINE, || {
        let done = ["e2e-large", "e2e-window"].iter().all(|id| deliveries(&receiver, id).len() == 1);
        std::future::ready(done.then_some(()))
    })
    .await;
    let delivered = deliveries(&receiver, "e2e-large").remove(0);
    assert_eq!(Sha256::digest(&delivered.body), Sha256::digest(large.as_bytes()), "byte for byte");
    let (code, listed) = stack.local(&[&["events", "list"][..], &window].concat());
    assert_eq!(code, 0, "{listed}");
    let listed: Vec<&str> = listed.lines().filter(|line| line.contains("  github  ")).collect();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(listed[0].contains("  e2e-large  github  large  delivered"), "{listed:?}");
    let (code, dry) = stack.local(&[&["replay", "--dry-run"][..], &window].concat());
    assert!(code == 0 && dry.contains("dry run: 2 event(s) would be replayed, none was sent"), "{dry}");
    let (code, said) = stack.local(&[&["replay"][..], &window].concat());
    assert!(code == 0 && said.contains("replayed 2 event(s)"), "{said}");
    wait_for("the window replayed", STEP_DEADLINE, || {
        let done = ["e2e-large", "e2e-window"].iter().all(|id| deliveries(&receiver, id).len() == 2);
        std::future::ready(done.then_some(()))
    })
    .await;
    let replayed = deliveries(&receiver, "e2e-large").remove(1);
    assert!(replayed.headers.contains_key("x-hookway-replay"), "the replay says so");
    assert_eq!(Sha256::digest(&replayed.body), Sha256::digest(large.as_bytes()), "byte for byte again");
    assert_eq!(same_body(), 1, "an event outside the window is not replayed");

    // 9. AWS would allow every call the run made — each function's with its role in the template
    //    synthesised for this configuration, Lambda's for the worker (its event source mapping,
    //    its jobs' on-failure destination) with the worker's role, the commands' with
    //    docs/operator-policy.json — and each grant no call used is in IAM_UNUSED, with why.
    stack.assert_iam_is_what_the_run_needs(IAM_UNUSED).await;

    // 10. Ctrl-C stops the stack cleanly; no process it started is left running.
    stack.stop().await;
}

/// What the stack and the operator policy grant that this run does not use, and why each stays.
/// (The run exercises every other grant: claim-checked bodies, both DLQs, breakers, jobs and
/// their redrive, secrets, replays.)
const IAM_UNUSED: &[Reason] = &[
    Reason {
        principal: "hookway-intake",
        action: "logs:CreateLogStream",
        resource: "",
        why: "Lambda writes the function's logs to its log group with its role; locally they go to cargo lambda watch",
    },
    Reason { principal: "hookway-intake", action: "logs:PutLogEvents", resource: "", why: "the same" },
    Reason {
        principal: "hookway-worker",
        action: "logs:CreateLogStream",
        resource: "",
        why: "Lambda writes the function's logs to its log group with its role; locally they go to cargo lambda watch",
    },
    Reason { principal: "hookway-worker", action: "logs:PutLogEvents", resource: "", why: "the same" },
    Reason {
        principal: "hookway-worker",
        action: "sqs:GetQueueAttributes",
        resource: "",
        why: "the event source mapping reads the events queue's attributes in AWS (Lambda documents it among the three \
              it needs), which the local poller does not; on the jobs DLQ the CDK's SqsDestination grants it with SendMessage",
    },
    Reason {
        principal: "hookway-worker",
        action: "sqs:GetQueueUrl",
        resource: "",
        why: "granted whole by the CDK with the event source mapping (grantConsumeMessages) and the on-failure \
              destination (grantSendMessages); neither calls it, both are given the queue's ARN",
    },
    Reason {
        principal: "hookway-worker",
        action: "sqs:ChangeMessageVisibility",
        resource: "",
        why: "granted whole by the CDK with the event source mapping (grantConsumeMessages): a failed message \
              reappears when its visibility timeout ends",
    },
    Reason {
        principal: "hookway-worker",
        action: "s3:PutObject",
        resource: "/events/_batches/",
        why: "beside the archive stream, an object for the events a batch takes more than ten minutes after they \
              arrived (a backlog, a redrive) or too large for a stream record; this run's events are archived fresh",
    },
    Reason {
        principal: "hookway-worker",
        action: "sqs:SendMessage",
        resource: "-listen-",
        why: "copies of new events to the queues of `hookway listen` while one runs; the listen test \
              (tools/cli/tests/listen.rs) runs one, and its IAM check allows every call",
    },
    Reason {
        principal: "operator",
        action: "sqs:CreateQueue",
        resource: "-listen-",
        why: "the same: `hookway listen`",
    },
    Reason { principal: "operator", action: "sqs:TagQueue", resource: "-listen-", why: "the same: `hookway listen`" },
    Reason {
        principal: "operator",
        action: "sqs:DeleteQueue",
        resource: "-listen-",
        why: "the same: `hookway listen`",
    },
    Reason {
        principal: "operator",
        action: "cloudformation:DescribeStacks",
        resource: "",
        why: "the commands find a deployed stack by its outputs, and doctor the CDK bootstrap stack; the local stack's outputs are in its state file, and it needs no bootstrap",
    },
];

/// The secret `make dev` generated for a parameter.
fn local_secret(stack: &LocalStack, parameter: &str) -> String {
    let secrets = hookway_core::local::secrets::LocalSecrets::load(&stack.state_dir).unwrap();
    secrets.values[parameter].clone()
}

/// A child process stopped when the test ends, whether it passed or an assertion failed first.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
