//! Destinations that fail, on the local stack (`hookway dev`: moto, the real intake and worker,
//! the sweep every second), under load, against real HTTP receivers:
//!
//! 1. **outage**: destination A (rate-limited) goes down while B stays up; B's events flow past
//!    A's, which are parked, and once A is back every one of them is delivered once, at A's rate;
//! 2. **paused**: an operator pauses a destination: its events are held, none is lost, and
//!    resuming it delivers each once;
//! 3. **flaky**: an overloaded destination that takes every event at the third attempt, with the
//!    default retry and breaker settings: every event is delivered once, within minutes.
//!
//! Each step waits for its condition with a deadline; what it measured is printed.

mod local_stack;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use hookway_core::scheme::SignRequest;
use hookway_core::store::{DynamoStore, HELD, Hold, ParkedEvent, StateStore};
use hookway_testkit::receiver::{Received, Receiver};
use hookway_testkit::{queue_length, wait_for};
use hookway_worker::shared::{DynamoShared, SharedState};
use local_stack::{LocalStack, event_body};
use serde_json::{Value, json};

/// A's rate limit, requests a second.
const A_PER_SECOND: usize = 10;
/// Events for A, and for B, in each phase of the outage: what the local stack (a debug build on
/// moto, two instances of each function) carries in a minute or two, and more than A's rate limit
/// lets through in that time.
const A_EVENTS: usize = 300;
const B_EVENTS: usize = 30;
/// Requests in flight at the gateway while sending.
const IN_FLIGHT: usize = 32;
/// The most B's p99 delay may grow while A is down.
const MAX_ADDED_DELAY: Duration = Duration::from_secs(5);
const STEP_DEADLINE: Duration = Duration::from_secs(300);

/// The sources (each signs as Standard Webhooks) and where each one's events go.
const SOURCES: [&str; 4] = ["alpha", "beta", "gamma", "delta"];

fn config_for(a: &Receiver, others: &Receiver) -> Value {
    let mut config: Value = serde_json::from_str(include_str!("../../../hookway.json")).unwrap();
    config.as_object_mut().unwrap().remove("$schema");
    config["sources"] = SOURCES
        .iter()
        .map(|name| {
            json!({"name": name, "scheme": "standard-webhooks", "secretParameters": [format!("/hookway/outage/{name}")]})
        })
        .collect();
    config["routes"] = json!([
        // A quick cool-down, so that the test does not wait half a minute for each trial.
        {"source": "alpha", "handler": {"forward": {"url": format!("{}/a", a.url),
            "rateLimit": {"perSecond": A_PER_SECOND}, "circuitBreaker": {"failureThreshold": 5, "cooldownSeconds": 2}}}},
        {"source": "beta", "handler": {"forward": {"url": format!("{}/b", others.url)}}},
        {"source": "gamma", "handler": {"forward": {"url": format!("{}/paused", others.url)}}},
        // The default retry schedule and circuit breaker.
        {"source": "delta", "handler": {"forward": {"url": format!("{}/flaky", others.url)}}},
    ]);
    config
}

/// Signs events as the sources do, and posts them to the gateway, many at once.
struct Sender {
    url: String,
    client: reqwest::Client,
    sources: HashMap<String, (hookway_core::Source, hookway_core::scheme::Key)>,
}

impl Sender {
    fn new(stack: &LocalStack) -> Sender {
        let config = hookway_core::Config::load(&stack.config).unwrap();
        let secrets = hookway_core::local::secrets::LocalSecrets::load(&stack.state_dir).unwrap();
        let sources = SOURCES
            .iter()
            .map(|name| {
                let source = hookway_core::Source::new(config.source(name).unwrap()).unwrap();
                let key = source.scheme.key(&secrets.values[&format!("/hookway/outage/{name}")], None).unwrap();
                ((*name).to_owned(), (source, key))
            })
            .collect();
        Sender { url: stack.url.clone(), client: reqwest::Client::new(), sources }
    }

    /// Sends `events` (source, id), `IN_FLIGHT` at a time: when each was accepted (202).
    async fn send(&self, events: &[(&str, String)]) -> HashMap<String, Instant> {
        let started = Instant::now();
        let accepted: HashMap<String, Instant> = futures_util::stream::iter(events)
            .map(|(source, id)| self.send_one(source, id))
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
        let took = started.elapsed();
        eprintln!("sent {} events in {took:.1?} ({:.0}/s)", events.len(), events.len() as f64 / took.as_secs_f64());
        accepted
    }

    async fn send_one(&self, source: &str, id: &str) -> (String, Instant) {
        let (signer, key) = &self.sources[source];
        let body = event_body(id, "outage.test");
        let url = format!("{}/webhooks/{source}", self.url);
        let request =
            SignRequest { id, timestamp: hookway_core::unix_now(), body: body.as_bytes(), method: "POST", url: &url };
        let signed = signer.scheme.sign(key, &request).unwrap();
        let mut post = self.client.post(&url).header("content-type", "application/json");
        for (name, value) in signed.headers {
            post = post.header(name, value);
        }
        let answer = post.body(signed.body.unwrap_or_else(|| body.into_bytes())).send().await.unwrap();
        let accepted = Instant::now();
        let status = answer.status();
        let said: Value = answer.json().await.unwrap_or(Value::Null);
        assert_eq!((status.as_u16(), &said["id"]), (202, &json!(id)), "{source}/{id}: {said}");
        (id.to_owned(), accepted)
    }
}

/// `count` ids of `prefix`.
fn ids(prefix: &str, count: usize) -> Vec<String> {
    (0..count).map(|n| format!("{prefix}-{n:05}")).collect()
}

/// A's events and B's, interleaved: one of B's after every ten of A's.
fn interleaved<'a>(a: &'a [String], b: &'a [String]) -> Vec<(&'static str, String)> {
    let mut b = b.iter();
    let mut events = Vec::new();
    for (n, id) in a.iter().enumerate() {
        events.push(("alpha", id.clone()));
        if n % 10 == 9
            && let Some(id) = b.next()
        {
            events.push(("beta", id.clone()));
        }
    }
    events.extend(b.map(|id| ("beta", id.clone())));
    events
}

fn idempotency_key(request: &Received) -> Option<&str> {
    request.headers.get("idempotency-key")?.to_str().ok()
}

/// The requests each of `ids` got at `path`.
fn requests_by_id(receiver: &Receiver, path: &str, ids: &[String]) -> HashMap<String, Vec<Received>> {
    let mut by_id: HashMap<String, Vec<Received>> = ids.iter().map(|id| (id.clone(), Vec::new())).collect();
    for request in receiver.received_at(path) {
        if let Some(requests) = idempotency_key(&request).and_then(|id| by_id.get_mut(id)) {
            requests.push(request);
        }
    }
    by_id
}

/// Whether every one of `ids` was answered 2xx at `path`.
fn all_delivered(receiver: &Receiver, path: &str, ids: &[String]) -> bool {
    requests_by_id(receiver, path, ids).values().all(|requests| requests.iter().any(is_success))
}

fn is_success(request: &Received) -> bool {
    request.status.is_some_and(|status| (200..300).contains(&status))
}

/// Each of `ids` was answered 2xx exactly once at `path`: its arrival.
fn delivered_once(receiver: &Receiver, path: &str, ids: &[String]) -> HashMap<String, Instant> {
    let by_id = requests_by_id(receiver, path, ids);
    let twice: Vec<(&String, usize)> = by_id
        .iter()
        .map(|(id, requests)| (id, requests.iter().filter(|request| is_success(request)).count()))
        .filter(|(_, count)| *count != 1)
        .collect();
    assert!(twice.is_empty(), "{path}: events not delivered exactly once (id, 2xx answers): {twice:?}");
    by_id.into_iter().map(|(id, requests)| (id, requests.iter().find(|r| is_success(r)).unwrap().at)).collect()
}

/// The 99th percentile of B's delays, from its 202 to its arrival.
fn p99_delay(accepted: &HashMap<String, Instant>, arrived: &HashMap<String, Instant>) -> Duration {
    let mut delays: Vec<Duration> = arrived.iter().map(|(id, at)| at.saturating_duration_since(accepted[id])).collect();
    delays.sort();
    delays[(delays.len() * 99).div_ceil(100) - 1]
}

/// The most arrivals in any one second, and the mean rate from the first to the last.
fn arrival_rate(arrived: &HashMap<String, Instant>) -> (usize, f64) {
    let mut times: Vec<Instant> = arrived.values().copied().collect();
    times.sort();
    let mut busiest = 0;
    let mut start = 0;
    for (end, at) in times.iter().enumerate() {
        while at.duration_since(times[start]) >= Duration::from_secs(1) {
            start += 1;
        }
        busiest = busiest.max(end - start + 1);
    }
    let span = times.last().unwrap().duration_since(times[0]).as_secs_f64();
    (busiest, (times.len() - 1) as f64 / span.max(f64::EPSILON))
}

/// The local stack's AWS: the state table's store and shared state, and the events DLQ.
struct Aws {
    store: DynamoStore,
    shared: DynamoShared,
    config: aws_config::SdkConfig,
    dlq: String,
}

impl Aws {
    async fn of(stack: &LocalStack) -> Aws {
        let state = stack.state().unwrap();
        let config = hookway_core::local::sdk_config(&state.aws_endpoint).await;
        let dynamodb = aws_sdk_dynamodb::Client::new(&config);
        Aws {
            store: DynamoStore::new(dynamodb.clone(), &state.table),
            shared: DynamoShared::new(dynamodb, &state.table),
            config,
            dlq: state.events_dlq_url,
        }
    }

    /// Every event parked for the destination `url`.
    async fn parked(&self, url: &str) -> Vec<ParkedEvent> {
        let (parked, more) = self.store.parked(&destination_key(url), HELD, 10_000).await.unwrap();
        assert!(!more);
        parked
    }

    async fn dlq_length(&self) -> usize {
        queue_length(&self.config, &self.dlq).await
    }
}

/// The key a destination's circuit and parked events are filed under: its URL, as parsed.
fn destination_key(url: &str) -> String {
    reqwest::Url::parse(url).unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destinations_that_fail_under_load() {
    let a = Receiver::start().await;
    let others = Receiver::start().await;
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("outage-{}", std::process::id()));
    let mut stack = LocalStack::start(&dir, &config_for(&a, &others));
    stack.running().await;
    let sender = Sender::new(&stack);
    let aws = Aws::of(&stack).await;
    let a_url = format!("{}/a", a.url);

    // 1. The outage. B's events alone first, for the record: what the local stack takes to
    //    deliver them with nothing else in the queue.
    let b0 = ids("b0", B_EVENTS);
    let accepted = sender.send(&b0.iter().map(|id| ("beta", id.clone())).collect::<Vec<_>>()).await;
    wait_for("B's events delivered", STEP_DEADLINE, || {
        std::future::ready(all_delivered(&others, "/b", &b0).then_some(()))
    })
    .await;
    let alone = p99_delay(&accepted, &delivered_once(&others, "/b", &b0));
    eprintln!("alone: B's p99 delay {alone:.2?}");

    // Baseline: A healthy, its events and B's sent together.
    let (a1, b1) = (ids("a1", A_EVENTS), ids("b1", B_EVENTS));
    let accepted = sender.send(&interleaved(&a1, &b1)).await;
    let started = Instant::now();
    wait_for("the baseline's events delivered", STEP_DEADLINE, || {
        std::future::ready((all_delivered(&others, "/b", &b1) && all_delivered(&a, "/a", &a1)).then_some(()))
    })
    .await;
    eprintln!("baseline: every event delivered {:.1?} after the last was sent", started.elapsed());
    let baseline = p99_delay(&accepted, &delivered_once(&others, "/b", &b1));
    let (busiest, mean) = arrival_rate(&delivered_once(&a, "/a", &a1));
    eprintln!("baseline: B's p99 delay {baseline:.2?}; A at most {busiest} in a second, {mean:.1}/s on average");
    assert!(busiest <= A_PER_SECOND * 3 / 2, "A's rate limit, {A_PER_SECOND}/s: {busiest} in one second");

    // A goes down (its port refuses connections); the same load again.
    a.go_down();
    let (a2, b2) = (ids("a2", A_EVENTS), ids("b2", B_EVENTS));
    let accepted = sender.send(&interleaved(&a2, &b2)).await;
    wait_for("B's events delivered during A's outage", STEP_DEADLINE, || {
        std::future::ready(all_delivered(&others, "/b", &b2).then_some(()))
    })
    .await;
    let outage = p99_delay(&accepted, &delivered_once(&others, "/b", &b2));
    let added = outage.saturating_sub(baseline);
    let parked = aws.parked(&a_url).await.len();
    eprintln!(
        "outage: B's p99 delay {outage:.2?} (A healthy {baseline:.2?}, B alone {alone:.2?}): {added:.2?} added by the outage; {parked} of A's events parked"
    );
    assert!(added <= MAX_ADDED_DELAY, "B waited {added:?} longer while A was down");
    assert!(parked > 0, "A's events wait parked, not in the events queue");

    // A comes back: each of its events is delivered once, at its rate; nothing is left.
    let back = Instant::now();
    a.come_up().await;
    wait_for("A's events delivered once it is back", STEP_DEADLINE, || {
        std::future::ready(all_delivered(&a, "/a", &a2).then_some(()))
    })
    .await;
    let arrived = delivered_once(&a, "/a", &a2);
    let (busiest, mean) = arrival_rate(&arrived);
    eprintln!(
        "after the outage: A's {} events delivered in {:.1?}, at most {busiest} in a second, {mean:.1}/s on average",
        arrived.len(),
        back.elapsed()
    );
    assert!(busiest <= A_PER_SECOND * 3 / 2, "A's rate limit, {A_PER_SECOND}/s: {busiest} in one second");
    assert_eq!(a.received_at("/a").len(), 2 * A_EVENTS, "no event reached A twice, across both phases");
    assert_eq!(aws.dlq_length().await, 0, "nothing in the events DLQ");
    let left = aws.parked(&a_url).await;
    assert!(left.is_empty(), "{} of A's events still parked", left.len());

    // 2. A paused destination: its events are held (and counted as such), none goes anywhere;
    //    resumed, each is delivered once.
    let paused_url = format!("{}/paused", others.url);
    aws.shared.pause(&destination_key(&paused_url), true, hookway_core::unix_now_ms()).await.unwrap();
    let held = ids("paused", 20);
    sender.send(&held.iter().map(|id| ("gamma", id.clone())).collect::<Vec<_>>()).await;
    wait_for("the paused destination's events held", STEP_DEADLINE, || async {
        let parked = aws.parked(&paused_url).await;
        let all = parked.len() == held.len() && parked.iter().all(|event| event.parking.hold == Some(Hold::Paused));
        all.then_some(())
    })
    .await;
    // The worker writes its metrics line once the batch's outcomes are recorded: wait for it.
    let count_paused = || -> u64 { stack.function_lines().iter().filter_map(|line| line["Paused"].as_u64()).sum() };
    wait_for("the held events in the Paused metric", STEP_DEADLINE, || {
        std::future::ready((count_paused() >= held.len() as u64).then_some(()))
    })
    .await;
    let counted = count_paused();
    eprintln!("paused: {} events held, {counted} counted as Paused", held.len());
    assert_eq!(counted, held.len() as u64, "each held event counted once in the worker's Paused metric");
    assert!(others.received_at("/paused").is_empty(), "nothing sent to a paused destination");
    assert_eq!(aws.dlq_length().await, 0, "nothing in the events DLQ");
    aws.shared.pause(&destination_key(&paused_url), false, hookway_core::unix_now_ms()).await.unwrap();
    let resumed = Instant::now();
    wait_for("the resumed destination's events delivered", STEP_DEADLINE, || {
        std::future::ready(all_delivered(&others, "/paused", &held).then_some(()))
    })
    .await;
    delivered_once(&others, "/paused", &held);
    eprintln!("resumed: {} events delivered in {:.1?}", held.len(), resumed.elapsed());
    assert!(aws.parked(&paused_url).await.is_empty(), "nothing left parked");

    // 3. An overloaded destination, default settings: every event fails twice, then goes through.
    others.refuse_first_at("/flaky", 2, 503);
    let flaky = ids("flaky", 100);
    let sent = Instant::now();
    sender.send(&flaky.iter().map(|id| ("delta", id.clone())).collect::<Vec<_>>()).await;
    wait_for("the flaky destination's events delivered", Duration::from_secs(300), || {
        std::future::ready(all_delivered(&others, "/flaky", &flaky).then_some(()))
    })
    .await;
    eprintln!("flaky: {} events delivered in {:.1?}", flaky.len(), sent.elapsed());
    delivered_once(&others, "/flaky", &flaky);
    assert_eq!(aws.dlq_length().await, 0, "nothing in the events DLQ");

    stack.stop().await;
}
