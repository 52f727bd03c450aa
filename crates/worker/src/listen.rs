//! Copies of new events for `hookway listen`, the developer's listener on their own machine.
//!
//! A listener creates an SQS queue of its own (`<stack>-listen-<8 hex>`) and registers it in the
//! state table's item `pk = "listeners"`: a map `queues` of queue URL → `{expiresAt, sources}`
//! (Unix seconds; the sources it follows, absent for every one). It renews its entry every minute,
//! three minutes ahead, and removes it as it exits; a listener that crashed expires.
//!
//! Before it delivers a batch, the worker learns the live listeners — one eventually consistent
//! `GetItem` of that item, at most once every [`REFRESH`] per instance, and **none** when the batch
//! holds nothing to copy — and sends each event a listener follows to its queue with
//! `SendMessageBatch`: the envelope as the worker received it (a claim-checked body stays in the
//! archive bucket; the listener reads it there). Copied are the events on their first receive that
//! the worker did not send back itself: not its retries, not a replay, not a message SQS hands over
//! again after a failure (`ApproximateReceiveCount` over 1). A letter redriven from the dead-letter
//! queue comes back as a new message, and is copied again.
//!
//! This runs beside the deliveries, through clients of its own (their own retry partition, one
//! attempt, [`CALL_TIMEOUT`] a call), and outlasts them by [`GRACE`] at most: its failures are
//! logged, never the event's, and a listener can neither fail, delay by more than that, nor change
//! what the stack delivers. A queue that is gone (its listener exited) is skipped.
//!
//! What it costs: with no listener, at most one `GetItem` (0.5 read unit) per [`REFRESH`] per
//! instance while the worker processes new events, and nothing while it is idle; with one, a
//! `SendMessageBatch` per batch of up to ten events.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_sqs::error::ProvideErrorMetadata as _;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;

/// The state table item listeners register in.
pub const LISTENERS_PK: &str = "listeners";
/// Its map attribute: queue URL → [`EXPIRES_AT`], [`SOURCES`].
pub const QUEUES: &str = "queues";
/// When a listener's entry expires, Unix seconds.
pub const EXPIRES_AT: &str = "expiresAt";
/// The sources a listener follows (absent: every one).
pub const SOURCES: &str = "sources";
/// A listener's queue name: `<stack>-listen-<8 hex>`; the stack's roles may send to these alone.
pub const QUEUE_INFIX: &str = "-listen-";
/// How long the worker trusts what it read of the listeners.
pub const REFRESH: Duration = Duration::from_secs(5);
/// How long one call for the listeners (a `GetItem`, a `SendMessageBatch`) may take, in one attempt.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(1);
/// How long the copies may go on once the batch's deliveries are done; then they are dropped.
pub const GRACE: Duration = Duration::from_secs(1);
/// The SDK's retry partition of the listeners' clients: their throttling and retry tokens are not
/// the deliveries'.
const RETRY_PARTITION: &str = "hookway-listen";

/// Messages in one `SendMessageBatch`, SQS's most.
const BATCH_ENTRIES: usize = 10;
/// Bytes of messages in one `SendMessageBatch`, SQS's most before its limits grew to 1 MiB: a
/// larger envelope goes alone.
const BATCH_BYTES: usize = 256 * 1024;

/// A registered listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    /// Its queue.
    pub queue_url: String,
    /// When its registration expires, Unix seconds.
    pub expires_at: i64,
    /// The sources it follows; none: every one.
    pub sources: Option<Vec<String>>,
}

impl Listener {
    /// Whether it follows events of `source`.
    pub fn follows(&self, source: &str) -> bool {
        self.sources.as_ref().is_none_or(|sources| sources.iter().any(|s| s == source))
    }
}

/// Where listeners are registered, and their queues.
#[async_trait]
pub trait Listeners: Send + Sync + std::fmt::Debug {
    /// Every registered listener, expired or not.
    async fn registered(&self) -> Result<Vec<Listener>, String>;
    /// Sends `bodies` (at most ten) to the queue at `queue_url`; `Ok(false)` when the queue is gone.
    async fn send(&self, queue_url: &str, bodies: &[&str]) -> Result<bool, String>;
}

/// The listeners of the state table, and their SQS queues.
#[derive(Debug, Clone)]
pub struct AwsListeners {
    dynamodb: aws_sdk_dynamodb::Client,
    table: String,
    sqs: aws_sdk_sqs::Client,
}

impl AwsListeners {
    /// The listeners registered in `table`, through DynamoDB and SQS clients of their own made from
    /// `aws`: one attempt of at most [`CALL_TIMEOUT`] a call, in a retry partition apart from the
    /// worker's other clients.
    pub fn new(aws: &hookway_core::aws::SdkConfig, table: impl Into<String>) -> Self {
        let timeouts = || {
            aws_sdk_sqs::config::timeout::TimeoutConfig::builder()
                .operation_timeout(CALL_TIMEOUT)
                .operation_attempt_timeout(CALL_TIMEOUT)
                .build()
        };
        let dynamodb = aws_sdk_dynamodb::config::Builder::from(aws)
            .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::standard().with_max_attempts(1))
            .retry_partition(aws_sdk_dynamodb::config::retry::RetryPartition::new(RETRY_PARTITION))
            .timeout_config(timeouts())
            .build();
        let sqs = aws_sdk_sqs::config::Builder::from(aws)
            .retry_config(aws_sdk_sqs::config::retry::RetryConfig::standard().with_max_attempts(1))
            .retry_partition(aws_sdk_sqs::config::retry::RetryPartition::new(RETRY_PARTITION))
            .timeout_config(timeouts())
            .build();
        AwsListeners {
            dynamodb: aws_sdk_dynamodb::Client::from_conf(dynamodb),
            table: table.into(),
            sqs: aws_sdk_sqs::Client::from_conf(sqs),
        }
    }
}

#[async_trait]
impl Listeners for AwsListeners {
    async fn registered(&self) -> Result<Vec<Listener>, String> {
        // Eventually consistent: half the price, and a listener that registered a second ago
        // misses at most that second's events.
        let output = self
            .dynamodb
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(LISTENERS_PK.to_owned()))
            .projection_expression(QUEUES)
            .send()
            .await
            .map_err(|error| words(error.code(), error.message()))?;
        Ok(output.item.as_ref().and_then(|item| item.get(QUEUES)).map(read_queues).unwrap_or_default())
    }

    async fn send(&self, queue_url: &str, bodies: &[&str]) -> Result<bool, String> {
        let mut request = self.sqs.send_message_batch().queue_url(queue_url);
        for (index, body) in bodies.iter().enumerate() {
            let entry = SendMessageBatchRequestEntry::builder().id(index.to_string()).message_body(*body).build();
            request = request.entries(entry.map_err(|error| error.to_string())?);
        }
        match request.send().await {
            Ok(output) => match output.failed() {
                [] => Ok(true),
                failed => Err(format!("{} message(s) refused: {}", failed.len(), failed[0].code())),
            },
            Err(error) if error.as_service_error().is_some_and(|e| e.is_queue_does_not_exist()) => Ok(false),
            Err(error) => Err(words(error.code(), error.message())),
        }
    }
}

/// An AWS error in words: its code and message, never a request's contents.
fn words(code: Option<&str>, message: Option<&str>) -> String {
    match (code, message) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        (None, Some(message)) => message.to_owned(),
        (None, None) => "no answer (a timeout or a network error)".to_owned(),
    }
}

/// The `queues` map, read; entries it cannot read are left out.
pub fn read_queues(queues: &AttributeValue) -> Vec<Listener> {
    let Ok(queues) = queues.as_m() else { return Vec::new() };
    queues
        .iter()
        .filter_map(|(queue_url, entry)| {
            let entry = entry.as_m().ok()?;
            let expires_at = entry.get(EXPIRES_AT)?.as_n().ok()?.parse().ok()?;
            let sources = entry
                .get(SOURCES)
                .and_then(|sources| sources.as_l().ok())
                .map(|sources| sources.iter().filter_map(|s| s.as_s().ok().cloned()).collect());
            Some(Listener { queue_url: queue_url.clone(), expires_at, sources })
        })
        .collect()
}

/// The worker's view of the listeners: what it read last, and when.
#[derive(Debug)]
pub struct Listening {
    listeners: Arc<dyn Listeners>,
    known: Mutex<Option<(Instant, Vec<Listener>)>>,
}

impl Listening {
    /// Listeners as `listeners` registers them.
    pub fn new(listeners: Arc<dyn Listeners>) -> Listening {
        Listening { listeners, known: Mutex::new(None) }
    }

    /// Whether it is known, without asking, that no listener is live: what a batch checks before
    /// it copies its events.
    pub fn none_live(&self) -> bool {
        let known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
        known.as_ref().is_some_and(|(at, listeners)| {
            at.elapsed() < REFRESH && listeners.iter().all(|listener| listener.expires_at <= hookway_core::unix_now())
        })
    }

    /// The live listeners: read again once [`REFRESH`] has passed. A failed read counts as none
    /// until the next.
    async fn live(&self) -> Vec<Listener> {
        let cached = self.known.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let listeners = match cached {
            Some((at, listeners)) if at.elapsed() < REFRESH => listeners,
            _ => {
                let read = self.listeners.registered().await.unwrap_or_else(|error| {
                    tracing::warn!(%error, "cannot read the listeners: events are not copied to them for a while");
                    Vec::new()
                });
                *self.known.lock().unwrap_or_else(PoisonError::into_inner) = Some((Instant::now(), read.clone()));
                read
            }
        };
        let now = hookway_core::unix_now();
        listeners.into_iter().filter(|listener| listener.expires_at > now).collect()
    }

    /// Sends each of `events` (source, envelope as received) to every live listener that follows
    /// its source. Nothing to send: no call at all.
    pub async fn copy(&self, events: &[(String, String)]) {
        if events.is_empty() {
            return;
        }
        let listeners = self.live().await;
        let sends = listeners.iter().flat_map(|listener| {
            let bodies: Vec<&str> =
                events.iter().filter(|(source, _)| listener.follows(source)).map(|(_, body)| body.as_str()).collect();
            batches(bodies).into_iter().map(move |batch| async move {
                match self.listeners.send(&listener.queue_url, &batch).await {
                    Ok(true) => {}
                    Ok(false) => tracing::debug!(queue = %listener.queue_url, "a listener's queue is gone: skipped"),
                    Err(error) => {
                        tracing::warn!(queue = %listener.queue_url, %error, "cannot copy events to a listener");
                    }
                }
            })
        });
        futures_util::future::join_all(sends).await;
    }
}

/// `bodies` in `SendMessageBatch`es of at most [`BATCH_ENTRIES`] and [`BATCH_BYTES`].
fn batches(bodies: Vec<&str>) -> Vec<Vec<&str>> {
    let mut batches: Vec<Vec<&str>> = Vec::new();
    for body in bodies {
        match batches.last_mut() {
            Some(batch)
                if batch.len() < BATCH_ENTRIES
                    && batch.iter().map(|b| b.len()).sum::<usize>() + body.len() <= BATCH_BYTES =>
            {
                batch.push(body);
            }
            _ => batches.push(vec![body]),
        }
    }
    batches
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Listeners in memory: what was registered, what each queue was sent, and the reads made.
    #[derive(Debug, Default)]
    struct Memory {
        registered: Mutex<Vec<Listener>>,
        sent: Mutex<HashMap<String, Vec<String>>>,
        reads: AtomicUsize,
        fail_reads: std::sync::atomic::AtomicBool,
    }

    #[async_trait]
    impl Listeners for Memory {
        async fn registered(&self) -> Result<Vec<Listener>, String> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            if self.fail_reads.load(Ordering::SeqCst) {
                return Err("ProvisionedThroughputExceededException: slow down".into());
            }
            Ok(self.registered.lock().unwrap().clone())
        }

        async fn send(&self, queue_url: &str, bodies: &[&str]) -> Result<bool, String> {
            assert!(bodies.len() <= BATCH_ENTRIES);
            if queue_url.ends_with("gone") {
                return Ok(false);
            }
            let mut sent = self.sent.lock().unwrap();
            sent.entry(queue_url.to_owned()).or_default().extend(bodies.iter().map(|body| (*body).to_owned()));
            Ok(true)
        }
    }

    fn listener(url: &str, expires_in: i64, sources: Option<&[&str]>) -> Listener {
        Listener {
            queue_url: url.to_owned(),
            expires_at: hookway_core::unix_now() + expires_in,
            sources: sources.map(|sources| sources.iter().map(|s| (*s).to_owned()).collect()),
        }
    }

    fn events(of: &[(&str, &str)]) -> Vec<(String, String)> {
        of.iter().map(|(source, body)| ((*source).to_owned(), (*body).to_owned())).collect()
    }

    #[tokio::test]
    async fn each_live_listener_gets_the_events_of_the_sources_it_follows() {
        let memory = Arc::new(Memory::default());
        *memory.registered.lock().unwrap() = vec![
            listener("q/all", 120, None),
            listener("q/stripe", 120, Some(&["stripe"])),
            listener("q/expired", -1, None),
            listener("q/gone", 120, None),
        ];
        let listening = Listening::new(memory.clone());
        let many: Vec<(String, String)> = (0..12).map(|i| ("stripe".to_owned(), format!("s{i}"))).collect();
        listening.copy(&[events(&[("github", "g1")]), many].concat()).await;
        let sent = memory.sent.lock().unwrap().clone();
        assert_eq!(sent["q/all"].len(), 13, "in two batches of at most ten");
        assert_eq!(sent["q/all"][0], "g1");
        assert_eq!(sent["q/stripe"].len(), 12, "its source only");
        assert!(!sent.contains_key("q/expired"), "an expired listener is ignored");
        assert!(!sent.contains_key("q/gone"));
    }

    #[tokio::test]
    async fn the_listeners_are_read_at_most_once_per_refresh_and_never_for_nothing() {
        let memory = Arc::new(Memory::default());
        let listening = Listening::new(memory.clone());
        listening.copy(&[]).await;
        assert_eq!(memory.reads.load(Ordering::SeqCst), 0, "a batch of retries and replays reads nothing");
        assert!(!listening.none_live(), "unknown until read");
        listening.copy(&events(&[("stripe", "a")])).await;
        listening.copy(&events(&[("stripe", "b")])).await;
        assert_eq!(memory.reads.load(Ordering::SeqCst), 1, "one read for both batches");
        assert!(listening.none_live(), "none registered");
        assert!(memory.sent.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_failed_read_sends_nothing_and_is_not_retried_at_once() {
        let memory = Arc::new(Memory::default());
        *memory.registered.lock().unwrap() = vec![listener("q/all", 120, None)];
        memory.fail_reads.store(true, Ordering::SeqCst);
        let listening = Listening::new(memory.clone());
        listening.copy(&events(&[("stripe", "a")])).await;
        listening.copy(&events(&[("stripe", "b")])).await;
        assert_eq!(memory.reads.load(Ordering::SeqCst), 1);
        assert!(memory.sent.lock().unwrap().is_empty());
    }

    #[test]
    fn the_registry_item_reads_back() {
        let entry = |expires: &str, sources: Option<Vec<&str>>| {
            let mut entry = HashMap::from([(EXPIRES_AT.to_owned(), AttributeValue::N(expires.to_owned()))]);
            if let Some(sources) = sources {
                let list = sources.into_iter().map(|s| AttributeValue::S(s.to_owned())).collect();
                entry.insert(SOURCES.to_owned(), AttributeValue::L(list));
            }
            AttributeValue::M(entry)
        };
        let queues = AttributeValue::M(HashMap::from([
            ("https://q/a".to_owned(), entry("100", None)),
            ("https://q/b".to_owned(), entry("200", Some(vec!["stripe"]))),
            ("https://q/c".to_owned(), AttributeValue::S("not an entry".into())),
        ]));
        let mut read = read_queues(&queues);
        read.sort_by(|a, b| a.queue_url.cmp(&b.queue_url));
        assert_eq!(
            read,
            [
                Listener { queue_url: "https://q/a".into(), expires_at: 100, sources: None },
                Listener { queue_url: "https://q/b".into(), expires_at: 200, sources: Some(vec!["stripe".into()]) },
            ]
        );
        assert!(read[1].follows("stripe") && !read[1].follows("github") && read[0].follows("github"));
    }
}
