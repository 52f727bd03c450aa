//! The local inspector: `http://127.0.0.1:3000/_hookway/`, served by `hookway dev` only.
//!
//! A live list of the events received (time, source, type, id, status, deliveries), filtered by
//! source, type and status; an event's detail (the headers the intake kept, the body
//! pretty-printed, each delivery's attempts, last answer and error, each replay run's); a
//! "replay" button; and the dead letters, each with "redrive". It is a client of the operator
//! commands' own functions — [`events::listed`], [`events::lookup`], [`replay::plan`] and
//! [`replay::send`], [`dlq::letters`] and [`dlq::redrive_matching`] — not a second
//! implementation of them; the local gateway serves it under [`MOUNT_PREFIX`] (nothing of it is
//! deployed).
//!
//! Server-rendered HTML; `app.js` refreshes the list and the detail every two seconds by fetching
//! fragments the server rendered, and posts the buttons. No CDN, no build step: it works offline.
//!
//! What it renders from events is attacker-controlled (a body, a header, an id, a type): every
//! such string is HTML-escaped ([`escape`]), links carry it URL-encoded, and the pages forbid
//! inline scripts and any other origin by their `Content-Security-Policy`. The gateway has
//! already refused a foreign `Host` (DNS rebinding) or `Origin`; the buttons' `POST`s must also
//! carry `X-Hookway-Inspector`, which no form and no cross-origin page can send without a
//! preflight the gateway does not grant.

use std::fmt::Write as _;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use clap::ValueEnum;
use hookway_core::Config;
use hookway_core::store::RecordStatus;
use hookway_dev::gateway::{Answer, MOUNT_PREFIX, Mount};
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::Full;
use tokio::sync::OnceCell;

use crate::archive::Status;
use crate::config::Loaded;
use crate::dlq::{self, Queue, Redrive, Redriven};
use crate::error::CliError;
use crate::events::{self, Listed};
use crate::filter::{Filter, parse_time};
use crate::output::warnln;
use crate::replay;
use crate::stack::{Stack, StackArgs};

/// The header the buttons' requests carry.
pub const BUTTON_HEADER: &str = "x-hookway-inspector";
/// The most dead letters a page shows, per queue.
const LETTERS_SHOWN: usize = 50;
/// The most events the list shows (the newest).
const EVENTS_SHOWN: usize = 500;
/// The windows the list offers, and the one it shows first.
const SPANS: [&str; 4] = ["15m", "1h", "6h", "1d"];
const DEFAULT_SPAN: &str = "1h";
/// How the inspector's replay runs pace their events (one event a click).
const REPLAY_RATE: f64 = 50.0;

const STYLE: &str = include_str!("inspector/style.css");
const SCRIPT: &str = include_str!("inspector/app.js");
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
     img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The inspector of the local stack whose state is in `state_dir`.
#[derive(Debug)]
pub struct Inspector {
    state_dir: PathBuf,
    config: OnceCell<Config>,
    stack: OnceCell<Stack>,
}

impl Inspector {
    /// For the stack `hookway dev` runs with this state folder.
    pub fn new(state_dir: PathBuf) -> Inspector {
        Inspector { state_dir, config: OnceCell::new(), stack: OnceCell::new() }
    }

    /// The configuration the stack runs, read once: the copy `hookway dev` put in the state folder
    /// as it started, which the functions read too (an edit of the file given reaches neither
    /// before the next start). An error names the file, on the page and on stderr.
    async fn config(&self) -> Result<&Config, CliError> {
        let staged = self.state_dir.join(hookway_core::env::CONFIG_FILE);
        self.config.get_or_try_init(|| async move { Loaded::read(&staged).map(|loaded| loaded.config) }).await
    }

    /// The local stack, once its state file is written (the gateway may answer before).
    async fn stack(&self) -> Result<&Stack, CliError> {
        let args = StackArgs { local: true, stack: String::new(), state_dir: self.state_dir.clone() };
        self.stack.get_or_try_init(|| async move { args.resolve().await }).await
    }

    async fn route(&self, request: Request<Bytes>) -> Answer {
        let path = request.uri().path().to_owned();
        let query = Query::parse(request.uri().query());
        let route = path.strip_prefix(MOUNT_PREFIX).unwrap_or_default();
        let method = request.method().clone();
        if method == Method::POST && !request.headers().contains_key(BUTTON_HEADER) {
            return text(StatusCode::FORBIDDEN, "the inspector's buttons send X-Hookway-Inspector");
        }
        let answer = match (method, route) {
            (Method::GET, _) if path == "/_hookway" => {
                return redirect(MOUNT_PREFIX);
            }
            (Method::GET, "style.css") => return asset(STYLE, "text/css; charset=utf-8"),
            (Method::GET, "app.js") => return asset(SCRIPT, "text/javascript; charset=utf-8"),
            (Method::GET, "") => self.list_page(&query).await.map(html),
            (Method::GET, "rows") => self.rows(&query).await.map(html),
            (Method::GET, "event") => self.event_page(&query).await.map(html),
            (Method::GET, "event/live") => self.event_live(&query).await.map(html),
            (Method::GET, "dlq") => self.dlq_page().await.map(html),
            (Method::POST, "replay") => self.replay(&Query::parse(std::str::from_utf8(request.body()).ok())).await,
            (Method::POST, "redrive") => self.redrive(&Query::parse(std::str::from_utf8(request.body()).ok())).await,
            _ => return text(StatusCode::NOT_FOUND, "no such page"),
        };
        answer.unwrap_or_else(|error| {
            warnln!("[inspector] {path}: {error}");
            // What was asked cannot be done (an event no longer archived, a bad filter) is the
            // asker's; anything else is the stack's, which may come back.
            let status = if matches!(error, CliError::Usage(_)) {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            text(status, &error.to_string())
        })
    }

    /// The sources of the configuration, for the filter.
    async fn sources(&self) -> Result<Vec<String>, CliError> {
        Ok(self.config().await?.sources.iter().map(|source| source.name.clone()).collect())
    }

    async fn list_page(&self, query: &Query) -> Result<String, CliError> {
        let mut page = head("Events");
        page.push_str("<form id=\"filters\" class=\"filters\" method=\"get\" action=\"/_hookway/\">");
        let source = query.get("source").unwrap_or_default();
        let _ =
            write!(page, "<label>source <select name=\"source\" id=\"filter-source\"><option value=\"\">any</option>");
        for name in self.sources().await? {
            let selected = if name == source { " selected" } else { "" };
            let _ = write!(page, "<option value=\"{0}\"{selected}>{0}</option>", escape(&name));
        }
        page.push_str("</select></label>");
        let _ = write!(
            page,
            "<label>type <input name=\"type\" id=\"filter-type\" placeholder=\"invoice.*\" value=\"{}\"></label>",
            escape(query.get("type").unwrap_or_default())
        );
        let since = query.get("since").filter(|since| SPANS.contains(since)).unwrap_or(DEFAULT_SPAN);
        page.push_str("<label>received in the last <select name=\"since\" id=\"filter-since\">");
        for span in SPANS {
            let selected = if span == since { " selected" } else { "" };
            let _ = write!(page, "<option{selected}>{span}</option>");
        }
        page.push_str("</select></label>");
        let status = query.get("status").unwrap_or_default();
        page.push_str("<label>status <select name=\"status\" id=\"filter-status\"><option value=\"\">any</option>");
        for name in Status::value_variants().iter().filter_map(ValueEnum::to_possible_value) {
            let name = name.get_name();
            let selected = if name == status { " selected" } else { "" };
            let _ = write!(page, "<option{selected}>{name}</option>");
        }
        page.push_str("</select></label><button type=\"submit\">filter</button></form>");
        page.push_str(
            "<table class=\"events\"><thead><tr><th>received</th><th>source</th><th>type</th><th>id</th>\
             <th>status</th><th>deliveries</th></tr></thead><tbody id=\"events\" data-live=\"/_hookway/rows\">",
        );
        page.push_str(&self.rows(query).await?);
        page.push_str("</tbody></table>");
        page.push_str("<p class=\"note\">Newest first; the list refreshes itself every 2 s.</p>");
        Ok(page + FOOT)
    }

    /// The list's rows, newest first.
    async fn rows(&self, query: &Query) -> Result<String, CliError> {
        let stack = self.stack().await?;
        // Each refresh lists the window's hours of every source: an hour is one listing each.
        let since = query.get("since").filter(|since| SPANS.contains(since)).unwrap_or(DEFAULT_SPAN);
        let filter = Filter {
            source: query.get("source").filter(|s| !s.is_empty()).map(str::to_owned),
            event_type: query.get("type").filter(|s| !s.is_empty()).map(str::to_owned),
            since: Some(parse_time(since).map_err(CliError::Usage)?),
            ..Filter::default()
        };
        let status = query.get("status").and_then(|status| Status::from_str(status, true).ok());
        let (listed, _, _) = events::listed(&filter, status, self.config().await?, stack).await?;
        let mut rows = String::new();
        for Listed { event, status, record } in listed.iter().rev().take(EVENTS_SHOWN) {
            let envelope = &event.envelope;
            let link =
                format!("/_hookway/event?source={}&id={}", url_encode(&envelope.source), url_encode(&envelope.id));
            let _ = write!(
                rows,
                "<tr class=\"event\" data-id=\"{id}\"><td>{at}</td><td>{source}</td><td>{event_type}</td>\
                 <td><a href=\"{link}\">{id}</a></td><td><span class=\"status {status}\">{status}</span></td><td>{deliveries}</td></tr>",
                id = escape(&envelope.id),
                at = escape(&envelope.received_at),
                source = escape(&envelope.source),
                event_type = escape(envelope.event_type.as_deref().unwrap_or("-")),
                link = escape(&link),
                status = status.name(),
                deliveries = escape(&deliveries_summary(record.as_ref())),
            );
        }
        if rows.is_empty() {
            rows.push_str("<tr class=\"empty\"><td colspan=\"6\">no event yet: send one with <code>hookway send … --local</code></td></tr>");
        }
        Ok(rows)
    }

    async fn event_page(&self, query: &Query) -> Result<String, CliError> {
        let (id, source) = (query.get("id").unwrap_or_default(), query.get("source").filter(|s| !s.is_empty()));
        let stack = self.stack().await?;
        let search = Filter { source: source.map(str::to_owned), ids: vec![id.to_owned()], ..Filter::default() };
        let (found, _) = events::lookup(id, source.map(str::to_owned), &search, self.config().await?, stack).await?;
        let mut page = head(&format!("Event {id}"));
        let Some(found) = found.into_iter().next() else {
            let _ = write!(page, "<p class=\"missing\">No event <code>{}</code> in the last day.</p>", escape(id));
            return Ok(page + FOOT);
        };
        let bucket = stack.bucket();
        let _ = write!(
            page,
            "<h2>event <code id=\"event-id\">{}</code> from <code>{}</code></h2>",
            escape(id),
            escape(&found.source)
        );
        let _ = write!(
            page,
            "<p><button id=\"replay\" data-source=\"{}\" data-id=\"{}\">replay</button> <span id=\"replay-result\"></span></p>",
            escape(&found.source),
            escape(id)
        );
        let live = format!("/_hookway/event/live?source={}&id={}", url_encode(&found.source), url_encode(id));
        let _ = write!(page, "<section id=\"live\" data-live=\"{}\">", escape(&live));
        page.push_str(&render_live(&found));
        page.push_str("</section>");
        if let Some(event) = &found.archived {
            let envelope = &event.envelope;
            page.push_str("<h3>received</h3><table class=\"facts\">");
            for (name, value) in [
                ("type", envelope.event_type.as_deref().unwrap_or("-")),
                ("received", &envelope.received_at),
                ("request", envelope.request_id.as_deref().unwrap_or("-")),
                ("content type", envelope.content_type.as_deref().unwrap_or("-")),
            ] {
                let _ = write!(page, "<tr><th>{name}</th><td>{}</td></tr>", escape(value));
            }
            let _ = write!(page, "<tr><th>archived</th><td>{}</td></tr></table>", escape(&event.location.to_string()));
            page.push_str("<h3>headers the intake kept</h3><table class=\"headers\">");
            for (name, value) in &envelope.headers {
                let _ = write!(page, "<tr><th>{}</th><td>{}</td></tr>", escape(name), escape(value));
            }
            if envelope.headers.is_empty() {
                page.push_str("<tr><td class=\"note\">none: this source's scheme keeps none</td></tr>");
            }
            page.push_str("</table><h3>body</h3>");
            let body = event.body(bucket).await?;
            let _ = write!(page, "<pre id=\"body\">{}</pre>", escape(&pretty(&body)));
        } else {
            page.push_str("<p>The archive no longer has this event's envelope and body.</p>");
        }
        Ok(page + FOOT)
    }

    /// The detail's changing part: the record, its deliveries, its replays.
    async fn event_live(&self, query: &Query) -> Result<String, CliError> {
        let (id, source) = (query.get("id").unwrap_or_default(), query.get("source").filter(|s| !s.is_empty()));
        let stack = self.stack().await?;
        let search = Filter { source: source.map(str::to_owned), ids: vec![id.to_owned()], ..Filter::default() };
        let (found, _) = events::lookup(id, source.map(str::to_owned), &search, self.config().await?, stack).await?;
        Ok(found.first().map(render_live).unwrap_or_default())
    }

    async fn dlq_page(&self) -> Result<String, CliError> {
        let stack = self.stack().await?;
        let mut page = head("Dead letters");
        for (queue, name) in [(Queue::Events, "events"), (Queue::Jobs, "jobs")] {
            let letters = dlq::letters(stack, queue, LETTERS_SHOWN).await?;
            let _ = write!(page, "<h2>{name} dead-letter queue: {}</h2>", letters.len());
            if letters.is_empty() {
                page.push_str("<p>empty</p>");
                continue;
            }
            let _ = write!(
                page,
                "<p><button class=\"redrive\" data-queue=\"{name}\" data-all=\"1\">redrive all</button></p>\
                 <table class=\"letters\" id=\"letters-{name}\"><thead><tr><th>id</th><th>source/type</th><th>time</th>\
                 <th>received</th><th>why</th><th></th></tr></thead><tbody>"
            );
            for letter in &letters {
                // A letter that cannot be read has no id to redrive it by: only "redrive all" takes it.
                let summary = letter.summary();
                let (id, source, event_type, at) = summary.unwrap_or_default();
                let button = if summary.is_some() {
                    format!(
                        "<button class=\"redrive\" data-queue=\"{name}\" data-id=\"{id}\" data-source=\"{source}\">redrive</button>",
                        id = escape(id),
                        source = escape(source),
                    )
                } else {
                    String::new()
                };
                let _ = write!(
                    page,
                    "<tr class=\"letter\" data-id=\"{id}\"><td>{id}</td><td>{source}/{event_type}</td><td>{at}</td><td>{count}x</td>\
                     <td>{reason}{deliveries}</td><td>{button}</td></tr>",
                    id = escape(id),
                    source = escape(source),
                    event_type = escape(event_type.unwrap_or("-")),
                    at = escape(at),
                    count = escape(&letter.receive_count()),
                    reason = escape(&letter.reason()),
                    deliveries = letter.record().map(render_deliveries).unwrap_or_default(),
                );
            }
            page.push_str("</tbody></table>");
        }
        page.push_str("<p id=\"redrive-result\"></p>");
        Ok(page + FOOT)
    }

    /// "replay": `hookway replay --id ID --source SOURCE`, as a run of its own each click.
    async fn replay(&self, form: &Query) -> Result<Answer, CliError> {
        let (Some(id), Some(source)) = (form.get("id"), form.get("source")) else {
            return Ok(text(StatusCode::BAD_REQUEST, "give id and source"));
        };
        let stack = self.stack().await?;
        let filter = Filter { source: Some(source.to_owned()), ids: vec![id.to_owned()], ..Filter::default() };
        let clicked = UNIX_EPOCH.elapsed().unwrap_or_default().as_millis();
        let run = replay::run_name(&format!("inspector {} {clicked}", filter.canonical(None)), None);
        let plan = replay::plan(&filter, None, Some(run), self.config().await?, stack).await?;
        let ttl = self.config().await?.record_ttl();
        let sent = replay::send(stack, &plan.run, &plan.pending, REPLAY_RATE, ttl).await?;
        Ok(text(StatusCode::OK, &format!("replayed {sent} event(s) (run {})", plan.run)))
    }

    /// "redrive": `hookway dlq redrive --queue Q --id ID [--source S]`, or the whole queue when
    /// asked in so many words (`all=1`): an empty or missing id is never taken for "all".
    async fn redrive(&self, form: &Query) -> Result<Answer, CliError> {
        let queue = match form.get("queue") {
            Some("jobs") => Queue::Jobs,
            _ => Queue::Events,
        };
        let filter = match (form.get("all"), form.get("id").filter(|id| !id.is_empty())) {
            (Some("1"), _) => Filter::default(),
            (_, Some(id)) => Filter {
                ids: vec![id.to_owned()],
                source: form.get("source").filter(|source| !source.is_empty()).map(str::to_owned),
                ..Filter::default()
            },
            _ => return Ok(text(StatusCode::BAD_REQUEST, "give id (and source), or all=1")),
        };
        let stack = self.stack().await?;
        let redrive = Redrive { queue, filter, max: usize::MAX, rate: REPLAY_RATE, dry_run: false };
        let mut said = Vec::new();
        dlq::redrive_matching(stack, &redrive, |redriven| {
            said.push(match redriven {
                Redriven::Sent(id) => format!("redriven: {id}"),
                Redriven::Would(letter) => format!("would redrive: {letter}"),
                Redriven::Failed(message, reason) => format!("not redriven: {message}: {reason}"),
            });
        })
        .await?;
        if said.is_empty() {
            said.push("nothing matched".into());
        }
        Ok(text(StatusCode::OK, &said.join("\n")))
    }
}

impl Mount for Inspector {
    fn answer(&self, request: Request<Bytes>) -> Pin<Box<dyn Future<Output = Answer> + Send + '_>> {
        Box::pin(self.route(request))
    }
}

/// The record, its deliveries and its replays, as the detail shows them.
fn render_live(found: &events::Found) -> String {
    let mut live = String::new();
    let Some(record) = &found.record else {
        live.push_str("<p class=\"status pending\" id=\"record-status\">not processed yet</p>");
        return live;
    };
    let _ = write!(
        live,
        "<p>status <span class=\"status {}\" id=\"record-status\">{}</span> after {} attempt(s); first seen {}, last change {}</p>",
        escape(&record.status.to_ascii_lowercase()),
        escape(&record.status),
        record.attempts,
        escape(&record.created_at),
        escape(&record.updated_at)
    );
    if let Some(error) = &record.error {
        let _ = write!(live, "<p class=\"error\">{}</p>", escape(error));
    }
    if let Some(next) = record.next_attempt() {
        let _ = write!(
            live,
            "<p>next attempt at {} ({})</p>",
            escape(&hookway_core::rfc3339_ms(next.at_ms)),
            events::wait_reason(next.reason)
        );
    }
    live.push_str("<h3>deliveries</h3>");
    live.push_str(&render_deliveries(record));
    let _ = write!(live, "<h3>replays: <span id=\"replay-count\">{}</span></h3>", found.replays.len());
    for (run, replayed) in &found.replays {
        match replayed {
            Some(replayed) => {
                let _ = write!(
                    live,
                    "<div class=\"replay\" data-run=\"{run}\"><p>run <code>{run}</code>: <span class=\"status {class}\">{status}</span> after {} attempt(s), last change {}</p>{}</div>",
                    replayed.attempts,
                    escape(&replayed.updated_at),
                    render_deliveries(replayed),
                    run = escape(run),
                    class = escape(&replayed.status.to_ascii_lowercase()),
                    status = escape(&replayed.status),
                );
            }
            None => {
                let _ = write!(
                    live,
                    "<div class=\"replay\"><p>run <code>{}</code>: sent, not processed yet</p></div>",
                    escape(run)
                );
            }
        }
    }
    live
}

/// One row per delivery: destination, status, attempts, last answer, when delivered, error.
fn render_deliveries(record: &RecordStatus) -> String {
    if record.deliveries.is_empty() {
        return "<p class=\"note\">no delivery: no route took it, or it was a duplicate</p>".into();
    }
    let mut table = String::from(
        "<table class=\"deliveries\"><thead><tr><th>#</th><th>destination</th><th>status</th><th>attempts</th>\
         <th>last answer</th><th>latency</th><th>delivered</th><th>error</th></tr></thead><tbody>",
    );
    for delivery in &record.deliveries {
        let delivered = delivery
            .delivered_at
            .and_then(|at| u64::try_from(at).ok())
            .map(|at| humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(at)).to_string())
            .unwrap_or_default();
        let _ = write!(
            table,
            "<tr class=\"delivery\"><td>{}</td><td>{}</td><td><span class=\"status {}\">{}</span></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            delivery.index,
            escape(&delivery.destination),
            delivery.status.name().to_ascii_lowercase(),
            delivery.status.name(),
            delivery.attempts,
            delivery.last_status.map(|status| status.to_string()).unwrap_or_else(|| "-".into()),
            delivery.latency_ms.map(|latency| format!("{latency} ms")).unwrap_or_else(|| "-".into()),
            escape(&delivered),
            escape(delivery.error.as_deref().unwrap_or("")),
        );
    }
    table.push_str("</tbody></table>");
    table
}

/// `2/2 succeeded`, `1/2 succeeded, 1 failed`, or `-` for an event without a record.
fn deliveries_summary(record: Option<&RecordStatus>) -> String {
    let Some(record) = record else { return "-".into() };
    let total = record.deliveries.len();
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for delivery in &record.deliveries {
        let name = delivery.status.name();
        match counts.iter_mut().find(|(status, _)| *status == name) {
            Some((_, count)) => *count += 1,
            None => counts.push((name, 1)),
        }
    }
    let mut summary = counts
        .iter()
        .map(|(status, count)| format!("{count}/{total} {}", status.to_ascii_lowercase()))
        .collect::<Vec<_>>()
        .join(", ");
    if summary.is_empty() {
        summary.push('-');
    }
    if !record.replays.is_empty() {
        let _ = write!(summary, " · {} replay(s)", record.replays.len());
    }
    summary
}

/// The body as a person reads it: JSON indented (its keys in the order sent, its numbers as
/// written), anything else as text.
fn pretty(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if serde_json::from_str::<serde_json::Value>(&text).is_err() {
        return text.into_owned();
    }
    let mut out = String::with_capacity(text.len() * 2);
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let mut chars = text.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                while chars.next_if(|next| next.is_ascii_whitespace()).is_some() {}
                if chars.peek().is_some_and(|next| matches!(next, '}' | ']')) {
                    continue;
                }
                depth += 1;
                newline(&mut out, depth);
            }
            '}' | ']' => {
                if !matches!(out.chars().last(), Some('{' | '[')) {
                    depth = depth.saturating_sub(1);
                    newline(&mut out, depth);
                }
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_ascii_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

/// Text made inert in HTML, in an element or in a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

fn url_encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A query string or a form body, decoded.
#[derive(Debug, Default)]
struct Query(Vec<(String, String)>);

impl Query {
    fn parse(text: Option<&str>) -> Query {
        Query(text.map(|text| form_urlencoded::parse(text.as_bytes()).into_owned().collect()).unwrap_or_default())
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

fn head(title: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} · Hookway inspector</title>\
         <link rel=\"stylesheet\" href=\"/_hookway/style.css\"><script src=\"/_hookway/app.js\" defer></script></head>\
         <body><header><h1><a href=\"/_hookway/\">Hookway inspector</a></h1><nav><a href=\"/_hookway/\">events</a> \
         <a href=\"/_hookway/dlq\">dead letters</a></nav></header><main>",
        escape(title)
    )
}

const FOOT: &str =
    "</main><footer>the local stack of <code>make dev</code>: nothing of this page is deployed</footer></body></html>";

fn respond(status: StatusCode, content_type: &'static str, body: String) -> Answer {
    let mut answer = Response::new(Full::new(Bytes::from(body)));
    *answer.status_mut() = status;
    let headers = answer.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    answer
}

fn html(body: String) -> Answer {
    respond(StatusCode::OK, "text/html; charset=utf-8", body)
}

fn text(status: StatusCode, body: &str) -> Answer {
    respond(status, "text/plain; charset=utf-8", body.to_owned())
}

fn asset(body: &'static str, content_type: &'static str) -> Answer {
    respond(StatusCode::OK, content_type, body.to_owned())
}

fn redirect(to: &'static str) -> Answer {
    let mut answer = respond(StatusCode::PERMANENT_REDIRECT, "text/plain; charset=utf-8", String::new());
    answer.headers_mut().insert(header::LOCATION, HeaderValue::from_static(to));
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_events_say_is_inert_in_html() {
        let hostile = r#"<script>alert("x")</script><img src=x onerror='y'>&"#;
        let escaped = escape(hostile);
        assert!(!escaped.contains('<') && !escaped.contains('>') && !escaped.contains('"') && !escaped.contains('\''));
        assert_eq!(escape("a&b"), "a&amp;b");
        assert_eq!(url_encode("a b&c=<d>"), "a+b%26c%3D%3Cd%3E");
    }

    #[tokio::test]
    async fn a_button_press_without_the_inspectors_header_is_refused_before_anything_runs() {
        // No stack runs in this folder: a press that got past the check would fail otherwise.
        let inspector = Inspector::new("/nonexistent".into());
        for path in ["/_hookway/replay", "/_hookway/redrive"] {
            let form = Request::post(path).body(Bytes::from_static(b"queue=events")).unwrap();
            assert_eq!(inspector.route(form).await.status(), StatusCode::FORBIDDEN, "{path}");
        }
        let page = inspector.route(Request::get("/_hookway/app.js").body(Bytes::new()).unwrap()).await;
        assert_eq!(page.headers()[header::CONTENT_TYPE], "text/javascript; charset=utf-8");
        assert!(page.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("script-src 'self'"));
        let missing = inspector.route(Request::get("/_hookway/nothing").body(Bytes::new()).unwrap()).await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn a_json_body_is_pretty_printed_and_any_other_shown_as_text() {
        assert_eq!(pretty(br#"{"a":1}"#), "{\n  \"a\": 1\n}");
        assert_eq!(
            pretty(br#"{"z": [1, 2.50, {}], "a": {"s": "x,{\"y\":[]}"}, "e": []}"#),
            "{\n  \"z\": [\n    1,\n    2.50,\n    {}\n  ],\n  \"a\": {\n    \"s\": \"x,{\\\"y\\\":[]}\"\n  },\n  \"e\": []\n}",
            "the keys in the order sent, numbers as written, strings untouched"
        );
        assert_eq!(pretty(b"plain"), "plain");
        assert_eq!(pretty(b"{not json"), "{not json");
    }
}
