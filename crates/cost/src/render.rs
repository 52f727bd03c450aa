//! The tables: for a terminal, for `cost/REPORT.md`, and `cost/report.json`.

use std::fmt::Write;

use serde_json::{Value, json};

use crate::model::{Endpoint, Estimate, Kind, Scenario, estimate};
use crate::{CostError, Measured, Prices};

/// The volumes a report shows a month's cost at.
pub const VOLUMES: [f64; 3] = [1e5, 1e7, 1e8];

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

/// Rows of a table: component, calls per event, $ per million, then $ a month at each volume.
fn rows(estimate: &Estimate, prices: &Prices, volumes: &[f64]) -> (Vec<Vec<String>>, Vec<String>) {
    let mut header = vec!["component".to_owned(), "calls/event".to_owned(), "$ per million".to_owned()];
    header.extend(volumes.iter().map(|volume| format!("{}/month", volume_name(*volume))));
    let mut rows: Vec<Vec<String>> = estimate
        .lines
        .iter()
        .map(|line| {
            let mut row = vec![line.component.clone(), calls(line.calls_per_event), dollars(line.usd_per_million)];
            row.extend(volumes.iter().map(|volume| dollars(line.usd_per_million * volume / 1e6)));
            row
        })
        .collect();
    let mut total = vec!["total".to_owned(), String::new(), dollars(estimate.usd_per_million)];
    total.extend(volumes.iter().map(|volume| dollars(estimate.monthly(*volume))));
    rows.push(total);
    let mut free = vec!["always-free tiers, not subtracted above".to_owned(), String::new(), String::new()];
    free.extend(volumes.iter().map(|volume| {
        let saved: f64 = estimate.free_tier(prices, *volume).iter().map(|(_, saved)| saved).sum();
        format!("-{}", dollars(saved))
    }));
    rows.push(free);
    for line in &estimate.beside {
        let mut row = vec![format!("+ {}", line.component), String::new(), dollars(line.usd_per_million)];
        row.extend(volumes.iter().map(|volume| dollars(line.usd_per_million * volume / 1e6)));
        rows.push(row);
    }
    (rows, header)
}

/// A table for a terminal.
pub fn text_table(estimate: &Estimate, prices: &Prices, volumes: &[f64]) -> String {
    let (rows, header) = rows(estimate, prices, volumes);
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
    let total = rows.len() - 2 - estimate.beside.len();
    for (index, row) in rows.iter().enumerate() {
        if index == total {
            line(&mut out, &rule);
        }
        line(&mut out, row);
    }
    out
}

fn markdown_table(estimate: &Estimate, prices: &Prices, volumes: &[f64]) -> String {
    let (rows, header) = rows(estimate, prices, volumes);
    let mut out = format!("| {} |\n|{}\n", header.join(" | "), "---|".repeat(header.len()));
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out
}

/// Each front door's webhooks and the jobs, as measured.
pub fn run_estimates(measured: &Measured, prices: &Prices) -> Result<Vec<(Endpoint, Estimate, Estimate)>, CostError> {
    let mut estimates = Vec::new();
    for endpoint in Endpoint::ALL {
        let Ok(run) = measured.variant(endpoint.as_str()) else { continue };
        let webhooks = estimate(
            prices,
            &measured.mix,
            &run.webhooks,
            Kind::Webhooks,
            &Scenario::of_run(endpoint, &measured.mix, &run.webhooks),
        )?;
        let jobs = estimate(
            prices,
            &measured.mix,
            &run.jobs,
            Kind::Jobs,
            &Scenario::of_run(Endpoint::Rest, &measured.mix, &run.jobs),
        )?;
        estimates.push((endpoint, webhooks, jobs));
    }
    Ok(estimates)
}

/// `cost/report.json`: one object per front door.
pub fn report_json(measured: &Measured, prices: &Prices) -> Result<Value, CostError> {
    let estimates = run_estimates(measured, prices)?;
    Ok(Value::Array(
        estimates
            .into_iter()
            .map(|(endpoint, webhooks, jobs)| {
                let round = |value: f64| (value * 1e4).round() / 1e4;
                json!({
                    "endpoint": endpoint.as_str(),
                    "usd_per_million": round(webhooks.usd_per_million),
                    "calls_per_event": webhooks.calls_per_event.iter().map(|(k, v)| (k.clone(), json!(round(*v)))).collect::<serde_json::Map<_, _>>(),
                    "events_per_batch": round(webhooks.scenario.events_per_batch),
                    "date": measured.date,
                    "commit": measured.commit,
                    "components": webhooks.lines,
                    "jobs": {"usd_per_million": round(jobs.usd_per_million), "components": jobs.lines},
                })
            })
            .collect(),
    ))
}

/// `cost/REPORT.md`.
pub fn markdown_report(measured: &Measured, prices: &Prices) -> Result<String, CostError> {
    let estimates = run_estimates(measured, prices)?;
    let mix = &measured.mix;
    let mut out = String::new();
    let _ = writeln!(out, "# What a webhook costs: `make cost`, {}\n", measured.date);
    let _ = writeln!(
        out,
        "Measured on commit `{}` by `make cost`: {} webhooks of {} bytes over {} sources ({}), one forward destination refusing {} of them once, and {} jobs, through the local stack once per front door — the real intake and worker, moto counting every AWS call. Archive on; `worker.batchSize` {}, `batchingWindowSeconds` {}; intake {} MB, worker {} MB. Prices: `cost/prices.json` ({}), free tiers not subtracted.\n",
        measured.commit,
        mix.webhooks,
        mix.body_bytes,
        mix.sources.len(),
        mix.sources.join(", "),
        mix.failed_once,
        mix.jobs,
        mix.batch_size,
        mix.batching_window_seconds,
        mix.intake_memory_mb,
        mix.worker_memory_mb,
        prices.region
    );
    let _ =
        writeln!(out, "| front door | $ per million webhooks | events per worker batch (measured) |\n|---|---|---|");
    for (endpoint, webhooks, _) in &estimates {
        let _ = writeln!(
            out,
            "| `{}` | **{}** | {:.1} |",
            endpoint.as_str(),
            dollars(webhooks.usd_per_million),
            webhooks.scenario.events_per_batch
        );
    }
    for peer in &prices.peers {
        let _ = writeln!(out, "| {} ({}, {}) | {} | |", peer.name, peer.note, peer.date, dollars(peer.usd_per_million));
    }
    for (endpoint, webhooks, jobs) in &estimates {
        let _ = writeln!(out, "\n## `\"webhooks\": {{\"endpoint\": \"{}\"}}`\n", endpoint.as_str());
        out.push_str(&markdown_table(webhooks, prices, &VOLUMES));
        if let Ok(run) = measured.variant(endpoint.as_str()) {
            let mean = |runs: crate::Invocations| {
                if runs.count == 0 { 0.0 } else { runs.seconds / runs.count as f64 * 1000.0 }
            };
            let _ = writeln!(
                out,
                "\nCompute is estimated: the CPU time the functions used, measured, plus the waits of `latencies` in `cost/prices.json`. On the local stack an invocation took {:.1} ms (intake) and {:.0} ms a batch (worker) from request to answer, most of it moto's: moto serves a call in milliseconds of Python, one DynamoDB write at a time.",
                mean(run.webhooks.invocations_of(crate::model::INTAKE)),
                mean(run.webhooks.invocations_of(crate::model::WORKER)),
            );
        }
        if *endpoint == Endpoint::Rest {
            let _ = writeln!(out, "\n### Jobs (`POST /jobs`, then one `GET /jobs/{{id}}`), per million jobs\n");
            out.push_str(&markdown_table(jobs, prices, &VOLUMES));
        }
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
