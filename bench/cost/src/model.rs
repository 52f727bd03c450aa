//! The cost model: a measured phase, priced for a scenario.
//!
//! What an event does itself is taken as measured, per event: the intake's `SendMessage`, the
//! claim and the outcome, the bytes delivered. What a worker batch does once — the invocation,
//! the event source mapping's receives and deletes, the read that finds the batch's new events,
//! the archive's write, the metrics lines — is spread over the events of the scenario's batches,
//! which the scenario's traffic and batching window fill ([`Batching`]). The archive is priced as
//! the scenario writes it (`archive.writer`), whichever writer the run had; the state table as it
//! is billed (`state.billing`). Sizes (SQS's 64 KB chunks, HTTP API's 512 KB units, Firehose's
//! 5 KB increments, the bytes delivered and archived) follow the scenario's body. Lambda compute is
//! the configured memory times the measured CPU time and the assumed waits, rounded up to the
//! millisecond Lambda bills: an estimate, since moto's latency is not AWS's.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::CostError;
use crate::batching::Batching;
use crate::measured::{Call, Mix, Phase, RunSettings};
use crate::prices::Prices;

/// The intake's function, as the run names it.
pub const INTAKE: &str = "hookway-intake";
/// The worker's function.
pub const WORKER: &str = "hookway-worker";
/// Lambda's own services: the event source mapping, the asynchronous invocation's destination.
pub const LAMBDA_SERVICE: &str = "lambda-service";
/// A body above this travels by claim check (an S3 PUT by the intake, a GET by the worker).
pub const CLAIM_CHECK_ABOVE: u64 = 256 * 1024;
/// How long a month is: the rate a monthly volume makes, and the hours capacity is paid for.
pub const MONTH_SECONDS: f64 = 30.4 * 86_400.0;
pub(crate) const SQS_CHUNK: f64 = 64.0 * 1024.0;
const HTTP_API_UNIT: f64 = 512.0 * 1024.0;
const GB: f64 = 1e9;
/// An API Gateway access log line (the stage's JSON format).
const ACCESS_LOG_LINE: f64 = 400.0;
/// The memory at which a Lambda function has one whole vCPU.
const FULL_VCPU_MB: f64 = 1769.0;
/// What a request's line, headers and signature add to its body, on the way in.
const REQUEST_OVERHEAD: f64 = 1024.0;
/// Firehose bills each record rounded up to the next 5 KB.
const FIREHOSE_INCREMENT: f64 = 5.0 * 1024.0;
/// The largest record the worker puts: its newline-delimited envelopes, at most 1,000 KiB.
const FIREHOSE_RECORD: f64 = 1000.0 * 1024.0;
/// A `PutRecordBatch` takes at most 500 records and 4 MiB.
const FIREHOSE_CALL_RECORDS: f64 = 500.0;
const FIREHOSE_CALL_BYTES: f64 = 4.0 * 1024.0 * 1024.0;
/// The archive stream's buffer: it writes an object a minute, or each 64 MiB.
const FIREHOSE_BUFFER_SECONDS: f64 = 60.0;
const FIREHOSE_BUFFER_BYTES: f64 = 64.0 * 1024.0 * 1024.0;
/// An idle long poll of the event source mapping waits this long before it comes back empty.
const LONG_POLL_SECONDS: f64 = 20.0;

/// Which front door serves `/webhooks/{source}` (`webhooks.endpoint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

/// How events reach the archive (`archive.writer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArchiveWriter {
    /// The worker puts each batch's new events into a Firehose stream, which writes the bucket.
    Firehose,
    /// The worker writes an S3 object per batch.
    Worker,
}

impl ArchiveWriter {
    /// As `hookway.json` writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ArchiveWriter::Firehose => "firehose",
            ArchiveWriter::Worker => "worker",
        }
    }

    /// From `hookway.json`'s spelling.
    pub fn parse(text: &str) -> Option<ArchiveWriter> {
        [ArchiveWriter::Firehose, ArchiveWriter::Worker].into_iter().find(|writer| writer.as_str() == text)
    }
}

/// `state.billing: "provisioned"`: capacity kept by auto scaling near a target share of what is
/// used, between bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Provisioned {
    /// `state.readCapacity.min`.
    pub read_min: u32,
    /// `state.readCapacity.max`.
    pub read_max: u32,
    /// `state.writeCapacity.min`.
    pub write_min: u32,
    /// `state.writeCapacity.max`.
    pub write_max: u32,
    /// `state.targetUtilizationPercent`.
    pub target_utilization_percent: u32,
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
    /// Events a month, at a steady rate.
    pub events_per_month: f64,
    /// `worker.batchSize`.
    pub batch_size: u32,
    /// `worker.batchingWindowSeconds`.
    pub batching_window_seconds: u32,
    /// The batches the traffic fills.
    #[serde(flatten)]
    pub batching: Batching,
    /// `intake.memoryMb`.
    pub intake_memory_mb: u32,
    /// `worker.memoryMb`.
    pub worker_memory_mb: u32,
    /// `archive.retentionDays`.
    pub archive_retention_days: u32,
    /// `archive.writer`.
    pub archive_writer: ArchiveWriter,
    /// `state.billing: "provisioned"` and its capacity; `None`: on-demand.
    pub provisioned: Option<Provisioned>,
    /// The sources the traffic is spread over, evenly: the worker writes a metrics line per
    /// source a batch holds.
    pub sources: u32,
    /// The share of events whose source keeps an order (`ordering`): a read and a write more.
    pub ordered_share: f64,
    /// The share of deliveries to a destination with a `rateLimit`: a write more each.
    pub rate_limited_share: f64,
    /// `webhooks.waf`: each request inspected.
    pub waf: bool,
}

impl Scenario {
    /// `settings` with the run's traffic (its bodies, destinations and sources), `events_per_month`
    /// in a steady stream, batched as [`Batching::of_stream`] batches it.
    pub fn of_settings(
        endpoint: Endpoint,
        mix: &Mix,
        settings: &RunSettings,
        events_per_month: f64,
        prices: &Prices,
    ) -> Scenario {
        let mut scenario = Scenario {
            endpoint,
            body_bytes: mix.body_bytes,
            fanout: f64::from(mix.destinations),
            events_per_month,
            batch_size: settings.batch_size,
            batching_window_seconds: settings.batching_window_seconds,
            batching: Batching { events_per_batch: 1.0, receives_per_batch: 1.0 },
            intake_memory_mb: settings.intake_memory_mb,
            worker_memory_mb: settings.worker_memory_mb,
            archive_retention_days: settings.archive_retention_days,
            archive_writer: ArchiveWriter::parse(&settings.archive_writer).unwrap_or(ArchiveWriter::Worker),
            provisioned: settings.provisioned,
            sources: u32::try_from(mix.sources.len()).unwrap_or(1).max(1),
            ordered_share: 0.0,
            rate_limited_share: 0.0,
            waf: false,
        };
        scenario.batch_as_streamed(prices);
        scenario
    }

    /// The run's own scenario: its configuration, its batches and receives as counted.
    pub fn of_run(endpoint: Endpoint, mix: &Mix, settings: &RunSettings, phase: &Phase, prices: &Prices) -> Scenario {
        Scenario { batching: Batching::measured(phase), ..Scenario::of_settings(endpoint, mix, settings, 1e7, prices) }
    }

    /// Events a second.
    pub fn rate(&self) -> f64 {
        self.events_per_month / MONTH_SECONDS
    }

    /// The batches this scenario's steady stream fills.
    pub fn batch_as_streamed(&mut self, prices: &Prices) {
        self.batching = Batching::of_stream(
            self.rate(),
            prices.event_source_mapping.pollers,
            self.batching_window_seconds,
            self.batch_size,
            prices.latencies.of("sqs"),
        );
    }
}

/// Events per worker invocation in a phase.
pub fn measured_batch(phase: &Phase) -> f64 {
    Batching::measured(phase).events_per_batch
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
    /// What the figures do not show: capacity short of the traffic, say.
    pub notes: Vec<String>,
}

impl Estimate {
    /// Dollars a month at the scenario's volume, free tiers not subtracted.
    pub fn monthly(&self) -> f64 {
        self.usd_per_million * self.scenario.events_per_month / 1e6
    }

    /// What the always-free tiers would take off a month, by price.
    pub fn free_tier(&self, prices: &Prices) -> Vec<(String, f64)> {
        let events = self.scenario.events_per_month;
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

/// DynamoDB capacity units an event uses, by what uses them, priced at the end as the table is
/// billed.
#[derive(Debug, Default)]
struct TableUse {
    /// (component, calls per event, read units, write units) per event.
    parts: Vec<(String, Option<f64>, f64, f64, bool)>,
}

impl TableUse {
    fn add(&mut self, component: String, calls: Option<f64>, reads: f64, writes: f64, estimated: bool) {
        self.parts.push((component, calls, reads, writes, estimated));
    }

    fn reads(&self) -> f64 {
        self.parts.iter().map(|part| part.2).sum()
    }

    fn writes(&self) -> f64 {
        self.parts.iter().map(|part| part.3).sum()
    }
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
    let webhooks = kind == Kind::Webhooks;
    let measured = Batching::measured(phase);
    let batch = if webhooks { scenario.batching.events_per_batch.max(1.0) } else { 1.0 };
    let batch_scale = if webhooks { measured.events_per_batch / batch } else { 1.0 };
    let fanout_scale = scenario.fanout / f64::from(mix.destinations.max(1));
    let body = as_f64(scenario.body_bytes);
    let envelope = (as_f64(phase.archived_bytes) / events - as_f64(mix.body_bytes)).max(0.0) + body;
    let claim_checked = scenario.body_bytes > CLAIM_CHECK_ABOVE && webhooks;
    let queued = if claim_checked { envelope - body + 200.0 } else { envelope };
    let rate = scenario.rate().max(f64::MIN_POSITIVE);
    let month = scenario.events_per_month.max(1.0);
    let mut lines = Vec::new();
    let mut beside = Vec::new();
    let mut notes = Vec::new();
    let mut calls_per_event: BTreeMap<String, f64> = BTreeMap::new();
    let mut table = TableUse::default();
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
    // A batch's events run side by side: it waits for each kind of call once, for the archive's
    // write as the scenario makes it, and for the destination's answer.
    let mut kinds: Vec<(&str, &str)> = phase
        .calls
        .iter()
        .filter(|call| call.caller == WORKER && !(webhooks && is_archive_write(call)))
        .map(|call| (call.service.as_str(), call.operation.as_str()))
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    let archive_wait = match (webhooks, scenario.archive_writer) {
        (false, _) => 0.0,
        (true, ArchiveWriter::Worker) => latency.of("s3"),
        (true, ArchiveWriter::Firehose) => latency.of("firehose"),
    };
    let destination = if phase.deliveries > 0 { latency.of("destination") } else { 0.0 };
    let worker_waits = kinds.iter().map(|(service, _)| latency.of(service)).sum::<f64>() + archive_wait + destination;
    let worker_scale = if webhooks { fanout_scale } else { 1.0 };
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

    // Every AWS call, as counted, and spread over the scenario's batches.
    for call in merged(&phase.calls) {
        if webhooks && is_archive_write(&call) {
            continue;
        }
        let counted = as_f64(call.count) / events;
        let calls = if !webhooks {
            counted
        } else if call.caller == LAMBDA_SERVICE && call.operation == "ReceiveMessage" {
            scenario.batching.receives_per_event()
        } else if is_breaker_read(&call) {
            // An instance reads each destination's breaker once a second at most: at a few events
            // a second, a read for several of them; a quiet stream's events read it each.
            counted.max((scenario.fanout / rate).min(scenario.fanout))
        } else {
            counted * batch_scaling(&call, measured.events_per_batch, batch)
        };
        let scale = if counted > 0.0 { calls / counted } else { 1.0 };
        *calls_per_event.entry(format!("{}:{}", call.service, call.operation)).or_default() += calls;
        let name = format!("{} {} ({})", service_name(&call.service), call.operation, caller_name(&call.caller));
        match call.service.as_str() {
            "sqs" => {
                let payload = match call.operation.as_str() {
                    "SendMessage" => queued,
                    "ReceiveMessage" => queued * (batch / scenario.batching.receives_per_batch.max(1.0)).min(10.0),
                    _ => 0.0,
                };
                line(name, "sqs.requests", Some(calls), calls * (payload / SQS_CHUNK).ceil().max(1.0), false)?;
            }
            "dynamodb" => {
                // A read unit is an item's, whatever the batch: only the calls follow the batch.
                let units = if call.operation == "BatchGetItem" { 1.0 } else { scale };
                table.add(
                    name,
                    Some(calls),
                    call.read_units / events * units,
                    call.write_units / events * units,
                    false,
                );
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

    if webhooks {
        // The archive, as the scenario writes it: the batches with new events, as the run had them.
        let archive_calls: u64 = phase.calls.iter().filter(|call| is_archive_write(call)).map(|c| c.count).sum();
        let archiving = if archive_calls == 0 || worker.count == 0 {
            1.0
        } else {
            (as_f64(archive_calls) / as_f64(worker.count)).min(1.0)
        };
        let archives_per_event = archiving / batch;
        match scenario.archive_writer {
            ArchiveWriter::Worker => {
                line(
                    "S3 PutObject (worker): the archive, an object a batch".into(),
                    "s3.putRequests",
                    Some(archives_per_event),
                    archives_per_event,
                    false,
                )?;
                *calls_per_event.entry("s3:PutObject".into()).or_default() += archives_per_event;
            }
            ArchiveWriter::Firehose => {
                // The batch's envelopes, a line each, packed into as few records as they fit.
                let batch_bytes = (envelope + 1.0) * batch;
                let records = (batch_bytes / FIREHOSE_RECORD).ceil().max(1.0);
                let calls = (records / FIREHOSE_CALL_RECORDS).ceil().max((batch_bytes / FIREHOSE_CALL_BYTES).ceil());
                // Each record rounded up to the next 5 KB: half an increment on average, as
                // batches vary; a whole one for a record under it.
                let billed = (batch_bytes / records + FIREHOSE_INCREMENT / 2.0).max(FIREHOSE_INCREMENT);
                line(
                    "Firehose PutRecordBatch (worker): the archive, a batch's envelopes in 5 KB increments".into(),
                    "firehose.ingestion",
                    Some(calls * archives_per_event),
                    records * billed / GB * archives_per_event,
                    false,
                )?;
                *calls_per_event.entry("firehose:PutRecordBatch".into()).or_default() += calls * archives_per_event;
                // The stream writes an object each minute that brought it something.
                let buffers = MONTH_SECONDS / FIREHOSE_BUFFER_SECONDS;
                let objects = buffers * (1.0 - (-rate * FIREHOSE_BUFFER_SECONDS).exp())
                    + envelope * month / FIREHOSE_BUFFER_BYTES;
                line(
                    "S3 PutObject (Firehose): an object a minute of traffic".into(),
                    "s3.putRequests",
                    Some(objects / month),
                    objects / month,
                    false,
                )?;
                *calls_per_event.entry("s3:PutObject".into()).or_default() += objects / month;
            }
        }
        // While the queue is idle, each of the mapping's pollers long-polls it, 20 s at a time.
        let pollers = prices.event_source_mapping.pollers;
        let idle = pollers * MONTH_SECONDS / LONG_POLL_SECONDS * (-rate * LONG_POLL_SECONDS / pollers).exp();
        line(
            "SQS ReceiveMessage (Lambda's event source mapping): long polls of an idle queue".into(),
            "sqs.requests",
            Some(idle / month),
            idle / month,
            true,
        )?;
        *calls_per_event.entry("sqs:ReceiveMessage".into()).or_default() += idle / month;
    }

    // What the scenario adds to the run's calls.
    if claim_checked {
        line("S3 PutObject (intake): the claim-checked body".into(), "s3.putRequests", Some(1.0), 1.0, false)?;
        line("S3 GetObject (worker): the claim-checked body".into(), "s3.getRequests", Some(1.0), 1.0, false)?;
        *calls_per_event.entry("s3:PutObject".into()).or_default() += 1.0;
        *calls_per_event.entry("s3:GetObject".into()).or_default() += 1.0;
    }
    if scenario.ordered_share > 0.0 && webhooks {
        let share = scenario.ordered_share;
        table.add(
            "DynamoDB: the ordering guard's read and write (ordered sources)".into(),
            Some(2.0 * share),
            share,
            share,
            true,
        );
    }
    if scenario.rate_limited_share > 0.0 && webhooks {
        let writes = scenario.rate_limited_share * scenario.fanout;
        table.add("DynamoDB: rate-limit slots (rate-limited destinations)".into(), Some(writes), 0.0, writes, true);
    }

    // The state table, as it is billed.
    match scenario.provisioned.filter(|_| webhooks) {
        None => {
            for (name, calls, reads, writes, estimated) in &table.parts {
                if *reads > 0.0 {
                    line(format!("{name}: read units"), "dynamodb.readUnits", *calls, *reads, *estimated)?;
                }
                if *writes > 0.0 || *reads == 0.0 {
                    line(format!("{name}: write units"), "dynamodb.writeUnits", *calls, *writes, *estimated)?;
                }
            }
        }
        Some(capacity) => {
            let hours = MONTH_SECONDS / 3600.0;
            let target = f64::from(capacity.target_utilization_percent.max(1)) / 100.0;
            for (what, used, least, most, price) in [
                ("write", table.writes(), capacity.write_min, capacity.write_max, "dynamodb.writeCapacityHours"),
                ("read", table.reads(), capacity.read_min, capacity.read_max, "dynamodb.readCapacityHours"),
            ] {
                let per_second = used * rate;
                let units = (per_second / target).ceil().clamp(f64::from(least), f64::from(most));
                if per_second > f64::from(most) {
                    notes.push(format!(
                        "the state table needs {per_second:.0} {what} capacity units a second at this volume, over                          state.{what}Capacity.max {most}: requests beyond it are throttled and retried"
                    ));
                }
                line(
                    format!(
                        "DynamoDB: provisioned {what} capacity, auto scaled to {}% of use ({least}–{most} units)",
                        capacity.target_utilization_percent
                    ),
                    price,
                    None,
                    units * hours / month,
                    true,
                )?;
            }
        }
    }

    // Bytes: logs, the archive kept, deliveries.
    let batch_log = if webhooks { as_f64(phase.batch_log_bytes) } else { 0.0 };
    line(
        "CloudWatch Logs: the lines of each event".into(),
        "logs.ingestion",
        None,
        (as_f64(phase.log_bytes) - batch_log).max(0.0) / events / GB,
        false,
    )?;
    if webhooks {
        // A batch's metrics: a line for each source it holds.
        let per_batch = if phase.batch_log_lines == 0 || worker.count == 0 {
            0.0
        } else {
            let per_line = batch_log / as_f64(phase.batch_log_lines);
            let lines_measured = as_f64(phase.batch_log_lines) / as_f64(worker.count);
            let sources = f64::from(scenario.sources.max(1));
            let held = |batch: f64| sources * (1.0 - (1.0 - 1.0 / sources).powf(batch));
            let run_sources = as_f64(mix.sources.len().max(1) as u64);
            let held_in_run = run_sources * (1.0 - (1.0 - 1.0 / run_sources).powf(measured.events_per_batch));
            per_line * lines_measured / held_in_run.max(1.0) * held(batch)
        };
        line(
            "CloudWatch Logs: the metrics lines of each batch, one per source it holds".into(),
            "logs.ingestion",
            None,
            per_batch / batch / GB,
            false,
        )?;
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
    Ok(Estimate { scenario: scenario.clone(), lines, usd_per_million, calls_per_event, beside, notes })
}

/// The worker's write of a batch into the archive: an S3 object, or a Firehose `PutRecordBatch`.
fn is_archive_write(call: &Call) -> bool {
    call.caller == WORKER
        && matches!(
            (call.service.as_str(), call.operation.as_str()),
            ("s3", "PutObject") | ("firehose", "PutRecordBatch")
        )
}

/// The worker's read of a destination's circuit breaker.
fn is_breaker_read(call: &Call) -> bool {
    call.caller == WORKER && call.service == "dynamodb" && call.operation == "GetItem"
}

/// How a call's count per event changes from the run's batches of `measured` events to batches of
/// `scenario`: the worker's invocation is one a batch; the event source mapping's deletes carry
/// 10 messages each; the new-events read 100 keys; the other calls are an event's own.
fn batch_scaling(call: &Call, measured: f64, scenario: f64) -> f64 {
    let scenario = scenario.max(1.0);
    let per = |most: f64| measured.min(most) / scenario.min(most);
    match (call.caller.as_str(), call.service.as_str(), call.operation.as_str()) {
        (LAMBDA_SERVICE, "sqs", "DeleteMessageBatch") => per(10.0),
        (WORKER, "dynamodb", "BatchGetItem") => per(100.0),
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
        "firehose" => "Firehose",
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
pub(crate) fn as_f64(count: u64) -> f64 {
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

    /// 1,000 events in 10 batches of 100, archived by the worker's S3 objects.
    fn run() -> (Mix, Phase) {
        let mix = Mix {
            webhooks: 1000,
            sources: vec!["a".into()],
            body_bytes: 1024,
            destinations: 1,
            failed_once: 0,
            jobs: 0,
            settings: RunSettings {
                batch_size: 100,
                batching_window_seconds: 1,
                intake_memory_mb: 1024,
                worker_memory_mb: 1024,
                archive_retention_days: 30,
                archive_writer: "worker".into(),
                provisioned: None,
            },
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
            batch_log_bytes: 3_000,
            batch_log_lines: 10,
            deliveries: 1000,
            delivered_bytes: 1_300_000,
            archived_bytes: 1_400_000,
            largest_item_bytes: 600,
        };
        (mix, phase)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    /// The lines whose component starts with `component`, summed: (units per event, $ per million).
    fn sum(estimate: &Estimate, component: &str) -> (f64, f64) {
        let lines = estimate.lines.iter().filter(|line| line.component.starts_with(component));
        lines.fold((0.0, 0.0), |(units, usd), line| (units + line.units_per_event, usd + line.usd_per_million))
    }

    fn units(estimate: &Estimate, component: &str) -> f64 {
        sum(estimate, component).0
    }

    fn usd(estimate: &Estimate, component: &str) -> f64 {
        sum(estimate, component).1
    }

    fn priced(scenario: &Scenario) -> Estimate {
        let (mix, phase) = run();
        estimate(&Prices::bundled().unwrap(), &mix, &phase, Kind::Webhooks, scenario).unwrap()
    }

    fn as_run() -> Scenario {
        let (mix, phase) = run();
        Scenario::of_run(Endpoint::FunctionUrl, &mix, &mix.settings, &phase, &Prices::bundled().unwrap())
    }

    fn at(events_per_month: f64, tune: impl FnOnce(&mut RunSettings)) -> Scenario {
        let (mut mix, _) = run();
        tune(&mut mix.settings);
        Scenario::of_settings(Endpoint::FunctionUrl, &mix, &mix.settings, events_per_month, &Prices::bundled().unwrap())
    }

    #[test]
    fn the_run_as_measured_is_priced_as_counted() {
        let estimate = priced(&as_run());
        assert!(close(estimate.calls_per_event["sqs:ReceiveMessage"], 0.1));
        assert!(close(estimate.calls_per_event["s3:PutObject"], 0.01));
        assert!(close(units(&estimate, "DynamoDB BatchGetItem"), 0.5));
        assert!(close(units(&estimate, "DynamoDB UpdateItem"), 2.0));
    }

    #[test]
    fn smaller_batches_cost_more_calls_but_the_same_read_units() {
        let scenario = Scenario { batching: Batching { events_per_batch: 1.0, receives_per_batch: 1.0 }, ..as_run() };
        let estimate = priced(&scenario);
        // A receive and a delete for each event alone, an archive object and a read each.
        assert!(close(estimate.calls_per_event["sqs:ReceiveMessage"], 1.0));
        assert!(close(estimate.calls_per_event["sqs:DeleteMessageBatch"], 1.0));
        assert!(close(estimate.calls_per_event["s3:PutObject"], 1.0));
        assert!(close(estimate.calls_per_event["dynamodb:BatchGetItem"], 1.0));
        assert!(close(units(&estimate, "DynamoDB BatchGetItem"), 0.5), "half a read unit an item, batched or not");
        assert!(close(units(&estimate, "DynamoDB UpdateItem"), 2.0), "an event's own writes do not follow the batch");
    }

    #[test]
    fn a_steady_stream_fills_batches_over_the_window() {
        // 10M a month, a one-second window: the first event and a share of the 3.8 a second after
        // it, five pollers sharing them.
        let scenario = at(1e7, |_| {});
        assert!((scenario.batching.events_per_batch - 2.08).abs() < 0.01, "{:?}", scenario.batching);
        let estimate = priced(&scenario);
        assert!(close(estimate.calls_per_event["sqs:DeleteMessageBatch"], 1.0 / scenario.batching.events_per_batch));
        // A receive for each event that arrives while the window is open, beyond the first.
        assert!(estimate.calls_per_event["sqs:ReceiveMessage"] > 1.0, "{:?}", estimate.calls_per_event);
    }

    #[test]
    fn firehose_bills_a_batch_by_its_records_not_by_its_calls() {
        let worker = priced(&at(1e7, |_| {}));
        let firehose = priced(&at(1e7, |settings| settings.archive_writer = "firehose".into()));
        let batch = firehose.scenario.batching.events_per_batch;
        assert!(!firehose.lines.iter().any(|line| line.component.starts_with("S3 PutObject (worker)")));
        assert!(close(firehose.calls_per_event["firehose:PutRecordBatch"], 1.0 / batch), "a call a batch");
        // Two envelopes of 1,400 bytes in a record of 2.9 KB: billed as 5 KB, and as 10 KB the
        // batches of four.
        let ingested = units(&firehose, "Firehose PutRecordBatch") * batch * 1e9;
        assert!((5.0 * 1024.0..6.0 * 1024.0).contains(&ingested), "{ingested} bytes billed a batch");
        // An object a minute in the bucket: 43,776 a month, $0.22, over 10M events.
        assert!((usd(&firehose, "S3 PutObject (Firehose)") - 0.0219).abs() < 0.001);
        assert!(
            usd(&firehose, "Firehose") + usd(&firehose, "S3 PutObject (Firehose)")
                < usd(&worker, "S3 PutObject (worker)") / 5.0,
            "an S3 object for every 4.8 events costs far more"
        );
    }

    #[test]
    fn provisioned_capacity_pays_off_for_a_steady_stream_not_a_trickle() {
        let provisioned = |settings: &mut RunSettings| {
            settings.provisioned = Some(Provisioned {
                read_min: 5,
                read_max: 500,
                write_min: 10,
                write_max: 1000,
                target_utilization_percent: 70,
            });
        };
        let table = |estimate: &Estimate| usd(estimate, "DynamoDB");
        let busy = (priced(&at(1e7, |_| {})), priced(&at(1e7, provisioned)));
        assert!(table(&busy.1) < table(&busy.0) / 2.0, "{} against {}", table(&busy.1), table(&busy.0));
        // 2 writes an event at 3.8 a second, kept at 70 %: 11 units, $5.21 a month.
        assert!((usd(&busy.1, "DynamoDB: provisioned write") * 10.0 - 11.0 * 0.00065 * 729.6).abs() < 0.01);
        let quiet = (priced(&at(1e5, |_| {})), priced(&at(1e5, provisioned)));
        assert!(table(&quiet.1) > table(&quiet.0), "the least capacity costs more than a trickle of requests");
        let flood = priced(&at(1e10, provisioned));
        assert!(flood.notes.iter().any(|note| note.contains("writeCapacity.max 1000")), "{:?}", flood.notes);
    }

    #[test]
    fn a_batchs_metrics_lines_are_spread_over_its_events() {
        let scenario = at(1e7, |_| {});
        let estimate = priced(&scenario);
        // 300 bytes a batch of one source, over its events.
        let per_event = units(&estimate, "CloudWatch Logs: the metrics lines") * 1e9;
        assert!(close(per_event, 300.0 / scenario.batching.events_per_batch), "{per_event}");
        assert!(close(units(&estimate, "CloudWatch Logs: the lines of each event") * 1e9, 497.0));
    }

    #[test]
    fn api_gateway_logs_each_request_and_a_function_url_does_not() {
        let logged = |endpoint| {
            let estimate = priced(&Scenario { endpoint, ..as_run() });
            estimate.lines.iter().any(|line| line.component.starts_with("API Gateway access log"))
        };
        assert!(logged(Endpoint::Rest) && logged(Endpoint::HttpApi) && !logged(Endpoint::FunctionUrl));
    }

    #[test]
    fn each_volume_has_the_same_components() {
        let names = |estimate: Estimate| estimate.lines.into_iter().map(|line| line.component).collect::<Vec<_>>();
        assert_eq!(names(priced(&at(1e5, |_| {}))), names(priced(&at(1e8, |_| {}))));
    }
}
