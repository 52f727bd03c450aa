//! The cost model: a measured phase, priced for a scenario.
//!
//! Calls are taken as measured, per event. Those made once per worker batch (the event source
//! mapping's receives and deletes, the worker's invocation, its archive object and the read that
//! finds a batch's new events) are scaled from the run's batches to the scenario's; the others are
//! per event whatever the traffic. Sizes (SQS's 64 KB chunks, HTTP API's 512 KB units, bytes
//! delivered and archived) follow the scenario's body. Lambda compute is the configured memory
//! times the measured duration, rounded up to the millisecond Lambda bills: an estimate, since
//! moto's latency is not AWS's.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::CostError;
use crate::measured::{Call, Mix, Phase};
use crate::prices::Prices;

/// The intake's function, as the run names it.
pub const INTAKE: &str = "hookway-intake";
/// The worker's function.
pub const WORKER: &str = "hookway-worker";
/// Lambda's own services: the event source mapping, the asynchronous invocation's destination.
pub const LAMBDA_SERVICE: &str = "lambda-service";
/// A body above this travels by claim check (an S3 PUT by the intake, a GET by the worker).
pub const CLAIM_CHECK_ABOVE: u64 = 256 * 1024;
const SQS_CHUNK: f64 = 64.0 * 1024.0;
const HTTP_API_UNIT: f64 = 512.0 * 1024.0;
const GB: f64 = 1e9;
/// An API Gateway access log line (the stage's JSON format).
const ACCESS_LOG_LINE: f64 = 400.0;
/// The memory at which a Lambda function has one whole vCPU.
const FULL_VCPU_MB: f64 = 1769.0;
/// What a request's line, headers and signature add to its body, on the way in.
const REQUEST_OVERHEAD: f64 = 1024.0;

/// Which front door serves `/webhooks/{source}` (`webhooks.endpoint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Endpoint {
    /// API Gateway REST API.
    Rest,
    /// API Gateway HTTP API.
    HttpApi,
    /// The intake's Lambda Function URL.
    FunctionUrl,
}

impl Endpoint {
    /// All of them, in the order reports list them.
    pub const ALL: [Endpoint; 3] = [Endpoint::Rest, Endpoint::HttpApi, Endpoint::FunctionUrl];

    /// As `hookway.json` writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::Rest => "rest",
            Endpoint::HttpApi => "http-api",
            Endpoint::FunctionUrl => "function-url",
        }
    }

    /// From `hookway.json`'s spelling.
    pub fn parse(text: &str) -> Option<Endpoint> {
        Endpoint::ALL.into_iter().find(|endpoint| endpoint.as_str() == text)
    }
}

/// What is priced: a configuration and the traffic it sees.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Scenario {
    /// The front door.
    pub endpoint: Endpoint,
    /// Each webhook's body.
    pub body_bytes: u64,
    /// Forward deliveries per event.
    pub fanout: f64,
    /// Events per worker batch.
    pub events_per_batch: f64,
    /// `intake.memoryMb`.
    pub intake_memory_mb: u32,
    /// `worker.memoryMb`.
    pub worker_memory_mb: u32,
    /// `archive.retentionDays`.
    pub archive_retention_days: u32,
    /// The share of events whose source keeps an order (`ordering`): a read and a write more.
    pub ordered_share: f64,
    /// The share of deliveries to a destination with a `rateLimit`: a write more each.
    pub rate_limited_share: f64,
    /// `webhooks.waf`: each request inspected.
    pub waf: bool,
}

impl Scenario {
    /// The run's own scenario: its mix, its batches as they were.
    pub fn of_run(endpoint: Endpoint, mix: &Mix, phase: &Phase) -> Scenario {
        Scenario {
            endpoint,
            body_bytes: mix.body_bytes,
            fanout: f64::from(mix.destinations),
            events_per_batch: measured_batch(phase),
            intake_memory_mb: mix.intake_memory_mb,
            worker_memory_mb: mix.worker_memory_mb,
            archive_retention_days: mix.archive_retention_days,
            ordered_share: 0.0,
            rate_limited_share: 0.0,
            waf: false,
        }
    }
}

/// Events per worker invocation in a phase.
pub fn measured_batch(phase: &Phase) -> f64 {
    let batches = phase.invocations_of(WORKER).count.max(1);
    as_f64(phase.events) / as_f64(batches)
}

/// One component of the cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Line {
    /// What it is: `SQS SendMessage (intake)`.
    pub component: String,
    /// Its price's key in `cost/prices.json`.
    pub price: String,
    /// API calls per event, for the lines that are calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calls_per_event: Option<f64>,
    /// Units of the price per event (requests, GB-seconds, GB, …).
    pub units_per_event: f64,
    /// Dollars per million events.
    pub usd_per_million: f64,
    /// Computed from an assumption or a local timing, not a count.
    pub estimated: bool,
}

/// A priced scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Estimate {
    /// The scenario.
    pub scenario: Scenario,
    /// Its components, largest first within their groups as measured.
    pub lines: Vec<Line>,
    /// Their sum.
    pub usd_per_million: f64,
    /// AWS API calls per event, by `service:Operation`, all callers together.
    pub calls_per_event: BTreeMap<String, f64>,
    /// What depends on where the destination is, not in the total: the bytes delivered.
    pub beside: Vec<Line>,
}

impl Estimate {
    /// Dollars a month at `events` a month, free tiers not subtracted.
    pub fn monthly(&self, events: f64) -> f64 {
        self.usd_per_million * events / 1e6
    }

    /// What the always-free tiers would take off at `events` a month, by price.
    pub fn free_tier(&self, prices: &Prices, events: f64) -> Vec<(String, f64)> {
        let mut units: BTreeMap<&str, f64> = BTreeMap::new();
        for line in &self.lines {
            *units.entry(line.price.as_str()).or_default() += line.units_per_event * events;
        }
        units
            .into_iter()
            .filter_map(|(key, used)| {
                let price = prices.prices.get(key)?;
                let free = price.free_tier?;
                let saved = used.min(free) * price.usd / price.per;
                (saved > 0.0).then(|| (key.to_owned(), saved))
            })
            .collect()
    }
}

/// What a phase's kind of event is: webhooks go through the chosen front door and the queue in
/// batches; jobs through the REST API, one invocation each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `POST /webhooks/{source}`.
    Webhooks,
    /// `POST /jobs`, then one `GET /jobs/{id}`.
    Jobs,
}

/// Prices `phase` of a run (made with `mix`) for `scenario`.
pub fn estimate(
    prices: &Prices,
    mix: &Mix,
    phase: &Phase,
    kind: Kind,
    scenario: &Scenario,
) -> Result<Estimate, CostError> {
    let events = as_f64(phase.events.max(1));
    let batch_scale = match kind {
        Kind::Webhooks => measured_batch(phase) / scenario.events_per_batch.max(1.0),
        Kind::Jobs => 1.0,
    };
    let fanout_scale = scenario.fanout / f64::from(mix.destinations.max(1));
    let body = as_f64(scenario.body_bytes);
    let envelope = (as_f64(phase.archived_bytes) / events - as_f64(mix.body_bytes)).max(0.0) + body;
    let claim_checked = scenario.body_bytes > CLAIM_CHECK_ABOVE && kind == Kind::Webhooks;
    let queued = if claim_checked { envelope - body + 200.0 } else { envelope };
    let mut lines = Vec::new();
    let mut beside = Vec::new();
    let mut calls_per_event = BTreeMap::new();
    let mut line =
        |component: String, price: &str, calls: Option<f64>, units: f64, estimated: bool| -> Result<(), CostError> {
            let usd_per_million = units * prices.unit(price)? * 1e6;
            lines.push(Line {
                component,
                price: price.to_owned(),
                calls_per_event: calls,
                units_per_event: units,
                usd_per_million,
                estimated,
            });
            Ok(())
        };

    // The front door.
    let intake = phase.invocations_of(INTAKE);
    let intake_per_event = as_f64(intake.count) / events;
    match kind {
        Kind::Webhooks => {
            let (price, units) = match scenario.endpoint {
                Endpoint::Rest => ("apigateway.rest.requests", 1.0),
                Endpoint::HttpApi => ("apigateway.http.requests", ((body + REQUEST_OVERHEAD) / HTTP_API_UNIT).ceil()),
                Endpoint::FunctionUrl => ("lambda.functionurl.requests", 1.0),
            };
            line(format!("front door: {} requests", scenario.endpoint.as_str()), price, None, units, false)?;
            if scenario.endpoint != Endpoint::FunctionUrl {
                // The stage's access log: a JSON line a request, its 15 fields about 400 bytes.
                let units = ACCESS_LOG_LINE / GB;
                line(
                    "API Gateway access log: a line a request (estimated 400 bytes)".into(),
                    "logs.ingestion",
                    None,
                    units,
                    true,
                )?;
            }
            if scenario.waf {
                line("AWS WAF: requests inspected".into(), "waf.requests", None, 1.0, false)?;
            }
        }
        Kind::Jobs => line(
            "REST API: POST /jobs, GET /jobs/{id}".into(),
            "apigateway.rest.requests",
            None,
            1.0 + intake_per_event,
            false,
        )?,
    }

    // Lambda: invocations and compute.
    let worker = phase.invocations_of(WORKER);
    let worker_per_event = as_f64(worker.count) / events * batch_scale;
    line("intake λ: invocations".into(), "lambda.requests", None, intake_per_event, false)?;
    line("worker λ: invocations".into(), "lambda.requests", None, worker_per_event, false)?;
    // Compute: the CPU time each function measurably used, and what it waits for AWS (assumed,
    // `latencies` in cost/prices.json), rounded up to the millisecond Lambda bills.
    let latency = &prices.latencies;
    let gb = |memory_mb: u32| f64::from(memory_mb) / 1024.0;
    // Lambda gives a function one vCPU at 1,769 MB and a share of one below: the CPU time measured
    // on a whole core takes that much longer.
    let slower = |memory_mb: u32| (FULL_VCPU_MB / f64::from(memory_mb)).max(1.0);
    let per_invocation = |runs: crate::Invocations| {
        if runs.count == 0 { 0.0 } else { runs.cpu_seconds / as_f64(runs.count) * slower(scenario.intake_memory_mb) }
    };
    let intake_waits: f64 = phase
        .calls
        .iter()
        .filter(|call| call.caller == INTAKE)
        .map(|call| as_f64(call.count) / as_f64(intake.count.max(1)) * latency.of(&call.service))
        .sum();
    let intake_billed = ((per_invocation(intake) + intake_waits) * 1000.0).ceil() / 1000.0;
    line(
        format!(
            "intake λ: {} MB × {:.1} ms CPU + {:.0} ms waiting (estimated)",
            scenario.intake_memory_mb,
            per_invocation(intake) * 1000.0,
            intake_waits * 1000.0
        ),
        "lambda.arm64.gbSeconds",
        None,
        intake_per_event * intake_billed * gb(scenario.intake_memory_mb),
        true,
    )?;
    // A batch's events run side by side: it waits for each kind of call once, and for the
    // destination's answer.
    let mut kinds: Vec<(&str, &str)> = phase
        .calls
        .iter()
        .filter(|call| call.caller == WORKER)
        .map(|call| (call.service.as_str(), call.operation.as_str()))
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    let destination = if phase.deliveries > 0 { latency.of("destination") } else { 0.0 };
    let worker_waits = kinds.iter().map(|(service, _)| latency.of(service)).sum::<f64>() + destination;
    let worker_scale = if kind == Kind::Webhooks { fanout_scale } else { 1.0 };
    let worker_cpu = if worker.count == 0 {
        0.0
    } else {
        worker.cpu_seconds / events * worker_scale * slower(scenario.worker_memory_mb)
    };
    let worker_billed = worker_per_event * (worker_waits + 0.0005) + worker_cpu;
    line(
        format!(
            "worker λ: {} MB × ({:.2} ms CPU an event + {:.0} ms waiting a batch) (estimated)",
            scenario.worker_memory_mb,
            worker_cpu * 1000.0,
            worker_waits * 1000.0
        ),
        "lambda.arm64.gbSeconds",
        None,
        worker_billed * gb(scenario.worker_memory_mb),
        true,
    )?;

    // Every AWS call, as counted.
    for call in merged(&phase.calls) {
        let scale = if kind == Kind::Webhooks {
            batch_scaling(&call, measured_batch(phase), scenario.events_per_batch)
        } else {
            1.0
        };
        let calls = as_f64(call.count) / events * scale;
        // A read unit is an item's, whatever the batch: only the calls follow the batch.
        let unit_scale = if call.service == "dynamodb" && call.operation == "BatchGetItem" { 1.0 } else { scale };
        *calls_per_event.entry(format!("{}:{}", call.service, call.operation)).or_default() += calls;
        let name = format!("{} {} ({})", service_name(&call.service), call.operation, caller_name(&call.caller));
        match call.service.as_str() {
            "sqs" => {
                let payload = match call.operation.as_str() {
                    "SendMessage" => queued,
                    "ReceiveMessage" => queued * scenario.events_per_batch.min(10.0),
                    _ => 0.0,
                };
                line(name, "sqs.requests", Some(calls), calls * (payload / SQS_CHUNK).ceil().max(1.0), false)?;
            }
            "dynamodb" => {
                if call.read_units > 0.0 {
                    line(
                        format!("{name}: read units"),
                        "dynamodb.readUnits",
                        Some(calls),
                        call.read_units / events * unit_scale,
                        false,
                    )?;
                }
                if call.write_units > 0.0 || call.read_units == 0.0 {
                    line(
                        format!("{name}: write units"),
                        "dynamodb.writeUnits",
                        Some(calls),
                        call.write_units / events * unit_scale,
                        false,
                    )?;
                }
            }
            "s3" => {
                let price = if matches!(call.operation.as_str(), "GetObject" | "HeadObject") {
                    "s3.getRequests"
                } else {
                    "s3.putRequests"
                };
                line(name, price, Some(calls), calls, false)?;
            }
            "ssm" => line(format!("{name}: KMS decryption"), "kms.requests", Some(calls), calls, false)?,
            _ => line(name, "ssm.standard", Some(calls), calls, false)?,
        }
    }

    // What the scenario adds to the run's calls.
    if claim_checked {
        line("S3 PutObject (intake): the claim-checked body".into(), "s3.putRequests", Some(1.0), 1.0, false)?;
        line("S3 GetObject (worker): the claim-checked body".into(), "s3.getRequests", Some(1.0), 1.0, false)?;
        *calls_per_event.entry("s3:PutObject".into()).or_default() += 1.0;
        *calls_per_event.entry("s3:GetObject".into()).or_default() += 1.0;
    }
    if scenario.ordered_share > 0.0 && kind == Kind::Webhooks {
        let share = scenario.ordered_share;
        line(
            "DynamoDB: the ordering guard's read (ordered sources)".into(),
            "dynamodb.readUnits",
            Some(share),
            share,
            true,
        )?;
        line(
            "DynamoDB: the ordering guard's write (ordered sources)".into(),
            "dynamodb.writeUnits",
            Some(share),
            share,
            true,
        )?;
    }
    if scenario.rate_limited_share > 0.0 && kind == Kind::Webhooks {
        let writes = scenario.rate_limited_share * scenario.fanout;
        line(
            "DynamoDB: rate-limit slots (rate-limited destinations)".into(),
            "dynamodb.writeUnits",
            Some(writes),
            writes,
            true,
        )?;
    }

    // Bytes: logs, the archive kept, deliveries.
    line("CloudWatch Logs: bytes logged".into(), "logs.ingestion", None, as_f64(phase.log_bytes) / events / GB, false)?;
    if kind == Kind::Webhooks {
        let months = f64::from(scenario.archive_retention_days) / 30.4;
        let stored = envelope + if claim_checked { body } else { 0.0 };
        line(
            format!("S3 storage: the archive, kept {} days", scenario.archive_retention_days),
            "s3.storage",
            None,
            stored / GB * months,
            false,
        )?;
        let deliveries = as_f64(phase.deliveries) / events * fanout_scale;
        let per_delivery = if phase.deliveries == 0 {
            0.0
        } else {
            (as_f64(phase.delivered_bytes) / as_f64(phase.deliveries) - as_f64(mix.body_bytes)).max(0.0) + body
        };
        let gigabytes = deliveries * per_delivery / GB;
        let price = "dataTransfer.internet";
        beside.push(Line {
            component: "data transfer out to a destination on the internet (less, or none, within AWS)".into(),
            price: price.into(),
            calls_per_event: None,
            units_per_event: gigabytes,
            usd_per_million: gigabytes * prices.unit(price)? * 1e6,
            estimated: false,
        });
    }

    let usd_per_million = lines.iter().map(|line| line.usd_per_million).sum();
    Ok(Estimate { scenario: scenario.clone(), lines, usd_per_million, calls_per_event, beside })
}

/// How a call's count per event changes from the run's batches of `measured` events to batches of
/// `scenario`: the worker's invocation and its archive object are one a batch; the event source
/// mapping's receives and deletes carry 10 messages each; the new-events read 100 keys; the other
/// calls are an event's own.
fn batch_scaling(call: &Call, measured: f64, scenario: f64) -> f64 {
    let scenario = scenario.max(1.0);
    let per = |most: f64| measured.min(most) / scenario.min(most);
    match (call.caller.as_str(), call.service.as_str(), call.operation.as_str()) {
        (LAMBDA_SERVICE, "sqs", "ReceiveMessage" | "DeleteMessageBatch") => per(10.0),
        (WORKER, "dynamodb", "BatchGetItem") => per(100.0),
        (WORKER, "s3", "PutObject") => measured / scenario,
        _ => 1.0,
    }
}

/// The calls with one entry per caller and operation.
fn merged(calls: &[Call]) -> Vec<Call> {
    let mut merged: BTreeMap<(String, String, String), Call> = BTreeMap::new();
    for call in calls {
        let key = (call.service.clone(), call.operation.clone(), call.caller.clone());
        let entry =
            merged.entry(key).or_insert_with(|| Call { count: 0, read_units: 0.0, write_units: 0.0, ..call.clone() });
        entry.count += call.count;
        entry.read_units += call.read_units;
        entry.write_units += call.write_units;
    }
    merged.into_values().collect()
}

fn service_name(service: &str) -> &str {
    match service {
        "sqs" => "SQS",
        "dynamodb" => "DynamoDB",
        "s3" => "S3",
        "ssm" => "SSM",
        other => other,
    }
}

fn caller_name(caller: &str) -> &str {
    match caller {
        INTAKE => "intake",
        WORKER => "worker",
        LAMBDA_SERVICE => "Lambda's event source mapping",
        other => other,
    }
}

/// Counts are far below 2^52: exact as floats.
#[allow(clippy::cast_precision_loss)]
fn as_f64(count: u64) -> f64 {
    count as f64
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::{Invocations, Phase, Prices};

    fn call(caller: &str, service: &str, operation: &str, count: u64, read_units: f64, write_units: f64) -> Call {
        Call {
            caller: caller.into(),
            service: service.into(),
            operation: operation.into(),
            count,
            read_units,
            write_units,
        }
    }

    /// 1,000 events in 10 batches of 100.
    fn run() -> (Mix, Phase) {
        let mix = Mix {
            webhooks: 1000,
            sources: vec!["a".into()],
            body_bytes: 1024,
            destinations: 1,
            failed_once: 0,
            jobs: 0,
            batch_size: 100,
            batching_window_seconds: 1,
            intake_memory_mb: 1024,
            worker_memory_mb: 1024,
            archive_retention_days: 30,
        };
        let invocations = BTreeMap::from([
            (INTAKE.to_owned(), Invocations { count: 1000, seconds: 5.0, cpu_seconds: 1.0 }),
            (WORKER.to_owned(), Invocations { count: 10, seconds: 5.0, cpu_seconds: 1.0 }),
        ]);
        let phase = Phase {
            events: 1000,
            calls: vec![
                call(INTAKE, "sqs", "SendMessage", 1000, 0.0, 0.0),
                call(LAMBDA_SERVICE, "sqs", "ReceiveMessage", 100, 0.0, 0.0),
                call(LAMBDA_SERVICE, "sqs", "DeleteMessageBatch", 100, 0.0, 0.0),
                call(WORKER, "dynamodb", "BatchGetItem", 10, 500.0, 0.0),
                call(WORKER, "dynamodb", "UpdateItem", 2000, 0.0, 2000.0),
                call(WORKER, "s3", "PutObject", 10, 0.0, 0.0),
            ],
            invocations,
            log_bytes: 500_000,
            deliveries: 1000,
            delivered_bytes: 1_300_000,
            archived_bytes: 1_400_000,
            largest_item_bytes: 600,
        };
        (mix, phase)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    fn units(estimate: &Estimate, component: &str) -> f64 {
        estimate
            .lines
            .iter()
            .filter(|line| line.component.starts_with(component))
            .map(|line| line.units_per_event)
            .sum()
    }

    #[test]
    fn the_run_as_measured_is_priced_as_counted() {
        let (mix, phase) = run();
        let prices = Prices::bundled().unwrap();
        let scenario = Scenario::of_run(Endpoint::FunctionUrl, &mix, &phase);
        let estimate = estimate(&prices, &mix, &phase, Kind::Webhooks, &scenario).unwrap();
        assert!(close(estimate.calls_per_event["sqs:ReceiveMessage"], 0.1));
        assert!(close(estimate.calls_per_event["s3:PutObject"], 0.01));
        assert!(close(units(&estimate, "DynamoDB BatchGetItem"), 0.5));
        assert!(close(units(&estimate, "DynamoDB UpdateItem"), 2.0));
    }

    #[test]
    fn smaller_batches_cost_more_calls_but_the_same_read_units() {
        let (mix, phase) = run();
        let prices = Prices::bundled().unwrap();
        let scenario = Scenario { events_per_batch: 1.0, ..Scenario::of_run(Endpoint::FunctionUrl, &mix, &phase) };
        let estimate = estimate(&prices, &mix, &phase, Kind::Webhooks, &scenario).unwrap();
        // A receive and a delete for each event alone, an archive object and a read each.
        assert!(close(estimate.calls_per_event["sqs:ReceiveMessage"], 1.0));
        assert!(close(estimate.calls_per_event["sqs:DeleteMessageBatch"], 1.0));
        assert!(close(estimate.calls_per_event["s3:PutObject"], 1.0));
        assert!(close(estimate.calls_per_event["dynamodb:BatchGetItem"], 1.0));
        assert!(close(units(&estimate, "DynamoDB BatchGetItem"), 0.5), "half a read unit an item, batched or not");
        assert!(close(units(&estimate, "DynamoDB UpdateItem"), 2.0), "an event's own writes do not follow the batch");
    }

    #[test]
    fn api_gateway_logs_each_request_and_a_function_url_does_not() {
        let (mix, phase) = run();
        let prices = Prices::bundled().unwrap();
        let logged = |endpoint| {
            let estimate =
                estimate(&prices, &mix, &phase, Kind::Webhooks, &Scenario::of_run(endpoint, &mix, &phase)).unwrap();
            estimate.lines.iter().any(|line| line.component.starts_with("API Gateway access log"))
        };
        assert!(logged(Endpoint::Rest) && logged(Endpoint::HttpApi) && !logged(Endpoint::FunctionUrl));
    }
}
