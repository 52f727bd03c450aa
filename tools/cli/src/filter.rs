//! The filters `hookway events list`, `hookway replay` and `hookway dlq redrive` share: source,
//! type, a time window, ids. A TIME is an RFC 3339 time (`2026-11-22T05:00:00Z`) or a duration
//! ago (`2h`, `90m`, `1d`).

use std::time::{Duration, SystemTime};

use hookway_core::archive::Stamp;
use hookway_core::config::glob_matches;

use crate::error::CliError;
use crate::output::warnln;

/// `--source`, `--type`, `--since`, `--until`, `--id`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Filter {
    /// Only events of this source.
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,
    /// Only events of this type (`*` matches anything: `invoice.*`).
    #[arg(long = "type", value_name = "TYPE")]
    pub event_type: Option<String>,
    /// Only events received at or after TIME: RFC 3339, or a duration ago (`2h`, `30m`, `7d`).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub since: Option<SystemTime>,
    /// Only events received before TIME [default: now].
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub until: Option<SystemTime>,
    /// Only these events (repeat the option for several).
    #[arg(long = "id", value_name = "ID")]
    pub ids: Vec<String>,
}

/// A time window, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// From, inclusive.
    pub since: Stamp,
    /// To, exclusive.
    pub until: Stamp,
}

impl Window {
    /// Whether `received_at` (RFC 3339) falls in the window.
    pub fn contains(&self, received_at: &str) -> bool {
        Stamp::parse(received_at).is_some_and(|at| self.since <= at && at < self.until)
    }

    /// Each hour the window touches, as a time within it: the archive's prefixes to list.
    pub fn hours(&self) -> Vec<Stamp> {
        const HOUR: u64 = 3600;
        let seconds = |stamp: &Stamp| stamp.time().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_secs();
        let (first, last) = (seconds(&self.since) / HOUR, seconds(&self.until).saturating_sub(1) / HOUR);
        (first..=last.max(first))
            .map(|hour| Stamp::of(SystemTime::UNIX_EPOCH + Duration::from_secs(hour * HOUR)))
            .collect()
    }
}

impl Filter {
    /// The window: `--since` (or `default_span` before `--until`) to `--until` (or now).
    pub fn window(&self, default_span: Duration) -> Result<Window, CliError> {
        let until = self.until.unwrap_or_else(SystemTime::now);
        let since = self.since.unwrap_or_else(|| until.checked_sub(default_span).unwrap_or(SystemTime::UNIX_EPOCH));
        if since >= until {
            return Err(CliError::Usage("--since must be before --until".into()));
        }
        Ok(Window { since: Stamp::of(since), until: Stamp::of(until) })
    }

    /// Whether an event of `source`, `event_type`, received at `received_at`, passes the filter.
    pub fn matches(
        &self,
        id: &str,
        source: &str,
        event_type: Option<&str>,
        received_at: &str,
        window: &Window,
    ) -> bool {
        self.matches_any_time(id, source, event_type) && window.contains(received_at)
    }

    /// Whether an event passes the filter but for its time.
    pub fn matches_any_time(&self, id: &str, source: &str, event_type: Option<&str>) -> bool {
        self.source.as_deref().is_none_or(|wanted| wanted == source)
            && self
                .event_type
                .as_deref()
                .is_none_or(|pattern| event_type.is_some_and(|event_type| glob_matches(pattern, event_type)))
            && (self.ids.is_empty() || self.ids.iter().any(|wanted| wanted == id))
    }

    /// The filter as the command line would give it, times absolute (none for ids alone): what
    /// names a replay run.
    pub fn canonical(&self, window: Option<&Window>) -> String {
        let mut ids = self.ids.clone();
        ids.sort();
        format!(
            "source={} type={} since={} until={} ids={}",
            self.source.as_deref().unwrap_or("*"),
            self.event_type.as_deref().unwrap_or("*"),
            window.map_or("-", |window| window.since.as_str()),
            window.map_or("-", |window| window.until.as_str()),
            ids.join(",")
        )
    }
}

/// A TIME: RFC 3339, or a duration ago.
pub fn parse_time(text: &str) -> Result<SystemTime, String> {
    if let Some(time) = hookway_core::parse_rfc3339(text) {
        return Ok(time);
    }
    let ago = humantime::parse_duration(text)
        .map_err(|_| format!("`{text}` is neither an RFC 3339 time (2026-11-22T05:00:00Z) nor a duration ago (2h)"))?;
    SystemTime::now().checked_sub(ago).ok_or_else(|| format!("`{text}` ago is before the epoch"))
}

/// A `--rate`: `N/s`, or `N` (per second).
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let number = text.strip_suffix("/s").unwrap_or(text);
    match number.trim().parse::<f64>() {
        Ok(rate) if rate > 0.0 && rate.is_finite() => Ok(rate),
        _ => Err(format!("`{text}` is not a rate such as 50/s")),
    }
}

/// Paces a loop to `rate` a second.
#[derive(Debug)]
pub struct Pace {
    interval: Duration,
    next: tokio::time::Instant,
}

impl Pace {
    /// `rate` a second.
    pub fn new(rate: f64) -> Pace {
        Pace { interval: Duration::from_secs_f64(1.0 / rate), next: tokio::time::Instant::now() }
    }

    /// Waits for the next slot.
    pub async fn tick(&mut self) {
        tokio::time::sleep_until(self.next).await;
        self.next = self.next.max(tokio::time::Instant::now() - self.interval) + self.interval;
    }
}

/// Progress on a long run: a line at most every two seconds, and none for a short one.
#[derive(Debug)]
pub struct Progress {
    what: &'static str,
    total: usize,
    started: std::time::Instant,
    last: std::time::Instant,
}

impl Progress {
    /// Of `total` things to do.
    pub fn new(what: &'static str, total: usize) -> Progress {
        let now = std::time::Instant::now();
        Progress { what, total, started: now, last: now }
    }

    /// `done` are done.
    pub fn update(&mut self, done: usize) {
        if self.last.elapsed() >= Duration::from_secs(2) {
            self.last = std::time::Instant::now();
            let percent = (done * 100).checked_div(self.total).unwrap_or(100);
            warnln!("{} {done}/{} ({percent}%) in {}s", self.what, self.total, self.started.elapsed().as_secs());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> SystemTime {
        hookway_core::parse_rfc3339(text).unwrap()
    }

    #[test]
    fn times_are_rfc_3339_or_a_duration_ago() {
        assert_eq!(parse_time("2026-11-22T05:00:00Z").unwrap(), at("2026-11-22T05:00:00Z"));
        // Within a minute either way: the wall clock may step while the test runs.
        let ago = SystemTime::now().duration_since(parse_time("2h").unwrap()).unwrap();
        assert!(ago > Duration::from_secs(7140) && ago < Duration::from_secs(7260), "{ago:?}");
        assert!(parse_time("yesterday").unwrap_err().contains("neither an RFC 3339 time"));
        assert_eq!(parse_rate("50/s"), Ok(50.0));
        assert_eq!(parse_rate("2.5"), Ok(2.5));
        assert!(parse_rate("0/s").is_err() && parse_rate("fast").is_err());
    }

    #[test]
    fn a_window_lists_every_hour_it_touches_and_holds_its_own_times() {
        let filter = Filter {
            since: Some(at("2026-11-22T05:30:00Z")),
            until: Some(at("2026-11-22T07:00:00Z")),
            ..Filter::default()
        };
        let window = filter.window(Duration::from_secs(86_400)).unwrap();
        let hours: Vec<String> = window.hours().iter().map(Stamp::hour_path).collect();
        assert_eq!(hours, ["2026/11/22/05", "2026/11/22/06"], "07:00 itself is outside");
        assert!(window.contains("2026-11-22T05:30:00.000Z") && window.contains("2026-11-22T06:59:59.999Z"));
        assert!(!window.contains("2026-11-22T05:29:59.999Z") && !window.contains("2026-11-22T07:00:00Z"));
        let backwards = Filter { since: filter.until, until: filter.since, ..Filter::default() };
        assert!(backwards.window(Duration::from_secs(1)).is_err());
    }

    #[test]
    fn a_filter_matches_source_type_pattern_ids_and_window() {
        let filter = Filter {
            source: Some("stripe".into()),
            event_type: Some("invoice.*".into()),
            since: Some(at("2026-11-22T05:00:00Z")),
            until: Some(at("2026-11-22T06:00:00Z")),
            ids: vec!["evt_1".into(), "evt_2".into()],
        };
        let window = filter.window(Duration::ZERO).unwrap();
        let inside = "2026-11-22T05:10:00Z";
        assert!(filter.matches("evt_1", "stripe", Some("invoice.paid"), inside, &window));
        assert!(!filter.matches("evt_3", "stripe", Some("invoice.paid"), inside, &window));
        assert!(!filter.matches("evt_1", "github", Some("invoice.paid"), inside, &window));
        assert!(!filter.matches("evt_1", "stripe", Some("charge.failed"), inside, &window));
        assert!(!filter.matches("evt_1", "stripe", None, inside, &window));
        assert!(!filter.matches("evt_1", "stripe", Some("invoice.paid"), "2026-11-22T06:10:00Z", &window));
        assert_eq!(
            filter.canonical(Some(&window)),
            "source=stripe type=invoice.* since=2026-11-22T05:00:00.000Z until=2026-11-22T06:00:00.000Z ids=evt_1,evt_2"
        );
    }
}
