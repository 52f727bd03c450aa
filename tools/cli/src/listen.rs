//! `hookway listen`: the stack's new events, forwarded to a service on this machine as they arrive.
//!
//! It creates an SQS queue of its own, `<stack>-listen-<8 hex>` (kept an hour at most, tagged), and
//! registers it in the state table's `listeners` item; the worker copies each new event there
//! beside its delivery ([`hookway_worker::listen`]), which it leaves as it is. Each event is POSTed
//! to `--forward-to` with its body as received (a claim-checked one read from the archive bucket),
//! its content type, the provider's headers the stack kept and `Hookway-Event-Id`; with
//! `--sign-secret`, Standard Webhooks headers too. The registration is renewed every
//! [`RENEW_EVERY`] ([`EXPIRES_IN`] ahead), beside the forwarding; Ctrl-C (or SIGTERM, SIGHUP)
//! removes it and deletes the queue. No queue, no poll and nothing billed for a listener while none
//! runs.
//!
//! Expiry times are this machine's clock: one off by more than a minute from the workers' and the
//! other listeners' shortens or stretches the three minutes a listener that died is kept.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::Write as _;
use std::pin::pin;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::error::ProvideErrorMetadata as _;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, QueueAttributeName};
use futures_util::future::{self, Either};
use hookway_core::archive::read_body;
use hookway_core::envelope::Envelope;
use hookway_core::scheme::{Key, Scheme, SignRequest};
use hookway_core::unix_now;
use hookway_worker::listen::{EXPIRES_AT, LISTENERS_PK, QUEUE_INFIX, QUEUES, REFRESH, SOURCES};
use serde_json::json;

use crate::error::CliError;
use crate::output::warnln;
use crate::stack::{Stack, StackArgs};

/// How often the registration is renewed.
pub const RENEW_EVERY: Duration = Duration::from_secs(60);
/// How far ahead a registration expires: a listener that died is forgotten then.
pub const EXPIRES_IN: Duration = Duration::from_secs(180);
/// After a renewal failed, the next try.
const RENEW_AGAIN: Duration = Duration::from_secs(10);
/// How long the queue keeps an event nobody received: an hour.
const RETENTION_SECONDS: &str = "3600";
/// The largest message the queue takes: SQS's most, 1 MiB, as the events queue's.
const MAXIMUM_MESSAGE_SIZE: &str = "1048576";
/// A long poll: one `ReceiveMessage` waits up to 20 s for events (180 an hour while none comes).
const LONG_POLL_SECONDS: i32 = 20;
/// The longest SQS queue name.
const QUEUE_NAME_MAX: usize = 80;
/// Event ids remembered, so that a copy SQS hands over twice is forwarded once.
const REMEMBERED: usize = 1000;

/// Follows the stack's new events and POSTs each to a service on this machine, until Ctrl-C.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where each event is POSTed: its body as received, its content type, the provider's
    /// headers the stack kept, and Hookway-Event-Id.
    #[arg(long, value_name = "URL")]
    forward_to: String,
    /// Only events of this source (repeat for more) [default: every source].
    #[arg(long = "source", value_name = "NAME")]
    sources: Vec<String>,
    /// Only events of this type (`*` matches anything: `invoice.*`; repeat for more).
    #[arg(long = "type", value_name = "TYPE")]
    types: Vec<String>,
    /// Also sign each request with Standard Webhooks headers (webhook-id, webhook-timestamp,
    /// webhook-signature) with this secret, for a local service that verifies them.
    #[arg(long, value_name = "whsec_…", env = "HOOKWAY_SIGN_SECRET", hide_env_values = true)]
    sign_secret: Option<SignSecret>,
    /// One JSON object a line per event: `{"receivedAt", "source", "type", "id", "status", "latencyMs", "error"}`.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    stack: StackArgs,
}

/// A `--sign-secret`, never shown (not even in a debug print).
#[derive(Clone)]
struct SignSecret(String);

impl From<String> for SignSecret {
    fn from(secret: String) -> SignSecret {
        SignSecret(secret)
    }
}

impl std::fmt::Debug for SignSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignSecret(…)")
    }
}

pub async fn run(args: Args) -> Result<ExitCode, CliError> {
    let target = reqwest::Url::parse(&args.forward_to)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .ok_or_else(|| CliError::Usage(format!("--forward-to {}: not an http(s) URL", args.forward_to)))?;
    let signer = args.sign_secret.as_ref().map(|secret| Signer::new(&secret.0)).transpose()?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|error| CliError::Http(error.to_string()))?;
    // From here on, Ctrl-C, SIGTERM and SIGHUP stop the listener, and it cleans up what it made.
    let stop = Stop::install()?;
    let stack_name = match args.stack.is_local() {
        true => hookway_core::local::state::DevState::running(&args.stack.state_dir)?.stack_name().to_owned(),
        false => args.stack.stack.clone(),
    };
    let stack = args.stack.resolve().await?;
    if stop.requested() {
        return Ok(ExitCode::SUCCESS);
    }
    let (listener, stopped) =
        match future::select(pin!(Listener::create(&stack, &stack_name, &args.sources)), pin!(stop.wait())).await {
            Either::Left((created, _)) => (created?, false),
            // Stopped while the queue was being made: it is finished, then removed.
            Either::Right(((), creating)) => (creating.await?, true),
        };
    let listened = match stopped {
        true => Ok(ExitCode::SUCCESS),
        false => {
            let forwarder = Forwarder { client, target, signer, stack: &stack };
            let what = if args.sources.is_empty() { "every source".to_owned() } else { args.sources.join(", ") };
            let listening = async {
                announce(&stack_name, &what, &forwarder.target, &listener).await?;
                listen(&args, &listener, &forwarder).await
            };
            tokio::select! {
                () = stop.wait() => Ok(ExitCode::SUCCESS),
                listened = listening => listened,
                never = keep_registered(&listener) => match never {},
            }
        }
    };
    // Whatever ended it (a signal, a closed pipe, an error), the queue goes; if it cannot, the
    // listener says which to delete, and ends as it would have.
    listener.remove().await;
    listened
}

/// Says which queue listens at once, and that it is ready once every worker can have seen the
/// registration (they read it again every [`REFRESH`]).
async fn announce(stack_name: &str, what: &str, target: &reqwest::Url, listener: &Listener) -> Result<(), CliError> {
    let mut err = std::io::stderr().lock();
    writeln!(err, "registered (queue {}); the stack's workers see it within {} s", listener.name, REFRESH.as_secs())?;
    drop(err);
    tokio::time::sleep(REFRESH).await;
    let mut err = std::io::stderr().lock();
    writeln!(err, "ready: forwarding {what} of {stack_name} to {target}; Ctrl-C to stop")?;
    Ok(())
}

/// Ctrl-C, SIGTERM or SIGHUP, each handled from the moment it is installed.
struct Stop(tokio::sync::watch::Receiver<bool>);

impl Stop {
    fn install() -> Result<Stop, CliError> {
        let (stopped, receiver) = tokio::sync::watch::channel(false);
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let mut interrupt = signal(SignalKind::interrupt())?;
            let mut terminate = signal(SignalKind::terminate())?;
            let mut hangup = signal(SignalKind::hangup())?;
            tokio::spawn(async move {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                    _ = hangup.recv() => {}
                }
                let _ = stopped.send(true);
            });
        }
        #[cfg(not(unix))]
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = stopped.send(true);
            }
        });
        Ok(Stop(receiver))
    }

    /// Whether a signal came.
    fn requested(&self) -> bool {
        *self.0.borrow()
    }

    /// Until a signal comes.
    async fn wait(&self) {
        let mut receiver = self.0.clone();
        if receiver.wait_for(|stopped| *stopped).await.is_err() {
            // No signal can come any more.
            std::future::pending::<()>().await;
        }
    }
}

/// Renews the registration every [`RENEW_EVERY`], beside the forwarding (a slow local service
/// does not hold it up), and says when it cannot: a registration not renewed for [`EXPIRES_IN`]
/// lapses, and the stack copies nothing to this listener until it is renewed.
async fn keep_registered(listener: &Listener) -> std::convert::Infallible {
    let mut renewed = tokio::time::Instant::now();
    let mut lapsed = false;
    let mut next = RENEW_EVERY;
    loop {
        tokio::time::sleep(next).await;
        match listener.renew().await {
            Ok(()) => {
                if lapsed {
                    warnln!("the registration is renewed: new events are forwarded again");
                }
                (renewed, lapsed, next) = (tokio::time::Instant::now(), false, RENEW_EVERY);
            }
            Err(error) => {
                let left = EXPIRES_IN.saturating_sub(renewed.elapsed());
                if left.is_zero() {
                    if !lapsed {
                        warnln!(
                            "the registration lapsed: the stack copies no event to this listener until it is renewed \
                             (trying every {} s): {error}",
                            RENEW_AGAIN.as_secs()
                        );
                    }
                    lapsed = true;
                } else {
                    warnln!(
                        "cannot renew the registration (it lapses in {} s), trying again in {} s: {error}",
                        left.as_secs(),
                        RENEW_AGAIN.as_secs()
                    );
                }
                next = RENEW_AGAIN;
            }
        }
    }
}

/// Receives and forwards, until the caller stops it.
async fn listen(args: &Args, listener: &Listener, forwarder: &Forwarder<'_>) -> Result<ExitCode, CliError> {
    let mut seen: (HashSet<String>, VecDeque<String>) = Default::default();
    loop {
        let messages = match listener.receive().await {
            Ok(messages) => messages,
            Err(error) => {
                warnln!("cannot receive, trying again: {error}");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let mut handled = Vec::with_capacity(messages.len());
        for message in messages {
            if let Some(receipt) = message.receipt_handle {
                handled.push(receipt);
            }
            let Some(body) = message.body else { continue };
            let envelope = match Envelope::from_json(&body) {
                Ok(envelope) => envelope,
                Err(error) => {
                    warnln!("a message that is not an event, skipped: {error}");
                    continue;
                }
            };
            if !wanted(args, &envelope) || !seen.0.insert(envelope.id.to_string()) {
                continue;
            }
            seen.1.push_back(envelope.id.to_string());
            if seen.1.len() > REMEMBERED
                && let Some(oldest) = seen.1.pop_front()
            {
                seen.0.remove(&oldest);
            }
            let forwarded = forwarder.forward(&envelope).await;
            show(&envelope, &forwarded, args.json)?;
        }
        if let Err(error) = listener.delete(handled).await {
            warnln!("cannot delete received events (they may come again): {error}");
        }
    }
}

/// Whether `--source` and `--type` let the event through.
fn wanted(args: &Args, envelope: &Envelope<'_>) -> bool {
    (args.sources.is_empty() || args.sources.iter().any(|source| *source == envelope.source))
        && (args.types.is_empty()
            || envelope.event_type.as_deref().is_some_and(|event_type| {
                args.types.iter().any(|pattern| hookway_core::config::glob_matches(pattern, event_type))
            }))
}

/// A listener's queue and registration.
struct Listener {
    sqs: aws_sdk_sqs::Client,
    dynamodb: aws_sdk_dynamodb::Client,
    table: String,
    name: String,
    url: String,
    sources: Vec<String>,
}

impl Listener {
    /// Creates the queue and registers it; then removes the registrations of listeners that
    /// expired, and their queues.
    async fn create(stack: &Stack, stack_name: &str, sources: &[String]) -> Result<Listener, CliError> {
        let suffix = &uuid::Uuid::new_v4().simple().to_string()[..8];
        let name = format!("{stack_name}{QUEUE_INFIX}{suffix}");
        if name.len() > QUEUE_NAME_MAX {
            return Err(CliError::Usage(format!(
                "the stack's name is too long for a listener's queue ({name} is over {QUEUE_NAME_MAX} characters)"
            )));
        }
        // A long poll outlasts the SDK's usual attempt timeout.
        let timeouts = aws_sdk_sqs::config::timeout::TimeoutConfig::builder()
            .operation_attempt_timeout(Duration::from_secs(u64::from(LONG_POLL_SECONDS.unsigned_abs()) + 5))
            .operation_timeout(Duration::from_secs(u64::from(LONG_POLL_SECONDS.unsigned_abs()) + 10))
            .build();
        let sqs = aws_sdk_sqs::Client::from_conf(
            aws_sdk_sqs::config::Builder::from(&stack.aws).timeout_config(timeouts).build(),
        );
        let created = sqs
            .create_queue()
            .queue_name(&name)
            .attributes(QueueAttributeName::MessageRetentionPeriod, RETENTION_SECONDS)
            .attributes(QueueAttributeName::MaximumMessageSize, MAXIMUM_MESSAGE_SIZE)
            .attributes(QueueAttributeName::SqsManagedSseEnabled, "true")
            .tags("hookway:stack", stack_name)
            .tags("hookway:purpose", "hookway listen")
            .send()
            .await
            .map_err(CliError::aws)?;
        let url = created.queue_url.unwrap_or_default();
        let listener = Listener {
            sqs,
            dynamodb: aws_sdk_dynamodb::Client::new(&stack.aws),
            table: stack.table.clone(),
            name,
            url,
            sources: sources.to_vec(),
        };
        if let Err(error) = listener.register().await {
            let _ = listener.sqs.delete_queue().queue_url(&listener.url).send().await;
            return Err(error);
        }
        listener.prune().await;
        Ok(listener)
    }

    /// Registers the queue: creates the `listeners` item's map if it is absent, then sets its
    /// entry. The item carries no expiry of its own (an older one's is removed): only its
    /// entries expire.
    async fn register(&self) -> Result<(), CliError> {
        self.dynamodb
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(LISTENERS_PK.to_owned()))
            .update_expression("SET #queues = if_not_exists(#queues, :empty) REMOVE #expires")
            .expression_attribute_names("#queues", QUEUES)
            .expression_attribute_names("#expires", EXPIRES_AT)
            .expression_attribute_values(":empty", AttributeValue::M(Default::default()))
            .send()
            .await
            .map_err(CliError::aws)?;
        self.set_entry().await.map_err(CliError::aws)
    }

    /// Renews the registration; if the map is gone (the item was deleted meanwhile), registers
    /// afresh.
    async fn renew(&self) -> Result<(), CliError> {
        match self.set_entry().await {
            Err(error) if error.code() == Some("ValidationException") => self.register().await,
            renewed => renewed.map_err(CliError::aws),
        }
    }

    /// Sets the queue's entry: [`EXPIRES_IN`] from now, and the sources it follows.
    async fn set_entry(
        &self,
    ) -> Result<(), aws_sdk_dynamodb::error::SdkError<aws_sdk_dynamodb::operation::update_item::UpdateItemError>> {
        let expires_at = unix_now() + i64::try_from(EXPIRES_IN.as_secs()).unwrap_or(180);
        let mut entry = HashMap::from([(EXPIRES_AT.to_owned(), number(expires_at))]);
        if !self.sources.is_empty() {
            let sources = self.sources.iter().map(|source| AttributeValue::S(source.clone())).collect();
            entry.insert(SOURCES.to_owned(), AttributeValue::L(sources));
        }
        self.dynamodb
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(LISTENERS_PK.to_owned()))
            .update_expression("SET #queues.#queue = :entry")
            .expression_attribute_names("#queues", QUEUES)
            .expression_attribute_names("#queue", &self.url)
            .expression_attribute_values(":entry", AttributeValue::M(entry))
            .send()
            .await
            .map(drop)
    }

    /// Removes the entries of listeners that expired (each only if it is still expired: one
    /// renewed meanwhile stays), and deletes their queues. What it cannot do, it says, and
    /// listens all the same.
    async fn prune(&self) {
        let key = AttributeValue::S(LISTENERS_PK.to_owned());
        let read = self.dynamodb.get_item().table_name(&self.table).key("pk", key.clone()).consistent_read(true).send();
        let item = match read.await {
            Ok(item) => item,
            Err(error) => return warnln!("cannot look for expired listeners: {}", CliError::aws(error)),
        };
        let now = unix_now();
        let expired = item
            .item
            .as_ref()
            .and_then(|item| item.get(QUEUES))
            .map(hookway_worker::listen::read_queues)
            .unwrap_or_default()
            .into_iter()
            .filter(|listener| listener.expires_at < now && listener.queue_url != self.url);
        for listener in expired {
            let removed = self
                .dynamodb
                .update_item()
                .table_name(&self.table)
                .key("pk", key.clone())
                .update_expression("REMOVE #queues.#queue")
                .condition_expression("#queues.#queue.#expires < :now")
                .expression_attribute_names("#queues", QUEUES)
                .expression_attribute_names("#queue", &listener.queue_url)
                .expression_attribute_names("#expires", EXPIRES_AT)
                .expression_attribute_values(":now", number(now))
                .send()
                .await;
            match removed {
                Ok(_) => {}
                // Renewed meanwhile, or removed by another: not this one's to remove.
                Err(error) if error.code() == Some("ConditionalCheckFailedException") => continue,
                Err(error) => {
                    warnln!("cannot remove an expired listener: {}", CliError::aws(error));
                    continue;
                }
            }
            let deleted = self.sqs.delete_queue().queue_url(&listener.queue_url).send().await;
            if let Err(error) = deleted
                && !error.as_service_error().is_some_and(|e| e.is_queue_does_not_exist())
            {
                warnln!("cannot delete an expired listener's queue {}: {}", listener.queue_url, CliError::aws(error));
            }
        }
    }

    /// Up to ten events, waiting up to 20 s for the first.
    async fn receive(&self) -> Result<Vec<aws_sdk_sqs::types::Message>, CliError> {
        let received = self
            .sqs
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(10)
            .wait_time_seconds(LONG_POLL_SECONDS)
            .send()
            .await
            .map_err(CliError::aws)?;
        Ok(received.messages.unwrap_or_default())
    }

    /// Deletes the messages handled.
    async fn delete(&self, receipts: Vec<String>) -> Result<(), CliError> {
        if receipts.is_empty() {
            return Ok(());
        }
        let mut request = self.sqs.delete_message_batch().queue_url(&self.url);
        for (index, receipt) in receipts.into_iter().enumerate() {
            let entry = DeleteMessageBatchRequestEntry::builder().id(index.to_string()).receipt_handle(receipt).build();
            request = request.entries(entry.map_err(|error| CliError::Aws(error.to_string()))?);
        }
        request.send().await.map_err(CliError::aws)?;
        Ok(())
    }

    /// Removes the registration and deletes the queue; what it cannot do, it says how to do.
    async fn remove(&self) {
        let deregistered = self
            .dynamodb
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(LISTENERS_PK.to_owned()))
            .update_expression("REMOVE #queues.#queue")
            .expression_attribute_names("#queues", QUEUES)
            .expression_attribute_names("#queue", &self.url)
            .send()
            .await;
        if let Err(error) = deregistered {
            warnln!(
                "cannot remove the registration (it expires within {} s): {}",
                EXPIRES_IN.as_secs(),
                CliError::aws(error)
            );
        }
        if let Err(error) = self.sqs.delete_queue().queue_url(&self.url).send().await {
            warnln!(
                "cannot delete the listener's queue: {}; delete it with: aws sqs delete-queue --queue-url {}",
                CliError::aws(error),
                self.url
            );
        }
    }
}

fn number(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// Signs with a Standard Webhooks secret, through the catalog's `standard-webhooks` scheme.
struct Signer {
    scheme: Scheme,
    key: Key,
}

impl Signer {
    fn new(secret: &str) -> Result<Signer, CliError> {
        if !secret.starts_with("whsec_") {
            return Err(CliError::Usage("--sign-secret: a Standard Webhooks secret, whsec_ and base64".into()));
        }
        let scheme = Scheme::named("standard-webhooks")
            .ok_or_else(|| CliError::Usage("the standard-webhooks scheme is not in this build".into()))?;
        // In words of its own: a key's error could quote what it was given.
        let key = scheme
            .key(secret, None)
            .map_err(|_| CliError::Usage("--sign-secret: not a Standard Webhooks secret (whsec_ and base64)".into()))?;
        Ok(Signer { scheme, key })
    }

    /// The headers for `body` of event `id`, signed now.
    fn headers(&self, id: &str, body: &[u8], url: &str) -> Result<Vec<(String, String)>, CliError> {
        let request = SignRequest { id, timestamp: unix_now(), body, method: "POST", url };
        let signed = self.scheme.sign(&self.key, &request).map_err(|error| CliError::Usage(error.to_string()))?;
        Ok(signed.headers)
    }
}

/// POSTs events to the local service.
struct Forwarder<'s> {
    client: reqwest::Client,
    target: reqwest::Url,
    signer: Option<Signer>,
    stack: &'s Stack,
}

/// What the local service answered, or why it could not.
struct Forwarded {
    status: Option<u16>,
    latency: Duration,
    error: Option<String>,
}

impl Forwarder<'_> {
    async fn forward(&self, envelope: &Envelope<'_>) -> Forwarded {
        let started = Instant::now();
        let failed = |error: String| Forwarded { status: None, latency: started.elapsed(), error: Some(error) };
        let body = match &envelope.body_object {
            Some(object) => match read_body(self.stack.bucket(), object).await {
                Ok(body) => body.to_vec(),
                Err(error) => return failed(format!("cannot read the body from the archive bucket: {error}")),
            },
            None => match envelope.body_bytes() {
                Ok(body) => body.into_owned(),
                Err(error) => return failed(error.to_string()),
            },
        };
        let mut headers = reqwest::header::HeaderMap::new();
        let mut add = |name: &str, value: &str| {
            if let (Ok(name), Ok(value)) = (
                reqwest::header::HeaderName::from_bytes(name.as_bytes()),
                reqwest::header::HeaderValue::from_str(value),
            ) {
                headers.insert(name, value);
            }
        };
        for (name, value) in &envelope.headers {
            add(name, value);
        }
        if let Some(content_type) = &envelope.content_type {
            add("content-type", content_type);
        }
        add("hookway-event-id", &envelope.id);
        if let Some(signer) = &self.signer {
            match signer.headers(&envelope.id, &body, self.target.as_str()) {
                Ok(signed) => signed.iter().for_each(|(name, value)| add(name, value)),
                Err(error) => return failed(error.to_string()),
            }
        }
        let started = Instant::now();
        match self.client.post(self.target.clone()).headers(headers).body(body).send().await {
            Ok(response) => {
                Forwarded { status: Some(response.status().as_u16()), latency: started.elapsed(), error: None }
            }
            Err(error) => failed(connection_words(&error, &self.target)),
        }
    }
}

/// Why the local service could not be reached, in words.
fn connection_words(error: &reqwest::Error, target: &reqwest::Url) -> String {
    if error.is_connect() {
        format!("cannot connect to {target}: is your service running?")
    } else if error.is_timeout() {
        format!("{target} did not answer within 30 s")
    } else {
        format!("{target}: {error}")
    }
}

/// One line for the event.
fn show(envelope: &Envelope<'_>, forwarded: &Forwarded, json: bool) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    let latency_ms = u64::try_from(forwarded.latency.as_millis()).unwrap_or(u64::MAX);
    if json {
        let line = json!({
            "receivedAt": envelope.received_at, "source": envelope.source, "type": envelope.event_type,
            "id": envelope.id, "status": forwarded.status, "latencyMs": latency_ms, "error": forwarded.error,
        });
        writeln!(out, "{line}")?;
    } else {
        let event_type = envelope.event_type.as_deref().unwrap_or("-");
        let answer = match (&forwarded.status, &forwarded.error) {
            (Some(status), _) => format!("{status} in {latency_ms} ms"),
            (None, Some(error)) => format!("error: {error}"),
            (None, None) => "-".to_owned(),
        };
        writeln!(out, "{}  {}  {event_type}  {}  {answer}", envelope.received_at, envelope.source, envelope.id)?;
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sign_secret_is_a_standard_webhooks_one() {
        assert!(matches!(Signer::new("sk_live_1"), Err(CliError::Usage(_))));
        let signer = Signer::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let headers = signer.headers("evt_1", b"{}", "http://127.0.0.1:1/hook").unwrap();
        let header = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, value)| value.as_str());
        assert_eq!(header("webhook-id"), Some("evt_1"));
        assert!(header("webhook-timestamp").is_some());
        assert!(header("webhook-signature").is_some_and(|signature| signature.starts_with("v1,")));
    }
}
