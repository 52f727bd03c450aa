//! `cost/measured.json`: what `make cost` counted, per front door and configuration profile, and
//! per phase of the mix.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::CostError;
use crate::model::Provisioned;

/// One `make cost` run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Measured {
    /// The day it ran (UTC).
    pub date: String,
    /// The commit it measured.
    pub commit: String,
    /// What it sent, and the configuration of its first profile.
    pub mix: Mix,
    /// One per front door and profile.
    pub variants: Vec<VariantRun>,
}

/// The mix and the configuration of the run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mix {
    /// Webhooks sent, spread evenly over the sources.
    pub webhooks: u64,
    /// Their sources.
    pub sources: Vec<String>,
    /// The size of each webhook's body.
    pub body_bytes: u64,
    /// Forward destinations each event goes to.
    pub destinations: u32,
    /// Deliveries the destination refused once (500) before taking them.
    pub failed_once: u64,
    /// Jobs submitted.
    pub jobs: u64,
    /// The configuration of the run's first profile (and of every run of a measurement made
    /// before the runs said their own).
    #[serde(flatten)]
    pub settings: RunSettings,
}

/// The settings of `hookway.json` a run's cost depends on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSettings {
    /// `worker.batchSize`.
    pub batch_size: u32,
    /// `worker.batchingWindowSeconds`.
    pub batching_window_seconds: u32,
    /// `intake.memoryMb`.
    pub intake_memory_mb: u32,
    /// `worker.memoryMb`.
    pub worker_memory_mb: u32,
    /// `archive.retentionDays`.
    pub archive_retention_days: u32,
    /// `archive.writer`: `firehose` or `worker` (every run before the setting wrote S3 objects).
    #[serde(default = "worker_writer")]
    pub archive_writer: String,
    /// `state.billing: "provisioned"` and its capacity; none: on-demand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioned: Option<Provisioned>,
}

fn worker_writer() -> String {
    "worker".to_owned()
}

/// The run of one front door with one profile.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VariantRun {
    /// `webhooks.endpoint`.
    pub endpoint: String,
    /// The configuration profile: `default` (hookway.json as shipped) or `volume`
    /// (`cost/volume.json` over it). A measurement made before profiles has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Its configuration, when it is not the mix's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<RunSettings>,
    /// The webhooks, from the first request to the last delivery.
    pub webhooks: Phase,
    /// The jobs, from the first `POST /jobs` to the last job's record.
    pub jobs: Phase,
}

/// What one phase cost, counted.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Phase {
    /// Events (webhooks or jobs) sent.
    pub events: u64,
    /// Every AWS call made, by caller and operation.
    pub calls: Vec<Call>,
    /// Lambda invocations, by function.
    pub invocations: BTreeMap<String, Invocations>,
    /// Bytes the functions logged (what CloudWatch Logs would ingest), all lines together.
    pub log_bytes: u64,
    /// Of those, the worker's lines of an invocation rather than of an event (its metrics, one
    /// line per source a batch holds), less what they say of each event (the latencies and ids
    /// they list): what a batch costs in logs, whatever it holds.
    #[serde(default)]
    pub batch_log_bytes: u64,
    /// How many such lines.
    #[serde(default)]
    pub batch_log_lines: u64,
    /// Requests the destination received (retries included) and their bytes, headers included.
    pub deliveries: u64,
    /// Bytes of those requests.
    pub delivered_bytes: u64,
    /// Bytes added to the archive bucket.
    pub archived_bytes: u64,
    /// The largest item of the state table (DynamoDB bills writes by the KB).
    pub largest_item_bytes: u64,
}

/// One caller's calls of one operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Call {
    /// The SDK application name: `hookway-intake`, `hookway-worker`, `lambda-service` (the event
    /// source mapping and the asynchronous invocation's destination).
    pub caller: String,
    /// `sqs`, `dynamodb`, `s3`, `ssm`.
    pub service: String,
    /// `SendMessage`, `PutObject`, …
    pub operation: String,
    /// How many.
    pub count: u64,
    /// DynamoDB read units consumed.
    #[serde(default)]
    pub read_units: f64,
    /// DynamoDB write units consumed.
    #[serde(default)]
    pub write_units: f64,
}

/// A function's invocations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invocations {
    /// How many.
    pub count: u64,
    /// Their durations, summed, from request to answer, on the local stack (moto's latency,
    /// not AWS's, in it).
    pub seconds: f64,
    /// The CPU time the function's processes used meanwhile.
    #[serde(default)]
    pub cpu_seconds: f64,
}

impl Measured {
    /// The run this build carries.
    pub fn bundled() -> Result<Measured, CostError> {
        serde_json::from_str(crate::MEASURED_JSON)
            .map_err(|source| CostError::Json { what: "cost/measured.json", source })
    }

    /// The run of one front door with `profile` — or, for a measurement made before profiles,
    /// its one run of that front door.
    pub fn variant(&self, endpoint: &str, profile: &str) -> Result<&VariantRun, CostError> {
        self.variants
            .iter()
            .find(|run| run.endpoint == endpoint && run.profile.as_deref().is_none_or(|named| named == profile))
            .ok_or_else(|| CostError::NoVariant { endpoint: endpoint.to_owned(), profile: profile.to_owned() })
    }

    /// The profiles measured, in the order of the runs.
    pub fn profiles(&self) -> Vec<String> {
        let mut profiles: Vec<String> = Vec::new();
        for run in &self.variants {
            let profile = run.profile.clone().unwrap_or_else(|| crate::DEFAULT_PROFILE.to_owned());
            if !profiles.contains(&profile) {
                profiles.push(profile);
            }
        }
        profiles
    }

    /// The configuration a run ran.
    pub fn settings_of<'a>(&'a self, run: &'a VariantRun) -> &'a RunSettings {
        run.settings.as_ref().unwrap_or(&self.mix.settings)
    }
}

impl Phase {
    /// Invocations of `function`.
    pub fn invocations_of(&self, function: &str) -> Invocations {
        self.invocations.get(function).copied().unwrap_or_default()
    }
}
