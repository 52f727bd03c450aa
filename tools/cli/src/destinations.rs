//! `hookway destinations list|pause|resume`: where events go, how each destination stands, and
//! holding one's events while it is worked on.
//!
//! A destination is each place the configuration's routes send events, once: a `forward`
//! handler's URL (as the worker normalises it: `https://billing.internal/hooks`), or the name of
//! another handler (`log`, `custom report`), whose events can wait parked for a later attempt too.
//! Every worker instance shares each forward URL's circuit in the state table (`circuit#<url>`);
//! events that wait longer than half the oldest-message alarm's threshold, or that their destination holds, are parked in
//! their records, listed by destination in the table's `parked` index.
//!
//! * `list` — each destination: its circuit's state (`closed`, `open`, `half-open` once the
//!   cool-down is over and a probe is due or out, `paused`), how many events are parked for it
//!   and since when, and when it is probed next. One `BatchGetItem` for the circuits, and a
//!   `Query` of the `parked` index per destination, a page at a time, keeping only a count and the
//!   earliest time: a destination with hundreds of thousands parked lists in seconds.
//! * `pause --url URL` — the worker sends nothing more to it: its events are parked and held,
//!   none fails, no retry is used up and no alarm fires (the worker's `Paused` metric counts them).
//! * `resume --url URL` — the worker's sweep (every minute) releases the held events, at the
//!   destination's rate limit, and sends new ones again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use aws_sdk_dynamodb::types::AttributeValue;
use futures_util::future::try_join_all;
use hookway_core::Config;
use hookway_core::config::HandlerConfig;
use hookway_core::store::PARKED_INDEX;
use hookway_worker::release::MAX_RELEASE;
use hookway_worker::shared::{Circuit, DynamoShared, SharedState};
use serde_json::{Value, json};

use crate::config::Loaded;
use crate::error::CliError;
use crate::output::{json_line, out, outln};
use crate::stack::StackArgs;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Each destination once: its state (closed, open, half-open, paused), the events parked for
    /// it and the oldest, and its next probe.
    List {
        /// One JSON object a line: destination, state, parked, oldestParkedAt, nextProbeAt.
        #[arg(long)]
        json: bool,
        /// The configuration file the destinations are read from [default: the local stack's,
        /// else hookway.json].
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        #[command(flatten)]
        stack: StackArgs,
    },
    /// Hold a forward destination's events until it is resumed: nothing is sent to it, nothing
    /// fails, no alarm fires.
    Pause(Target),
    /// Send to a paused destination again: the worker's sweep releases its held events at its
    /// rate limit.
    Resume(Target),
}

#[derive(Debug, clap::Args)]
pub struct Target {
    /// The forward handler's URL, as the configuration gives it (or as `list` prints it).
    #[arg(long, value_name = "URL")]
    url: String,
    /// The configuration file the destinations are read from [default: the local stack's, else
    /// hookway.json].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    stack: StackArgs,
}

/// Index entries read per `Query` page.
const PAGE: i32 = 1_000;

pub async fn run(command: Command) -> Result<ExitCode, CliError> {
    match command {
        Command::List { json, config, stack } => list(json, &stack.config(config.as_deref()).await?, &stack).await,
        Command::Pause(target) => pause(&target, true).await,
        Command::Resume(target) => pause(&target, false).await,
    }
}

/// A destination of the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// What its circuit and parked events are filed under: a forward URL, normalised as the
    /// worker does, a target's ARN, else the handler's name.
    pub key: String,
    /// A forward handler's: only those have a circuit, and can be paused.
    pub forward: bool,
    /// Its rate limit (the first handler's to the URL, as the worker takes it).
    pub per_second: Option<u32>,
}

/// Each destination of the routes once, in the order they first appear: the worker's outlets.
pub fn destinations(config: &Config) -> Vec<Destination> {
    let mut destinations: Vec<Destination> = Vec::new();
    for handler in config.routes.iter().flat_map(|route| route.handlers()) {
        let destination = match handler {
            HandlerConfig::Forward(settings) => Destination {
                key: normalise(&settings.url).unwrap_or_else(|| handler.delivery_name()),
                forward: true,
                per_second: settings.rate_limit.as_ref().map(|limit| limit.per_second),
            },
            // A target's circuit and rate limit are its ARN's, as the worker files them.
            _ => match (handler.target_arn(), handler.target_delivery()) {
                (Some(arn), Some(delivery)) => Destination {
                    key: arn.to_owned(),
                    forward: false,
                    per_second: delivery.rate_limit.map(|limit| limit.per_second),
                },
                _ => Destination { key: handler.delivery_name(), forward: false, per_second: None },
            },
        };
        if !destinations.iter().any(|known| known.key == destination.key) {
            destinations.push(destination);
        }
    }
    destinations
}

/// A URL as the worker keys its destination.
fn normalise(url: &str) -> Option<String> {
    url.parse::<reqwest::Url>().ok().map(|url| url.to_string())
}

/// How a destination stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Events are sent.
    Closed,
    /// Failures opened its circuit: events wait until its cool-down ends.
    Open,
    /// The cool-down is over and the circuit not closed yet: a probe is due, or out.
    HalfOpen,
    /// An operator holds its events.
    Paused,
}

impl State {
    /// How `circuit` stands at `now_ms`.
    pub fn of(circuit: &Circuit, now_ms: i64) -> State {
        match circuit.open_until {
            _ if circuit.paused => State::Paused,
            None => State::Closed,
            Some(until) if until > now_ms => State::Open,
            Some(_) => State::HalfOpen,
        }
    }

    /// Its name, as `list` prints it.
    pub fn name(self) -> &'static str {
        match self {
            State::Closed => "closed",
            State::Open => "open",
            State::HalfOpen => "half-open",
            State::Paused => "paused",
        }
    }
}

/// The events parked for a destination: how many, and when the earliest was parked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Parked {
    /// How many.
    pub count: u64,
    /// The earliest `parkedAt` (Unix ms).
    pub oldest: Option<i64>,
}

impl Parked {
    /// One more, parked at `parked_at` (Unix ms) if known.
    fn add(&mut self, parked_at: Option<i64>) {
        self.count += 1;
        if let Some(at) = parked_at {
            self.oldest = Some(self.oldest.map_or(at, |oldest| oldest.min(at)));
        }
    }
}

/// A line of `list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The destination's key.
    pub destination: String,
    /// How it stands.
    pub state: State,
    /// What is parked for it.
    pub parked: Parked,
    /// When it is probed next (Unix ms): the end of its cool-down, while open or half-open.
    pub next_probe: Option<i64>,
}

impl Row {
    /// `destination`'s line, with its circuit and parked events, at `now_ms`.
    pub fn new(destination: &str, circuit: &Circuit, parked: Parked, now_ms: i64) -> Row {
        let state = State::of(circuit, now_ms);
        let next_probe = circuit.open_until.filter(|_| matches!(state, State::Open | State::HalfOpen));
        Row { destination: destination.to_owned(), state, parked, next_probe }
    }

    /// As `--json` prints it.
    pub fn json(&self) -> Value {
        json!({
            "destination": self.destination,
            "state": self.state.name(),
            "parked": self.parked.count,
            "oldestParkedAt": self.parked.oldest.map(hookway_core::rfc3339_ms),
            "nextProbeAt": self.next_probe.map(hookway_core::rfc3339_ms),
        })
    }
}

/// `rows` as a table with a header, each time with how long ago (or from now) it is.
pub fn table(rows: &[Row], now_ms: i64) -> String {
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|row| {
            let when = |at: Option<i64>| {
                at.map_or_else(
                    || "-".to_owned(),
                    |at| format!("{} ({})", hookway_core::rfc3339_ms(at), relative(at, now_ms)),
                )
            };
            [
                row.destination.clone(),
                row.state.name().to_owned(),
                row.parked.count.to_string(),
                when(row.parked.oldest),
                when(row.next_probe),
            ]
        })
        .collect();
    let header = ["DESTINATION", "STATE", "PARKED", "OLDEST PARKED", "NEXT PROBE"].map(str::to_owned);
    let mut widths = header.clone().map(|cell| cell.chars().count());
    for line in &cells {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for line in std::iter::once(&header).chain(&cells) {
        let padded: Vec<String> = line.iter().zip(widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        out.push_str(padded.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// How far `at` is from `now_ms`: `3m ago`, `in 25s`, `now`; in its largest unit, and the next
/// one for hours and days (`2h 5m ago`, `1d 4h ago`).
pub fn relative(at: i64, now_ms: i64) -> String {
    let seconds = (now_ms - at).abs() / 1000;
    let span = match seconds {
        0 => return "now".to_owned(),
        1..60 => format!("{seconds}s"),
        60..3_600 => format!("{}m", seconds / 60),
        3_600..86_400 => two_units(seconds / 3_600, "h", seconds % 3_600 / 60, "m"),
        _ => two_units(seconds / 86_400, "d", seconds % 86_400 / 3_600, "h"),
    };
    if at <= now_ms { format!("{span} ago") } else { format!("in {span}") }
}

fn two_units(major: i64, major_unit: &str, minor: i64, minor_unit: &str) -> String {
    if minor == 0 { format!("{major}{major_unit}") } else { format!("{major}{major_unit} {minor}{minor_unit}") }
}

/// `list`: each destination's line, as a table or one JSON object a line.
async fn list(json: bool, config: &Loaded, stack: &StackArgs) -> Result<ExitCode, CliError> {
    let destinations = destinations(&config.config);
    if destinations.is_empty() {
        if !json {
            outln!("no destination: the routes of {} send events nowhere", config.path.display())?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let stack = stack.resolve().await?;
    let client = aws_sdk_dynamodb::Client::new(&stack.aws);
    let shared = DynamoShared::new(client.clone(), &stack.table);
    let keys: Vec<&str> = destinations.iter().map(|destination| destination.key.as_str()).collect();
    let circuits = shared.circuits(&keys).await.map_err(CliError::aws_said)?;
    let parked = try_join_all(keys.iter().map(|key| parked(&client, &stack.table, key, PAGE))).await?;
    let now = hookway_core::unix_now_ms();
    let rows: Vec<Row> =
        keys.iter().zip(parked).map(|(key, parked)| Row::new(key, &circuit_of(&circuits, key), parked, now)).collect();
    if json {
        for row in &rows {
            json_line(&row.json())?;
        }
    } else {
        out!("{}", table(&rows, now))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn circuit_of(circuits: &HashMap<String, Circuit>, key: &str) -> Circuit {
    circuits.get(key).copied().unwrap_or_default()
}

/// The events parked for `destination`: counted `page` entries of the `parked` index at a time,
/// reading only when each was parked, so that no body is held.
async fn parked(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    destination: &str,
    page: i32,
) -> Result<Parked, CliError> {
    let mut parked = Parked::default();
    let mut start = None;
    loop {
        let output = client
            .query()
            .table_name(table)
            .index_name(PARKED_INDEX)
            .key_condition_expression("parkedFor = :destination")
            .expression_attribute_values(":destination", AttributeValue::S(destination.to_owned()))
            .projection_expression("parkedAt")
            .limit(page)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(CliError::aws)?;
        for item in output.items() {
            parked.add(item.get("parkedAt").and_then(|at| at.as_n().ok()).and_then(|at| at.parse().ok()));
        }
        start = output.last_evaluated_key;
        if start.is_none() {
            return Ok(parked);
        }
    }
}

/// The forward destination `url` names, or why none: not a URL, or not one of the configuration's.
pub fn pausable<'a>(destinations: &'a [Destination], url: &str, config: &Path) -> Result<&'a Destination, CliError> {
    let key = normalise(url);
    let found = destinations.iter().find(|destination| destination.forward && Some(&destination.key) == key.as_ref());
    found.ok_or_else(|| {
        let forwards: Vec<&str> = destinations
            .iter()
            .filter(|destination| destination.forward)
            .map(|destination| destination.key.as_str())
            .collect();
        let known = if forwards.is_empty() {
            "it has none (only forward handlers can be paused)".to_owned()
        } else {
            format!("its forward destinations are: {}", forwards.join(", "))
        };
        CliError::Usage(format!("{url} is not a destination of {}: {known}", config.display()))
    })
}

/// `pause` (`paused`) or `resume`.
async fn pause(target: &Target, paused: bool) -> Result<ExitCode, CliError> {
    let config = target.stack.config(target.config.as_deref()).await?;
    let destinations = destinations(&config.config);
    let destination = pausable(&destinations, &target.url, &config.path)?;
    let stack = target.stack.resolve().await?;
    let shared = DynamoShared::new(aws_sdk_dynamodb::Client::new(&stack.aws), &stack.table);
    let aws = CliError::aws_said::<hookway_core::store::StoreError>;
    let was = shared.circuit(&destination.key).await.map_err(aws)?;
    shared.pause(&destination.key, paused, hookway_core::unix_now_ms()).await.map_err(aws)?;
    outln!("{}", paused_message(destination, paused, was.paused))?;
    Ok(ExitCode::SUCCESS)
}

/// What `pause` (`paused`) or `resume` did to `destination`, which `was_paused` or not.
pub fn paused_message(destination: &Destination, paused: bool, was_paused: bool) -> String {
    let key = &destination.key;
    if paused {
        let already = if was_paused { " (it already was)" } else { "" };
        format!(
            "paused {key}{already}: nothing is sent to it; its events are parked and held until \
             `hookway destinations resume --url {key}` — none fails or uses up a retry, and no alarm \
             fires (the worker's Paused metric counts them)"
        )
    } else {
        let pace = destination
            .per_second
            .map_or_else(|| format!("up to {MAX_RELEASE} a sweep"), |rate| format!("at its rate limit, {rate}/s"));
        let was = if was_paused { "" } else { " (it was not paused)" };
        format!(
            "resumed {key}{was}: new events are sent to it, and the worker's next sweep (every minute) \
             releases its held events {pace}"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_996_500_000;

    fn config(routes: Value) -> Config {
        Config::from_json(
            &json!({"sources": [{"name": "stripe", "scheme": "stripe", "secretParameters": ["/s"]}], "routes": routes})
                .to_string(),
        )
        .unwrap()
    }

    #[test]
    fn each_destination_is_listed_once_under_the_key_the_worker_files_it() {
        let config = config(json!([
            {"source": "stripe", "type": "invoice.*", "handlers": [
                {"forward": {"url": "https://Billing.Example.com:443/hooks", "rateLimit": {"perSecond": 5}}},
                "log"
            ]},
            {"source": "stripe", "handlers": [
                {"forward": {"url": "https://billing.example.com/hooks", "rateLimit": {"perSecond": 9}}},
                {"custom": "report"}, "log"
            ]}
        ]));
        let listed = destinations(&config);
        let expected = [
            Destination { key: "https://billing.example.com/hooks".into(), forward: true, per_second: Some(5) },
            Destination { key: "log".into(), forward: false, per_second: None },
            Destination { key: "custom report".into(), forward: false, per_second: None },
        ];
        assert_eq!(listed, expected);
    }

    #[test]
    fn the_destinations_are_the_worker_s_outlets() {
        use std::sync::Arc;

        use hookway_worker::handler::Registry;
        use hookway_worker::router::{Router, Shared};
        use hookway_worker::secrets::Secrets;
        use hookway_worker::shared::MemoryShared;

        let config = config(json!([
            {"source": "stripe", "handlers": [
                {"forward": {"url": "https://billing.example.com:443/a/../hooks?x=1"}}, "log", {"custom": "report"}]},
            {"source": "*", "handlers": [{"forward": {"url": "http://127.0.0.1:9"}}, "log"]}
        ]));
        let registry = Registry::new().with("report", hookway_worker::handler::report::Report);
        let state: Arc<dyn SharedState> = Arc::new(MemoryShared::default());
        let shared = Shared {
            client: &reqwest::Client::new(),
            secrets: &Arc::new(Secrets::none()),
            state: &state,
            targets: None,
        };
        let router = Router::new(&config.routes, &registry, &shared).unwrap();
        let outlets: Vec<&str> = router.outlets().iter().map(|outlet| outlet.key.as_str()).collect();
        let listed = destinations(&config);
        assert_eq!(listed.iter().map(|destination| destination.key.as_str()).collect::<Vec<_>>(), outlets);
        assert_eq!(outlets[0], "https://billing.example.com/hooks?x=1");
    }

    #[tokio::test]
    async fn parked_events_are_counted_a_page_at_a_time() {
        let moto = hookway_testkit::MotoServer::start();
        let aws = moto.sdk_config().await;
        hookway_testkit::create_table(&aws, "state").await;
        let client = aws_sdk_dynamodb::Client::new(&aws);
        let number = |value: i64| AttributeValue::N(value.to_string());
        // Index entries as the store writes them (`parkedFor`, `parkedDue`, `parkedAt`): five for
        // billing, one of them without a time, and one elsewhere.
        let entries = [
            ("billing", Some(NOW - 60_000)),
            ("billing", Some(NOW - 7_000)),
            ("elsewhere", Some(NOW - 900_000)),
            ("billing", Some(NOW - 120_000)),
            ("billing", None),
            ("billing", Some(NOW)),
        ];
        for (index, (destination, parked_at)) in entries.into_iter().enumerate() {
            let index = i64::try_from(index).unwrap();
            let mut item = HashMap::from([
                ("pk".to_owned(), AttributeValue::S(format!("event#stripe#evt_{index}"))),
                ("parkedFor".to_owned(), AttributeValue::S(destination.into())),
                ("parkedDue".to_owned(), number(NOW + index)),
            ]);
            if let Some(at) = parked_at {
                item.insert("parkedAt".to_owned(), number(at));
            }
            client.put_item().table_name("state").set_item(Some(item)).send().await.unwrap();
        }
        let billing = parked(&client, "state", "billing", 2).await.unwrap();
        assert_eq!(billing, Parked { count: 5, oldest: Some(NOW - 120_000) }, "three pages of two");
        let elsewhere = parked(&client, "state", "elsewhere", 2).await.unwrap();
        assert_eq!(elsewhere, Parked { count: 1, oldest: Some(NOW - 900_000) });
        assert_eq!(parked(&client, "state", "nowhere", 2).await.unwrap(), Parked::default());
    }

    #[test]
    fn the_state_follows_the_circuit_and_a_pause_wins() {
        let closed = Circuit::default();
        let open = Circuit { open_until: Some(NOW + 1), failures: 5, ..Circuit::default() };
        let cooled = Circuit { open_until: Some(NOW), ..open };
        assert_eq!(State::of(&closed, NOW), State::Closed);
        assert_eq!(State::of(&Circuit { failures: 3, drain: true, ..closed }, NOW), State::Closed);
        assert_eq!(State::of(&open, NOW), State::Open);
        assert_eq!(State::of(&cooled, NOW), State::HalfOpen, "the cool-down is over: a probe is due");
        assert_eq!(State::of(&Circuit { paused: true, ..open }, NOW), State::Paused);
        assert_eq!(State::of(&Circuit { paused: true, ..closed }, NOW), State::Paused);
    }

    #[test]
    fn the_next_probe_is_the_end_of_the_cool_down_unless_paused() {
        let open = Circuit { open_until: Some(NOW + 25_000), ..Circuit::default() };
        assert_eq!(Row::new("u", &open, Parked::default(), NOW).next_probe, Some(NOW + 25_000));
        assert_eq!(Row::new("u", &open, Parked::default(), NOW + 30_000).next_probe, Some(NOW + 25_000));
        assert_eq!(Row::new("u", &Circuit { paused: true, ..open }, Parked::default(), NOW).next_probe, None);
        assert_eq!(Row::new("u", &Circuit::default(), Parked::default(), NOW).next_probe, None);
    }

    #[test]
    fn parked_events_are_counted_with_the_earliest_time() {
        let mut parked = Parked::default();
        for at in [Some(NOW - 5_000), Some(NOW - 180_000), None, Some(NOW)] {
            parked.add(at);
        }
        assert_eq!(parked, Parked { count: 4, oldest: Some(NOW - 180_000) });
    }

    #[test]
    fn times_are_told_relative_to_now() {
        assert_eq!(relative(NOW, NOW), "now");
        assert_eq!(relative(NOW - 999, NOW), "now");
        assert_eq!(relative(NOW - 42_000, NOW), "42s ago");
        assert_eq!(relative(NOW - 180_000, NOW), "3m ago");
        assert_eq!(relative(NOW - 3_600_000, NOW), "1h ago");
        assert_eq!(relative(NOW - 7_500_000, NOW), "2h 5m ago");
        assert_eq!(relative(NOW - 100_800_000, NOW), "1d 4h ago");
        assert_eq!(relative(NOW + 25_000, NOW), "in 25s");
    }

    #[test]
    fn a_row_prints_as_a_table_line_and_as_stable_json() {
        let open = Circuit { open_until: Some(NOW + 25_000), ..Circuit::default() };
        let rows = [
            Row::new("https://billing.example.com/hooks", &open, Parked { count: 2, oldest: Some(NOW - 180_000) }, NOW),
            Row::new("log", &Circuit::default(), Parked::default(), NOW),
        ];
        assert_eq!(
            table(&rows, NOW),
            "DESTINATION                        STATE   PARKED  OLDEST PARKED                      NEXT PROBE\n\
             https://billing.example.com/hooks  open    2       2026-11-29T23:52:00.000Z (3m ago)  \
             2026-11-29T23:55:25.000Z (in 25s)\n\
             log                                closed  0       -                                  -\n"
        );
        assert_eq!(
            rows[0].json(),
            json!({"destination": "https://billing.example.com/hooks", "state": "open", "parked": 2,
                   "oldestParkedAt": "2026-11-29T23:52:00.000Z", "nextProbeAt": "2026-11-29T23:55:25.000Z"})
        );
        assert_eq!(
            rows[1].json(),
            json!({"destination": "log", "state": "closed", "parked": 0, "oldestParkedAt": null, "nextProbeAt": null})
        );
    }

    #[test]
    fn only_a_forward_destination_of_the_configuration_can_be_paused() {
        let config = config(json!([
            {"source": "stripe", "handlers": [{"forward": {"url": "https://billing.example.com/hooks"}}, "log"]}
        ]));
        let listed = destinations(&config);
        let path = Path::new("hookway.json");
        let found = pausable(&listed, "https://BILLING.example.com:443/hooks", path).unwrap();
        assert_eq!(found.key, "https://billing.example.com/hooks", "named as the worker names it");
        for wrong in ["https://billing.example.com/other", "log", "not a url"] {
            let error = pausable(&listed, wrong, path).unwrap_err().to_string();
            assert!(matches!(pausable(&listed, wrong, path), Err(CliError::Usage(_))), "exit 2");
            assert_eq!(
                error,
                format!(
                    "{wrong} is not a destination of hookway.json: its forward destinations are: \
                     https://billing.example.com/hooks"
                )
            );
        }
        let no_forward = destinations(&config_with_log_only());
        let error = pausable(&no_forward, "https://billing.example.com/hooks", path).unwrap_err().to_string();
        assert!(error.ends_with("it has none (only forward handlers can be paused)"), "{error}");
    }

    fn config_with_log_only() -> Config {
        config(json!([{"source": "*", "handler": "log"}]))
    }

    #[test]
    fn pause_and_resume_say_what_happens_to_the_events() {
        let destination =
            Destination { key: "https://billing.example.com/hooks".into(), forward: true, per_second: Some(5) };
        let paused = paused_message(&destination, true, false);
        assert!(paused.starts_with("paused https://billing.example.com/hooks: nothing is sent"), "{paused}");
        assert!(paused.contains("held until `hookway destinations resume --url https://billing.example.com/hooks`"));
        assert!(paused.contains("no alarm") && paused.contains("Paused metric"), "{paused}");
        assert!(paused_message(&destination, true, true).contains("(it already was)"));
        let resumed = paused_message(&destination, false, true);
        assert!(resumed.contains("releases its held events at its rate limit, 5/s"), "{resumed}");
        assert!(paused_message(&destination, false, false).contains("(it was not paused)"));
        let unlimited = Destination { per_second: None, ..destination };
        assert!(paused_message(&unlimited, false, true).ends_with("releases its held events up to 1000 a sweep"));
    }
}
