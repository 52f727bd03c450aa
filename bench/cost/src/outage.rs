//! What an event costs when its destination is down through the whole default retry schedule.
//!
//! `crates/worker/tests/waits.rs` runs one such event against moto, at the default schedule's
//! shape scaled down to seconds, and counts its AWS calls by operation ([`WaitCalls`]; with
//! `HOOKWAY_OUTAGE_CALLS=FILE` it writes them there). [`outage`] prices them with
//! `cost/prices.json` and the sizes the cost model measured (`cost/measured.json`), beside what a
//! delivered webhook costs, into `cost/outage.json`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Line, SQS_CHUNK, as_f64};
use crate::prices::Prices;
use crate::render::{run_estimates, volume_name};
use crate::{CostError, DEFAULT_PROFILE, Endpoint, Measured};

/// The default retry schedule's waits, in seconds: 5 s, 5 m, 30 m, 2 h, 5 h, 10 h, 10 h.
pub const DEFAULT_WAITS_SECONDS: [u64; 7] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];
/// The longest wait the events queue holds, by default: half the oldest-message alarm's 10 minutes.
pub const DEFAULT_HOP_SECONDS: u64 = 300;
/// What parking adds to an event's record besides its envelope: the six `parked…` attributes'
/// names, the destination, the due time, the message's attributes (an estimate).
pub const PARKED_FIELDS_BYTES: u64 = 256;
/// The front door and profile whose delivered webhook the outage is set beside: no front door's
/// price in it, as there is none in the outage's calls.
pub const NORMAL_ENDPOINT: Endpoint = Endpoint::FunctionUrl;
const WRITE_UNIT: f64 = 1024.0;
const READ_UNIT: f64 = 4096.0;

/// The calls one waiting event made, as `crates/worker/tests/waits.rs` writes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WaitCalls {
    /// By `service.Operation` (`sqs.ReceiveMessage`): every call made for the event, from the
    /// intake's `SendMessage` to the dead-letter queue.
    pub calls: BTreeMap<String, u64>,
    /// Their sum.
    pub total: u64,
    /// The sweeps' own reads, by operation, over the sweeps that released the event: the same
    /// whether one event waits or a million.
    pub sweep_reads: BTreeMap<String, u64>,
    /// Receives that brought the event to the worker: one per series of attempts.
    pub receives: u64,
    /// Sweeps that released it (a sweep's own reads are counted over these).
    pub releases: u64,
}

/// The figure a delivered webhook is set beside.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Normal {
    /// Its front door.
    pub endpoint: Endpoint,
    /// Its configuration profile.
    pub profile: String,
    /// The volume it is priced at.
    pub events_per_month: f64,
    /// Its whole path, per million (as in `cost/report.json`).
    pub usd_per_million: f64,
    /// Of which its SQS requests, DynamoDB units and worker invocations: what the outage's lines
    /// stand beside.
    pub queue_table_and_worker_usd_per_million: f64,
}

/// What the same event would cost if each wait hopped through the events queue every
/// `hop_seconds` instead of being parked: a what-if, to show what parking is worth.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Hopping {
    /// The hop.
    pub hop_seconds: u64,
    /// Trips through the queue the schedule's waits take, a hop each.
    pub hops: u64,
    /// AWS calls per event.
    pub calls_per_event: u64,
    /// Per million such events.
    pub usd_per_million: f64,
}

/// An event waiting through the whole default schedule, priced.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outage {
    /// The schedule's waits, in seconds.
    pub waits_seconds: Vec<u64>,
    /// The calls counted.
    pub measured: WaitCalls,
    /// The size the parked record is priced at.
    pub parked_record_bytes: u64,
    /// The components, per event.
    pub lines: Vec<Line>,
    /// Their sum: per million such events.
    pub usd_per_million: f64,
    /// A delivered webhook.
    pub normal: Normal,
    /// If every wait hopped through the queue.
    pub if_every_wait_hopped: Hopping,
    /// What is counted, how, and what is not.
    pub notes: Vec<String>,
}

/// Prices `calls`, an event waiting through `waits_seconds` (the default schedule's), with the
/// record and envelope sizes of `measured`'s default run and, beside it, that run's delivered
/// webhook through [`NORMAL_ENDPOINT`] at [`HEADLINE_VOLUME`](crate::HEADLINE_VOLUME).
pub fn outage(
    calls: &WaitCalls,
    waits_seconds: &[u64],
    measured: &Measured,
    prices: &Prices,
) -> Result<Outage, CostError> {
    let run = measured.variant(NORMAL_ENDPOINT.as_str(), DEFAULT_PROFILE)?;
    let phase = &run.webhooks;
    let envelope = as_f64(phase.archived_bytes) / as_f64(phase.events.max(1));
    let record = phase.largest_item_bytes;
    let parked_record_bytes = record + envelope.round() as u64 + PARKED_FIELDS_BYTES;
    let parked_units = (as_f64(parked_record_bytes) / WRITE_UNIT).ceil();
    let chunks = (envelope / SQS_CHUNK).ceil().max(1.0);
    // The waits longer than a hop are parked: a write parks the event, another takes it out of
    // the index when the sweep releases it.
    let parks = waits_seconds.iter().filter(|wait| **wait > DEFAULT_HOP_SECONDS).count() as u64;
    let parked_writes = 2 * parks;

    let mut lines = Vec::new();
    let mut line = |component: String, price: &str, calls: Option<f64>, units: f64, estimated: bool| {
        let usd_per_million = units * prices.unit(price)? * 1e6;
        lines.push(Line {
            component,
            price: price.into(),
            calls_per_event: calls,
            units_per_event: units,
            usd_per_million,
            estimated,
        });
        Ok::<(), CostError>(())
    };
    for (name, &count) in &calls.calls {
        let n = as_f64(count);
        let (service, operation) = name.split_once('.').unwrap_or((name, ""));
        match (service, operation) {
            ("sqs", "SendMessage" | "SendMessageBatch" | "ReceiveMessage") => {
                line(format!("SQS {operation}"), "sqs.requests", Some(n), n * chunks, false)?;
            }
            ("sqs", _) => line(format!("SQS {operation}"), "sqs.requests", Some(n), n, false)?,
            ("dynamodb", "UpdateItem" | "PutItem" | "DeleteItem") => {
                let parked = if operation == "UpdateItem" { parked_writes.min(count) } else { 0 };
                let plain = as_f64(count - parked);
                line(
                    format!(
                        "DynamoDB {operation}: the claims, the outcomes, the breaker's reports (records under 1 KB)"
                    ),
                    "dynamodb.writeUnits",
                    Some(plain),
                    plain,
                    false,
                )?;
                if parked > 0 {
                    let parked = as_f64(parked);
                    line(
                        format!(
                            "DynamoDB {operation}: parking the event and releasing it, its record with the envelope ({parked_record_bytes} bytes, estimated)"
                        ),
                        "dynamodb.writeUnits",
                        Some(parked),
                        parked * parked_units,
                        true,
                    )?;
                }
            }
            ("dynamodb", "TransactWriteItems") => {
                line(format!("DynamoDB {operation}"), "dynamodb.writeUnits", Some(n), 2.0 * n, false)?;
            }
            ("dynamodb", "GetItem" | "BatchGetItem" | "Query") => {
                line(format!("DynamoDB {operation} (the event's own)"), "dynamodb.readUnits", Some(n), n, false)?;
            }
            // The archive's write of the new event: every webhook makes it once, at its batch's
            // share (in `normal`), not as a lone event's object.
            ("s3", "PutObject") | ("firehose", "PutRecordBatch") => {}
            ("s3", "GetObject" | "HeadObject") => {
                line(format!("S3 {operation}"), "s3.getRequests", Some(n), n, false)?;
            }
            _ => return Err(CostError::NoPrice(format!("{name} (a call of the outage)"))),
        }
    }
    // The sweep's Query reads the event's item from the index when it releases it: half a unit
    // (an index is read eventually consistent) per 4 KB of what it returns.
    line(
        "DynamoDB Query (the sweep): the event's parked item, read from the index".into(),
        "dynamodb.readUnits",
        None,
        as_f64(parks) * 0.5 * as_f64(parked_record_bytes) / READ_UNIT,
        true,
    )?;
    line("worker λ: invocations, one a receive".into(), "lambda.requests", None, as_f64(calls.receives), false)?;
    let usd_per_million: f64 = lines.iter().map(|line| line.usd_per_million).sum();

    let normal = normal(measured, prices)?;
    // Parking's own part: its writes at the parked record's size, the index's read.
    let parking: f64 = lines.iter().filter(|line| line.estimated).map(|line| line.usd_per_million).sum();
    let if_every_wait_hopped = hopping(calls, waits_seconds, parks, usd_per_million - parking, prices, chunks)?;
    let notes = notes(calls, waits_seconds, record, envelope, parked_record_bytes, parked_units, &normal);
    Ok(Outage {
        waits_seconds: waits_seconds.to_vec(),
        measured: calls.clone(),
        parked_record_bytes,
        lines,
        usd_per_million,
        normal,
        if_every_wait_hopped,
        notes,
    })
}

/// A delivered webhook through [`NORMAL_ENDPOINT`] with the defaults, at [`HEADLINE_VOLUME`](crate::HEADLINE_VOLUME).
fn normal(measured: &Measured, prices: &Prices) -> Result<Normal, CostError> {
    let estimates = run_estimates(measured, prices)?;
    let run = estimates
        .into_iter()
        .find(|run| run.endpoint == NORMAL_ENDPOINT && run.profile == DEFAULT_PROFILE)
        .ok_or_else(|| CostError::NoVariant {
            endpoint: NORMAL_ENDPOINT.as_str().into(),
            profile: DEFAULT_PROFILE.into(),
        })?;
    let headline = run.headline;
    let queue_table_and_worker = headline
        .lines
        .iter()
        .filter(|line| {
            line.price.starts_with("sqs.")
                || line.price.starts_with("dynamodb.")
                || line.component.starts_with("worker λ: invocations")
        })
        .map(|line| line.usd_per_million)
        .sum();
    Ok(Normal {
        endpoint: NORMAL_ENDPOINT,
        profile: DEFAULT_PROFILE.into(),
        events_per_month: headline.scenario.events_per_month,
        usd_per_million: headline.usd_per_million,
        queue_table_and_worker_usd_per_million: queue_table_and_worker,
    })
}

/// The same event, each wait made of hops through the queue: every hop a `SendMessage`, a
/// `ReceiveMessage`, a `DeleteMessage`, the new-events `BatchGetItem` and a worker invocation;
/// no parking, no release, no sweep.
fn hopping(
    calls: &WaitCalls,
    waits_seconds: &[u64],
    parks: u64,
    unparked_usd_per_million: f64,
    prices: &Prices,
    chunks: f64,
) -> Result<Hopping, CostError> {
    let hops: u64 = waits_seconds.iter().map(|wait| wait.div_ceil(DEFAULT_HOP_SECONDS).max(1)).sum();
    // Each wait already takes one trip through the queue, by a delayed message or a release.
    let more = as_f64(hops.saturating_sub(waits_seconds.len() as u64));
    let hop = 3.0 * chunks * prices.unit("sqs.requests")?
        + prices.unit("dynamodb.readUnits")?
        + prices.unit("lambda.requests")?;
    // No parking: the parking write is a plain outcome's, the release's write and read go.
    let outcomes = as_f64(parks) * prices.unit("dynamodb.writeUnits")? * 1e6;
    Ok(Hopping {
        hop_seconds: DEFAULT_HOP_SECONDS,
        hops,
        calls_per_event: calls.total - parks + 4 * (hops - waits_seconds.len() as u64),
        usd_per_million: unparked_usd_per_million + outcomes + more * hop * 1e6,
    })
}

#[allow(clippy::too_many_arguments)]
fn notes(
    calls: &WaitCalls,
    waits_seconds: &[u64],
    record: u64,
    envelope: f64,
    parked_record_bytes: u64,
    parked_units: f64,
    normal: &Normal,
) -> Vec<String> {
    let queued = waits_seconds.iter().filter(|wait| **wait <= DEFAULT_HOP_SECONDS).count();
    vec![
        format!(
            "One event whose destination is down all along, through the default retry schedule (5s, 5m, 30m, 2h, 5h, 10h, 10h): its {} AWS calls from the intake's SendMessage to the dead-letter queue, counted by moto's call log in crates/worker/tests/waits.rs, which runs the schedule's shape scaled down to seconds — {} series of attempts, the last dead-lettered; {queued} waits in the events queue, the other {} parked in the state table and released by the sweep.",
            calls.total,
            calls.receives,
            waits_seconds.len() - queued
        ),
        "Priced as one event alone made them: events waiting together share the receives, the deletes, a release's SendMessageBatch (ten events) and the worker's invocations, so a million such events cost at most this.".into(),
        format!(
            "SQS: a request per call, its payload under 64 KB (a 1 KiB body's envelope, {envelope:.0} bytes, as cost/measured.json has it)."
        ),
        format!(
            "DynamoDB writes: a unit per write of a record under 1 KB (the largest record `make cost` measured, {record} bytes); the write that parks the event and the one that releases it carry its envelope: the record, the envelope and {PARKED_FIELDS_BYTES} bytes of parking fields, {parked_record_bytes} bytes estimated, {parked_units:.0} units each. Reads: a unit per item (priced as strongly consistent, so at most); the sweep's Query reads the parked item, half a unit per 4 KB."
        ),
        "Not here: the archive's write of the new event (the waits test's S3 PutObject), which every webhook makes once, at its batch's share: it is in normal.".into(),
        "Lambda: the worker's invocation for each receive; its compute is not included, as it depends on how the destination fails (a refused connection ends an attempt at once, a timeout keeps the worker waiting up to the handler's `timeoutSeconds`).".into(),
        format!(
            "Not per event, not included: the sweep's invocation every minute and its own reads — a BatchGetItem of the circuits and a Query per destination ({}) — the same whether no event waits or a million.",
            calls
                .sweep_reads
                .iter()
                .map(|(name, count)| format!("{name}: {} a sweep", count / calls.releases.max(1)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        format!(
            "Beside it, normal: a delivered webhook through `{}` with hookway.json's defaults at {} a month (cost/report.json), its whole path — front door, intake, logs, archive — of which queueTableAndWorkerUsdPerMillion is the part the outage's calls stand for; an outage event pays the rest once too.",
            normal.endpoint.as_str(),
            volume_name(normal.events_per_month)
        ),
        format!(
            "ifEveryWaitHopped: what the same event would cost if each wait went through the events queue in hops of {DEFAULT_HOP_SECONDS} s instead of being parked — each hop a SendMessage, a ReceiveMessage, a DeleteMessage, the new-events BatchGetItem and a worker invocation."
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waited() -> WaitCalls {
        let calls: BTreeMap<String, u64> = [
            ("sqs.SendMessage", 2),
            ("sqs.SendMessageBatch", 7),
            ("sqs.ReceiveMessage", 8),
            ("sqs.DeleteMessageBatch", 8),
            ("dynamodb.UpdateItem", 24),
            ("dynamodb.GetItem", 5),
            ("dynamodb.BatchGetItem", 1),
            ("s3.PutObject", 1),
        ]
        .into_iter()
        .map(|(name, count)| (name.to_owned(), count))
        .collect();
        let total = calls.values().sum();
        let sweep_reads = BTreeMap::from([("dynamodb.BatchGetItem".into(), 4), ("dynamodb.Query".into(), 4)]);
        WaitCalls { calls, total, sweep_reads, receives: 8, releases: 4 }
    }

    fn priced() -> Outage {
        outage(&waited(), &DEFAULT_WAITS_SECONDS, &Measured::bundled().unwrap(), &Prices::bundled().unwrap()).unwrap()
    }

    #[test]
    fn an_outage_costs_its_calls_and_the_parked_record_its_size() {
        let outage = priced();
        let sqs: f64 = outage.lines.iter().filter(|line| line.price == "sqs.requests").map(|l| l.units_per_event).sum();
        assert!((sqs - 25.0).abs() < 1e-9, "a request a call: {sqs}");
        let writes: f64 =
            outage.lines.iter().filter(|line| line.price == "dynamodb.writeUnits").map(|l| l.units_per_event).sum();
        // 14 plain writes, 10 of the parked record at 2 or 3 units.
        let parked = (as_f64(outage.parked_record_bytes) / 1024.0).ceil();
        assert!(parked >= 2.0, "the envelope takes the record over 1 KB: {}", outage.parked_record_bytes);
        assert!((writes - (14.0 + 10.0 * parked)).abs() < 1e-9, "{writes}");
        assert!(!outage.lines.iter().any(|line| line.price.starts_with("s3.")), "the archive's write is any webhook's");
        let sum: f64 = outage.lines.iter().map(|line| line.usd_per_million).sum();
        assert!((outage.usd_per_million - sum).abs() < 1e-9);
        // 25 SQS requests ($10) and 14 + 10 × 2 write units ($21.25) at least.
        assert!(outage.usd_per_million > 30.0, "{}", outage.usd_per_million);
        assert!(outage.normal.usd_per_million > outage.normal.queue_table_and_worker_usd_per_million);
    }

    #[test]
    fn hopping_every_five_minutes_through_a_day_would_cost_far_more() {
        let outage = priced();
        let hopping = &outage.if_every_wait_hopped;
        // 5 s and 5 m a hop each; 30 m, 2 h, 5 h, 10 h, 10 h: 6, 24, 60, 120, 120.
        assert_eq!(hopping.hops, 332);
        assert!(hopping.calls_per_event > 1_300, "{hopping:?}");
        assert!(hopping.usd_per_million > 10.0 * outage.usd_per_million, "{hopping:?}");
    }

    #[test]
    fn a_call_without_a_price_is_refused() {
        let mut calls = waited();
        calls.calls.insert("sns.Publish".into(), 1);
        let error = outage(&calls, &DEFAULT_WAITS_SECONDS, &Measured::bundled().unwrap(), &Prices::bundled().unwrap());
        assert!(matches!(error, Err(CostError::NoPrice(name)) if name.contains("sns.Publish")));
    }
}
