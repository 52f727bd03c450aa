//! `hookway listen` and `hookway dev --forward-to` against the local stack, every part a real
//! process: `hookway dev` (moto, the intake and worker under `cargo lambda watch`), a `hookway
//! listen` forwarding to a receiver on this machine, and the events sent as their providers sign
//! them — Stripe's JSON, a Slack slash command's form body, Discord's Ed25519 signature.

mod local_stack;

use std::collections::HashMap;
use std::path::PathBuf;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_sqs::types::QueueAttributeName;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hookway_core::local::secrets::LocalSecrets;
use hookway_core::scheme::{Request, Scheme, SignRequest};
use hookway_core::unix_now;
use hookway_testkit::receiver::{Received, Receiver};
use hookway_testkit::{sdk_config_for, wait_for};
use local_stack::{LocalStack, event_body, read};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::{Value, json};

const STEP: Duration = Duration::from_secs(60);
/// The Standard Webhooks secret the listener signs with.
const SIGN_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// Events timed from the intake's 202 to the local service.
const TIMED: usize = 20;

/// A `hookway listen`, stopped for sure when the test ends.
struct Listen {
    child: Child,
    out: PathBuf,
    err: PathBuf,
}

impl Listen {
    fn start(stack: &LocalStack, forward_to: &str) -> Listen {
        let (out, err) = (stack.dir.join("listen.out"), stack.dir.join("listen.err"));
        let child = Command::new(env!("CARGO_BIN_EXE_hookway"))
            .args(["listen", "--local", "--state-dir", stack.state_dir.to_str().unwrap()])
            .args(["--forward-to", forward_to, "--json"])
            .env("HOOKWAY_SIGN_SECRET", SIGN_SECRET)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap())
            .spawn()
            .unwrap();
        Listen { child, out, err }
    }

    /// Its lines, one per event.
    fn lines(&self) -> Vec<Value> {
        read(&self.out).lines().map(|line| serde_json::from_str(line).unwrap()).collect()
    }

    fn line_of(&self, id: &str) -> Option<Value> {
        self.lines().into_iter().find(|line| line["id"] == id)
    }
}

impl Drop for Listen {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `listeners` item's entries, by queue URL.
async fn listeners(dynamodb: &aws_sdk_dynamodb::Client, table: &str) -> HashMap<String, AttributeValue> {
    let item = dynamodb
        .get_item()
        .table_name(table)
        .key("pk", AttributeValue::S("listeners".into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    item.item.unwrap()["queues"].as_m().unwrap().clone()
}

/// The id `hookway send` printed.
fn sent_id(said: &str) -> String {
    let id = said.lines().find_map(|line| line.strip_prefix("202 Accepted  id: "));
    id.unwrap_or_else(|| panic!("not accepted: {said}")).to_owned()
}

fn with_id<'r>(requests: &'r [Received], header: &str, id: &str) -> Vec<&'r Received> {
    requests.iter().filter(|request| request.headers.get(header).is_some_and(|value| value == id)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_forwards_each_new_event_to_a_local_service_and_the_stack_delivers_as_before() {
    let local = Receiver::start().await;
    let stack_destination = Receiver::start().await;
    let dev_destination = Receiver::start().await;
    let config = json!({
        "sources": [
            {"name": "stripe", "scheme": "stripe", "secretParameters": ["/hookway/stripe/secret"]},
            {"name": "slack", "scheme": "slack", "secretParameters": ["/hookway/slack/secret"]},
            {"name": "discord", "scheme": "discord", "secretParameters": ["/hookway/discord/public-key"]},
        ],
        "routes": [{"source": "*", "handler": {"forward": {"url": format!("{}/hooks", stack_destination.url), "maxAttempts": 1}}}],
    });
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("listen-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let dev_url = format!("{}/dev", dev_destination.url);
    let mut stack = LocalStack::start_with(&dir, &config, &["--forward-to", &dev_url]);
    let printed = stack.running().await;
    let state = stack.state().unwrap();

    // `hookway dev --forward-to`: the stack runs a derived configuration, and says so; the file
    // given is left as it was.
    assert!(printed.contains(&format!("forwarding every source's events to {dev_url} as well")), "{printed}");
    assert_eq!(std::fs::read_to_string(&stack.config).unwrap(), config.to_string(), "hookway.json is not edited");
    assert!(state.config.ends_with(hookway_core::local::FORWARD_CONFIG_FILE), "{:?}", state.config);

    // A listener that died two minutes ago, its queue left behind: the next one to start removes both.
    let aws = sdk_config_for(&state.aws_endpoint).await;
    let (sqs, dynamodb) = (aws_sdk_sqs::Client::new(&aws), aws_sdk_dynamodb::Client::new(&aws));
    let dead = format!("{}-listen-deadbeef", state.stack_name());
    let dead_url = sqs.create_queue().queue_name(&dead).send().await.unwrap().queue_url.unwrap();
    let entry = AttributeValue::M([("expiresAt".to_owned(), AttributeValue::N((unix_now() - 120).to_string()))].into());
    dynamodb
        .put_item()
        .table_name(&state.table)
        .item("pk", AttributeValue::S("listeners".into()))
        .item("queues", AttributeValue::M([(dead_url.clone(), entry)].into()))
        .send()
        .await
        .unwrap();

    let mut listen = Listen::start(&stack, &format!("{}/hook", local.url));
    wait_for("hookway listen to be ready", STEP, || {
        std::future::ready(read(&listen.err).contains("ready: forwarding every source").then_some(()))
    })
    .await;
    let queue = read(&listen.err).split("(queue ").nth(1).unwrap().split(')').next().unwrap().to_owned();
    assert!(queue.starts_with(&format!("{}-listen-", state.stack_name())), "{queue}");
    let url = sqs.get_queue_url().queue_name(&queue).send().await.unwrap().queue_url.unwrap();
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap();
    assert_eq!(attributes[&QueueAttributeName::MaximumMessageSize], "1048576", "{attributes:?}");
    assert_eq!(attributes[&QueueAttributeName::SqsManagedSseEnabled], "true", "{attributes:?}");
    assert!(listeners(&dynamodb, &state.table).await.keys().eq([&url]), "the dead listener's entry is removed");
    let left = sqs.list_queues().queue_name_prefix(&dead).send().await.unwrap();
    assert!(left.queue_urls().is_empty(), "and its queue deleted: {left:?}");

    // 1. Three providers: JSON, a form body, an Ed25519 signature.
    let stripe_body = event_body("evt_listen_1", "invoice.paid");
    let (code, said) = stack.send("stripe", "evt_listen_1", "invoice.paid", &[]);
    assert_eq!(code, 0, "{said}");
    let stripe = sent_id(&said);
    let discord_body = event_body("listen-discord", "listen.test");
    let (code, said) = stack.send("discord", "listen-discord", "listen.test", &[]);
    assert_eq!(code, 0, "{said}");
    let discord = sent_id(&said);
    let secrets = LocalSecrets::load(&stack.state_dir).unwrap();
    let slack_body = b"command=%2Fdeploy&text=api+v2&trigger_id=13345224609.738474920.8088930838d88f008e0".to_vec();
    let slack = "13345224609.738474920.8088930838d88f008e0";
    let scheme = Scheme::named("slack").unwrap();
    let key = scheme.key(&secrets.values["/hookway/slack/secret"], None).unwrap();
    let url = format!("{}/webhooks/slack", stack.url);
    let request = SignRequest { id: "", timestamp: unix_now(), body: &slack_body, method: "POST", url: &url };
    let client = reqwest::Client::new();
    let mut post = client.post(&url).header("content-type", "application/x-www-form-urlencoded");
    for (name, value) in scheme.sign(&key, &request).unwrap().headers {
        post = post.header(name, value);
    }
    let answer = post.header("x-slack-retry-num", "1").body(slack_body.clone()).send().await.unwrap();
    assert_eq!(answer.status(), 202, "{}", answer.text().await.unwrap());

    let forwarded = wait_for("the three events at the local service", STEP, || {
        let received = local.received_at("/hook");
        let all = [&stripe, &discord, slack].iter().all(|id| with_id(&received, "hookway-event-id", id).len() == 1);
        std::future::ready(all.then_some(received))
    })
    .await;
    let standard = Scheme::named("standard-webhooks").unwrap();
    let verifying = standard.key(SIGN_SECRET, None).unwrap();
    for (id, body, content_type) in [
        (stripe.as_str(), stripe_body.as_bytes(), "application/json"),
        (discord.as_str(), discord_body.as_bytes(), "application/json"),
        (slack, slack_body.as_slice(), "application/x-www-form-urlencoded"),
    ] {
        let request = with_id(&forwarded, "hookway-event-id", id)[0];
        assert_eq!(request.body, body, "{id}: the body byte for byte");
        assert_eq!(request.headers["content-type"], content_type, "{id}");
        assert_eq!(request.headers["webhook-id"], id, "{id}");
        let signed = Request { method: "POST", url: "", headers: &request.headers, body: &request.body };
        standard
            .verify(&signed, std::slice::from_ref(&verifying), 300, unix_now())
            .unwrap_or_else(|error| panic!("{id}: {error}"));
        let line = listen.line_of(id).unwrap();
        assert_eq!((line["status"].as_u64(), line["error"].is_null()), (Some(200), true), "{line}");
    }
    let slack_request = with_id(&forwarded, "hookway-event-id", slack)[0];
    assert_eq!(slack_request.headers["x-slack-retry-num"], "1", "the provider's headers the stack kept");

    // 2. The stack delivers as it did: each event once to its own route, once to --forward-to.
    for (destination, path) in [(&stack_destination, "/hooks"), (&dev_destination, "/dev")] {
        wait_for("the stack's own deliveries", STEP, || {
            let received = destination.received_at(path);
            let once = [&stripe, &discord, slack].iter().all(|id| with_id(&received, "idempotency-key", id).len() == 1);
            std::future::ready(once.then_some(()))
        })
        .await;
        let received = destination.received_at(path);
        let request = with_id(&received, "idempotency-key", &stripe)[0];
        assert_eq!(request.body, stripe_body.as_bytes(), "{path}");
        assert!(request.headers.get("hookway-event-id").is_none(), "{path}: the listener's header is its own");
    }

    // 3. The local service down: the event's line says so, and the listener goes on.
    local.go_down();
    let (code, said) = stack.send("stripe", "evt_listen_down", "invoice.paid", &[]);
    assert_eq!(code, 0, "{said}");
    let line = wait_for("the error line", STEP, || std::future::ready(listen.line_of("evt_listen_down"))).await;
    assert!(line["error"].as_str().unwrap().contains("cannot connect"), "{line}");
    assert!(listen.child.try_wait().unwrap().is_none(), "still listening");
    local.come_up().await;

    // 4. From the intake's 202 to the local service, event by event.
    let stripe_scheme = Scheme::named("stripe").unwrap();
    let stripe_key = stripe_scheme.key(&secrets.values["/hookway/stripe/secret"], None).unwrap();
    let url = format!("{}/webhooks/stripe", stack.url);
    let mut accepted = Vec::with_capacity(TIMED);
    for index in 0..TIMED {
        let id = format!("evt_listen_timed_{index}");
        let body = event_body(&id, "invoice.paid");
        let request = SignRequest { id: &id, timestamp: unix_now(), body: body.as_bytes(), method: "POST", url: &url };
        let mut post = client.post(&url).header("content-type", "application/json");
        for (name, value) in stripe_scheme.sign(&stripe_key, &request).unwrap().headers {
            post = post.header(name, value);
        }
        let answer = post.body(body).send().await.unwrap();
        assert_eq!(answer.status(), 202);
        accepted.push((id, Instant::now()));
    }
    let received = wait_for("the timed events at the local service", STEP, || {
        let received = local.received_at("/hook");
        let all = accepted.iter().all(|(id, _)| with_id(&received, "hookway-event-id", id).len() == 1);
        std::future::ready(all.then_some(received))
    })
    .await;
    let mut latencies: Vec<Duration> = accepted
        .iter()
        .map(|(id, at)| with_id(&received, "hookway-event-id", id)[0].at.saturating_duration_since(*at))
        .collect();
    latencies.sort();
    let median = latencies[TIMED / 2];
    eprintln!(
        "hookway listen on the local stack: from the intake's 202 to the local service, median {median:?} over {TIMED} events (fastest {:?}, slowest {:?})",
        latencies[0],
        latencies[TIMED - 1]
    );
    assert!(median <= Duration::from_secs(3), "median {median:?}");

    // 5. The calls of the run, the listener's and the worker's copies among them: none denied.
    stack.assert_iam_allows_every_call().await;

    // 6. Ctrl-C: exit 0, the queue deleted and the registration gone.
    kill(Pid::from_raw(i32::try_from(listen.child.id()).unwrap()), Signal::SIGINT).unwrap();
    let child = &mut listen.child;
    let exit = wait_for("hookway listen to exit", STEP, || std::future::ready(child.try_wait().unwrap())).await;
    assert!(exit.success(), "{exit:?}: {}", read(&listen.err));
    let queues = sqs.list_queues().queue_name_prefix(&queue).send().await.unwrap();
    assert!(queues.queue_urls().is_empty(), "{queues:?}");
    let registered = listeners(&dynamodb, &state.table).await;
    assert!(registered.is_empty(), "{registered:?}");
    let said = format!("{}{}", read(&listen.out), read(&listen.err));
    assert!(!said.contains(SIGN_SECRET), "the signing secret is never printed");

    stack.stop().await;
}
