//! The tables: for a terminal, for `cost/REPORT.md`, and `cost/report.json`.

use std::fmt::Write;

use serde_json::{Value, json};

use crate::latency::LatencyReport;
use crate::model::{Endpoint, Estimate, Kind, Scenario, estimate};
use crate::{CostError, Measured, Prices};

/// The volumes a report shows a month's cost at.
pub const VOLUMES: [f64; 3] = [1e5, 1e7, 1e8];
/// The volume a report's headline figure, per million webhooks, is at.
pub const HEADLINE_VOLUME: f64 = 1e7;

/// `10M`, `100k`.
pub fn volume_name(events: f64) -> String {
    if events >= 1e9 {
        format!("{}B", trim(events / 1e9))
    } else if events >= 1e6 {
        format!("{}M", trim(events / 1e6))
    } else if events >= 1e3 {
        format!("{}k", trim(events / 1e3))
    } else {
        trim(events)
    }
}

fn trim(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn dollars(value: f64) -> String {
    if value == 0.0 {
        "$0".to_owned()
    } else if value < 0.01 {
        format!("${value:.4}")
    } else if value < 100.0 {
        format!("${value:.2}")
    } else {
        format!("${value:.0}")
    }
}

fn calls(value: Option<f64>) -> String {
    value.map_or_else(String::new, |value| format!("{value:.3}"))
}

/// Rows of a table: component, calls per event and $ per million at the `headline` estimate,
/// then $ a month at each estimate's volume (each priced with its own batches).
fn rows(estimates: &[Estimate], headline: &Estimate, prices: &Prices) -> (Vec<Vec<String>>, Vec<String>) {
    let mut header = vec!["component".to_owned(), "calls/event".to_owned(), "$ per million".to_owned()];
    header.extend(estimates.iter().map(|column| format!("{}/month", volume_name(column.scenario.events_per_month))));
    let at = |column: &Estimate, index: usize, component: &str| {
        let usd = column.lines.get(index).filter(|line| line.component == component).map_or_else(
            || column.lines.iter().filter(|line| line.component == component).map(|line| line.usd_per_million).sum(),
            |line| line.usd_per_million,
        );
        dollars(usd * column.scenario.events_per_month / 1e6)
    };
    let mut rows: Vec<Vec<String>> = headline
        .lines
        .iter()
        .enumerate()
        .map(|(index, line)| {
            let mut row = vec![line.component.clone(), calls(line.calls_per_event), dollars(line.usd_per_million)];
            row.extend(estimates.iter().map(|column| at(column, index, &line.component)));
            row
        })
        .collect();
    let mut total = vec!["total".to_owned(), String::new(), dollars(headline.usd_per_million)];
    total.extend(estimates.iter().map(|column| dollars(column.monthly())));
    rows.push(total);
    if estimates.len() > 1 || estimates.first().is_some_and(|column| column.scenario != headline.scenario) {
        let mut per_million = vec!["per million at that volume".to_owned(), String::new(), String::new()];
        per_million.extend(estimates.iter().map(|column| dollars(column.usd_per_million)));
        rows.push(per_million);
    }
    let mut free = vec!["always-free tiers, not subtracted above".to_owned(), String::new(), String::new()];
    free.extend(estimates.iter().map(|column| {
        let saved: f64 = column.free_tier(prices).iter().map(|(_, saved)| saved).sum();
        format!("-{}", dollars(saved))
    }));
    rows.push(free);
    for (index, line) in headline.beside.iter().enumerate() {
        let mut row = vec![format!("+ {}", line.component), String::new(), dollars(line.usd_per_million)];
        row.extend(estimates.iter().map(|column| {
            let usd = column.beside.get(index).map_or(0.0, |line| line.usd_per_million);
            dollars(usd * column.scenario.events_per_month / 1e6)
        }));
        rows.push(row);
    }
    (rows, header)
}

/// A table for a terminal: `headline`'s components, with a column a month for each estimate.
pub fn text_table(estimates: &[Estimate], headline: &Estimate, prices: &Prices) -> String {
    let (rows, header) = rows(estimates, headline, prices);
    let mut widths: Vec<usize> = header.iter().map(|cell| cell.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, row: &[String]| {
        for (column, (cell, width)) in row.iter().zip(&widths).enumerate() {
            let pad = width - cell.chars().count();
            if column == 0 {
                let _ = write!(out, "{cell}{}", " ".repeat(pad));
            } else {
                let _ = write!(out, "  {}{cell}", " ".repeat(pad));
            }
        }
        out.push('\n');
    };
    line(&mut out, &header);
    let rule: Vec<String> = widths.iter().map(|width| "-".repeat(*width)).collect();
    line(&mut out, &rule);
    for (index, row) in rows.iter().enumerate() {
        if index == headline.lines.len() {
            line(&mut out, &rule);
        }
        line(&mut out, row);
    }
    out
}

fn markdown_table(estimates: &[Estimate], headline: &Estimate, prices: &Prices) -> String {
    let (rows, header) = rows(estimates, headline, prices);
    let mut out = format!("| {} |\n|{}\n", header.join(" | "), "---|".repeat(header.len()));
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out
}

/// The same configuration behind each front door, side by side: `(front door, estimate)`, the
/// chosen one marked.
pub fn front_doors_table(estimates: &[(Endpoint, Estimate)], chosen: Endpoint) -> String {
    let mut out = String::new();
    for (endpoint, estimate) in estimates {
        let _ = writeln!(
            out,
            "  {:<13} {:>8} per million  {:>8} a month{}",
            endpoint.as_str(),
            dollars(estimate.usd_per_million),
            dollars(estimate.monthly()),
            if *endpoint == chosen { "   (this configuration's)" } else { "" }
        );
    }
    out
}

/// A profile's webhooks through one front door, priced at each of [`VOLUMES`], and its jobs.
#[derive(Debug, Clone)]
pub struct ProfileEstimates {
    /// `default` or `volume`.
    pub profile: String,
    /// The front door.
    pub endpoint: Endpoint,
    /// One per volume, in the order of [`VOLUMES`].
    pub volumes: Vec<Estimate>,
    /// At [`HEADLINE_VOLUME`].
    pub headline: Estimate,
    /// The jobs (`POST /jobs`), per million, state table on demand.
    pub jobs: Estimate,
}

/// Each profile's webhooks through each front door, and its jobs, as measured.
pub fn run_estimates(measured: &Measured, prices: &Prices) -> Result<Vec<ProfileEstimates>, CostError> {
    let mut estimates = Vec::new();
    for profile in measured.profiles() {
        for endpoint in Endpoint::ALL {
            let Ok(run) = measured.variant(endpoint.as_str(), &profile) else { continue };
            let settings = measured.settings_of(run);
            let at = |events: f64| {
                let scenario = Scenario::of_settings(endpoint, &measured.mix, settings, events, prices);
                estimate(prices, &measured.mix, &run.webhooks, Kind::Webhooks, &scenario)
            };
            let volumes = VOLUMES.iter().map(|events| at(*events)).collect::<Result<Vec<_>, _>>()?;
            let headline = at(HEADLINE_VOLUME)?;
            let jobs_scenario = Scenario {
                provisioned: None,
                ..Scenario::of_settings(Endpoint::Rest, &measured.mix, settings, HEADLINE_VOLUME, prices)
            };
            let jobs = estimate(prices, &measured.mix, &run.jobs, Kind::Jobs, &jobs_scenario)?;
            estimates.push(ProfileEstimates { profile: profile.clone(), endpoint, volumes, headline, jobs });
        }
    }
    Ok(estimates)
}

fn round(value: f64) -> f64 {
    (value * 1e4).round() / 1e4
}

/// `cost/report.json`: one object per front door and profile.
pub fn report_json(measured: &Measured, prices: &Prices) -> Result<Value, CostError> {
    let estimates = run_estimates(measured, prices)?;
    Ok(Value::Array(
        estimates
            .into_iter()
            .map(|run| {
                let headline = &run.headline;
                let by_volume: serde_json::Map<String, Value> = run
                    .volumes
                    .iter()
                    .map(|at| (volume_name(at.scenario.events_per_month), json!(round(at.usd_per_million))))
                    .collect();
                json!({
                    "endpoint": run.endpoint.as_str(),
                    "profile": run.profile,
                    "usd_per_million": round(headline.usd_per_million),
                    "events_per_month": headline.scenario.events_per_month,
                    "usd_per_million_by_events_per_month": by_volume,
                    "calls_per_event": headline.calls_per_event.iter().map(|(k, v)| (k.clone(), json!(round(*v)))).collect::<serde_json::Map<_, _>>(),
                    "events_per_batch": round(headline.scenario.batching.events_per_batch),
                    "scenario": headline.scenario,
                    "date": measured.date,
                    "commit": measured.commit,
                    "components": headline.lines,
                    "notes": headline.notes,
                    "jobs": {"usd_per_million": round(run.jobs.usd_per_million), "components": run.jobs.lines},
                })
            })
            .collect(),
    ))
}

/// `cost/REPORT.md`, with `cost/latency.json`'s measurement when there is one.
pub fn markdown_report(
    measured: &Measured,
    prices: &Prices,
    latency: Option<&LatencyReport>,
) -> Result<String, CostError> {
    let estimates = run_estimates(measured, prices)?;
    let mix = &measured.mix;
    let mut out = String::new();
    let _ = writeln!(out, "# What a webhook costs: `make cost`, {}\n", measured.date);
    let _ = writeln!(
        out,
        "Measured on commit `{}` by `make cost`: {} webhooks of {} bytes over {} sources ({}), one forward destination refusing {} of them once, and {} jobs, through the local stack once per front door and profile — the real intake and worker, moto counting every AWS call. Each profile is priced at {}, {} and {} webhooks a month in a steady stream, its batches as the stream fills them (`worker.batchingWindowSeconds` from the first event, up to `worker.batchSize`). Prices: `cost/prices.json` ({}), free tiers not subtracted.\n",
        measured.commit,
        mix.webhooks,
        mix.body_bytes,
        mix.sources.len(),
        mix.sources.join(", "),
        mix.failed_once,
        mix.jobs,
        volume_name(VOLUMES[0]),
        volume_name(VOLUMES[1]),
        volume_name(VOLUMES[2]),
        prices.region
    );
    let _ = writeln!(out, "| profile | settings |\n|---|---|");
    for profile in measured.profiles() {
        let Some(run) =
            measured.variants.iter().find(|run| run.profile.as_deref().unwrap_or(crate::DEFAULT_PROFILE) == profile)
        else {
            continue;
        };
        let settings = measured.settings_of(run);
        let state = settings.provisioned.map_or_else(
            || "on-demand".to_owned(),
            |capacity| {
                format!(
                    "provisioned, auto scaled to {}% ({}–{} write, {}–{} read units)",
                    capacity.target_utilization_percent,
                    capacity.write_min,
                    capacity.write_max,
                    capacity.read_min,
                    capacity.read_max
                )
            },
        );
        let _ = writeln!(
            out,
            "| `{profile}` | `batchSize` {}, `batchingWindowSeconds` {}; intake {} MB, worker {} MB; archive writer `{}`; state table {state} |",
            settings.batch_size,
            settings.batching_window_seconds,
            settings.intake_memory_mb,
            settings.worker_memory_mb,
            settings.archive_writer,
        );
    }
    let names: Vec<String> = VOLUMES.iter().map(|volume| format!("{} a month", volume_name(*volume))).collect();
    let _ = writeln!(
        out,
        "\n| front door | profile | $ per million at {} | {} | {} | events per worker batch at {} |\n|---|---|---|---|---|---|",
        names[0],
        names[1],
        names[2],
        volume_name(HEADLINE_VOLUME)
    );
    for run in &estimates {
        let per_million: Vec<String> = run.volumes.iter().map(|at| dollars(at.usd_per_million)).collect();
        let _ = writeln!(
            out,
            "| `{}` | `{}` | {} | **{}** | {} | {:.1} |",
            run.endpoint.as_str(),
            run.profile,
            per_million[0],
            dollars(run.headline.usd_per_million),
            per_million[2],
            run.headline.scenario.batching.events_per_batch
        );
    }
    for peer in &prices.peers {
        let _ = writeln!(
            out,
            "| {} ({}, {}) | | {} | {} | {} | |",
            peer.name,
            peer.note,
            peer.date,
            dollars(peer.usd_per_million),
            dollars(peer.usd_per_million),
            dollars(peer.usd_per_million)
        );
    }
    for run in &estimates {
        let _ = writeln!(
            out,
            "\n## `\"webhooks\": {{\"endpoint\": \"{}\"}}`, profile `{}`\n",
            run.endpoint.as_str(),
            run.profile
        );
        out.push_str(&markdown_table(&run.volumes, &run.headline, prices));
        for note in &run.headline.notes {
            let _ = writeln!(out, "\nNote: {note}.");
        }
        if let Ok(variant) = measured.variant(run.endpoint.as_str(), &run.profile) {
            let mean = |runs: crate::Invocations| {
                if runs.count == 0 { 0.0 } else { runs.seconds / runs.count as f64 * 1000.0 }
            };
            let _ = writeln!(
                out,
                "\nCompute is estimated: the CPU time the functions used, measured, plus the waits of `latencies` in `cost/prices.json`. On the local stack an invocation took {:.1} ms (intake) and {:.0} ms a batch of {:.0} (worker) from request to answer, most of it moto's: moto serves a call in milliseconds of Python, one DynamoDB write at a time.",
                mean(variant.webhooks.invocations_of(crate::model::INTAKE)),
                mean(variant.webhooks.invocations_of(crate::model::WORKER)),
                crate::measured_batch(&variant.webhooks),
            );
        }
        if run.endpoint == Endpoint::Rest && run.profile == crate::DEFAULT_PROFILE {
            let _ = writeln!(
                out,
                "\n### Jobs (`POST /jobs`, then one `GET /jobs/{{id}}`), per million jobs, the state table on demand\n"
            );
            out.push_str(&markdown_table(std::slice::from_ref(&run.jobs), &run.jobs, prices));
        }
    }
    if let Some(latency) = latency {
        out.push_str(&latency_section(latency));
    }
    let _ = writeln!(
        out,
        "\n## Prices\n\n| key | price | unit | always free a month | read | page |\n|---|---|---|---|---|---|"
    );
    for (key, price) in &prices.prices {
        let free = price.free_tier.map_or_else(String::new, |free| format!("{free}"));
        let _ = writeln!(
            out,
            "| `{key}` | ${} per {} | {} | {free} | {} | <{}> |",
            price.usd, price.per, price.unit, price.date, price.source
        );
    }
    Ok(out)
}

/// The latency the batching window adds, as `make latency` measured it.
pub fn latency_section(latency: &LatencyReport) -> String {
    let mut out = format!(
        "\n## What the batching window adds to a delivery (`make latency`, {}, commit `{}`)\n\n\
         Webhooks sent at a steady rate through the local stack, each timed from the intake's 202 to the \
         destination's receipt; the batches and the event source mapping's receives as counted, beside what \
         the cost model reckons for the local stack's {} pollers.\n\n\
         | webhooks a second | `batchingWindowSeconds` | webhooks | median | p90 | median added by the window | events per batch (model) | receives per event (model) |\n\
         |---|---|---|---|---|---|---|---|\n",
        latency.date, latency.commit, latency.pollers
    );
    for run in &latency.runs {
        let added = latency
            .run(run.rate, 0)
            .filter(|_| run.batching_window_seconds > 0)
            .map_or_else(String::new, |without| format!("{:+.0} ms", run.median_ms - without.median_ms));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.0} ms | {:.0} ms | {added} | {:.1} ({:.1}) | {:.2} ({:.2}) |",
            trim(run.rate),
            run.batching_window_seconds,
            run.events,
            run.median_ms,
            run.p90_ms,
            run.events_per_batch,
            run.model_events_per_batch,
            run.receives_per_event,
            run.model_receives_per_event
        );
    }
    out
}
