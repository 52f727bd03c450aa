//! `hookway cost`: what a month of webhooks costs on AWS with this `hookway.json`, from the calls
//! per event `make cost` measured (carried in this binary), priced at the list prices of
//! `cost/prices.json`. Offline: it reads no AWS account and makes no call.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use hookway_core::Config;
use hookway_core::config::{ArchiveWriter as WriterSetting, HandlerConfig, StateBilling, StateConfig};
use hookway_cost::{
    ArchiveWriter, CostError, DEFAULT_PROFILE, Endpoint, Estimate, Kind, Measured, Prices, Provisioned, Scenario,
    estimate, front_doors_table, merge_patch, parse_bytes, parse_count, text_table, volume_name,
};

use crate::error::CliError;
use crate::output::{json_line, out, outln};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Webhooks a month: 250000, 100k, 10M, 1.5B.
    #[arg(long, value_name = "COUNT", value_parser = parse_count)]
    events_per_month: u64,
    /// The average body: 512B, 2KiB, 1MiB [default: the measured mix's, 1 KiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_bytes)]
    avg_body: Option<u64>,
    /// Forward deliveries per event (each destination an event goes to) [default: 1].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100))]
    fanout: Option<u32>,
    /// The configuration file.
    #[arg(long, value_name = "FILE", default_value = "hookway.json")]
    config: PathBuf,
    /// Settings merged over the configuration before it is priced, as a JSON merge patch: the
    /// volume settings are in cost/volume.json.
    #[arg(long = "with", value_name = "FILE")]
    with: Option<PathBuf>,
    /// Price the configuration behind this front door instead of its own `webhooks.endpoint`:
    /// rest, http-api or function-url.
    #[arg(long, value_name = "ENDPOINT", value_parser = parse_endpoint)]
    endpoint: Option<Endpoint>,
    /// Print the estimate as JSON.
    #[arg(long)]
    json: bool,
}

fn parse_endpoint(text: &str) -> Result<Endpoint, String> {
    Endpoint::parse(text).ok_or_else(|| format!("`{text}` is not a front door: one of rest, http-api, function-url"))
}

pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let config = load(&args.config, args.with.as_deref())?;
    let model = |error: CostError| CliError::Usage(error.to_string());
    let prices = Prices::bundled().map_err(model)?;
    let measured = Measured::bundled().map_err(model)?;
    let chosen = args.endpoint.unwrap_or_else(|| endpoint_of(&config));
    let events = args.events_per_month as f64;
    let priced = |endpoint: Endpoint, provisioned: Option<Provisioned>| -> Result<Estimate, CliError> {
        let run = measured.variant(endpoint.as_str(), DEFAULT_PROFILE).map_err(model)?;
        let mut scenario = scenario(&config, &measured, endpoint, events, args.avg_body, args.fanout, &prices);
        scenario.provisioned = provisioned;
        estimate(&prices, &measured.mix, &run.webhooks, Kind::Webhooks, &scenario).map_err(model)
    };
    let billing = provisioned_of(&config.state);
    let doors = Endpoint::ALL
        .into_iter()
        .map(|endpoint| Ok((endpoint, priced(endpoint, billing)?)))
        .collect::<Result<Vec<_>, CliError>>()?;
    let Some((_, estimate)) = doors.iter().find(|(endpoint, _)| *endpoint == chosen) else {
        return Err(CliError::Usage(format!("no estimate for the `{}` endpoint", chosen.as_str())));
    };
    // The state table billed the other way, for comparison.
    let other = priced(chosen, if billing.is_some() { None } else { Some(capacity_of(&config.state)) })?;
    let (on_demand, provisioned) = if billing.is_some() { (&other, estimate) } else { (estimate, &other) };
    let free: f64 = estimate.free_tier(&prices).iter().map(|(_, saved)| saved).sum();
    if args.json {
        let answer = serde_json::json!({
            "eventsPerMonth": args.events_per_month,
            "usdPerMillion": estimate.usd_per_million,
            "usdPerMonth": estimate.monthly(),
            "alwaysFreeTiersPerMonth": free,
            "estimate": estimate,
            "stateBilling": {
                "onDemand": {"usdPerMillion": on_demand.usd_per_million, "usdPerMonth": on_demand.monthly()},
                "provisioned": {"usdPerMillion": provisioned.usd_per_million, "usdPerMonth": provisioned.monthly()},
            },
            "frontDoors": doors.iter().map(|(endpoint, at)| serde_json::json!({
                "endpoint": endpoint.as_str(),
                "usdPerMillion": at.usd_per_million,
                "usdPerMonth": at.monthly(),
            })).collect::<Vec<_>>(),
            "measured": {"date": measured.date, "commit": measured.commit},
        });
        json_line(&answer)?;
        return Ok(ExitCode::SUCCESS);
    }
    let scenario = &estimate.scenario;
    outln!(
        "{}{}: webhooks through the {} endpoint, {} events a month ({:.1} a second), bodies of {} bytes, {} deliveries each; batches of about {:.1} events (a {} s window, at most {}, for each of the event source mapping's {} pollers sharing the stream), archived by the {} writer",
        args.config.display(),
        args.with.as_ref().map_or_else(String::new, |with| format!(" with {}", with.display())),
        chosen.as_str(),
        volume_name(events),
        scenario.rate(),
        scenario.body_bytes,
        scenario.fanout,
        scenario.batching.events_per_batch,
        scenario.batching_window_seconds,
        scenario.batch_size,
        prices.event_source_mapping.pollers,
        scenario.archive_writer.as_str(),
    )?;
    outln!()?;
    out!("{}", text_table(std::slice::from_ref(estimate), estimate, &prices))?;
    outln!()?;
    outln!(
        "${:.2} per million webhooks: ${:.2} a month at {}, free tiers not subtracted.",
        estimate.usd_per_million,
        estimate.monthly(),
        volume_name(events)
    )?;
    for note in &estimate.notes {
        outln!("Note: {note}.")?;
    }
    let state = &config.state;
    let scaling = format!(
        "auto scaled to {}% of use, {}–{} write and {}–{} read units",
        state.target_utilization_percent,
        state.write_capacity.min,
        state.write_capacity.max,
        state.read_capacity.min,
        state.read_capacity.max,
    );
    if billing.is_some() {
        outln!(
            "With the state table provisioned ({scaling}): ${:.2} a month in all; on demand: ${:.2}.",
            estimate.monthly(),
            other.monthly()
        )?;
    } else {
        outln!(
            "With the state table on demand: ${:.2} a month in all; \"state\": {{\"billing\": \"provisioned\"}} ({scaling}): ${:.2}.",
            estimate.monthly(),
            other.monthly()
        )?;
    }
    for peer in &prices.peers {
        outln!(
            "  {} at ${:.2} per million ({}): ${:.0} a month",
            peer.name,
            peer.usd_per_million,
            peer.note,
            peer.usd_per_million * events / 1e6
        )?;
    }
    outln!(
        "Calls per event as `make cost` counted them on {} ({}); list prices of {} ({}); compute is estimated from local timings.",
        measured.date,
        measured.commit,
        prices.region,
        prices.prices.values().map(|price| price.date.as_str()).max().unwrap_or("?"),
    )?;
    outln!("Not per event: alarms, the dashboard, custom metrics and the WAF's web ACL are a fixed monthly cost.")?;
    outln!()?;
    outln!("The same configuration behind each front door, at {} a month:", volume_name(events))?;
    out!("{}", front_doors_table(&doors, chosen))?;
    Ok(ExitCode::SUCCESS)
}

/// The configuration, with `with`'s settings merged over it.
fn load(path: &Path, with: Option<&Path>) -> Result<Config, CliError> {
    let Some(with) = with else { return Ok(crate::config::Loaded::read(path)?.config) };
    let read = |path: &Path| -> Result<serde_json::Value, CliError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| CliError::Read { path: path.to_path_buf(), source })?;
        serde_json::from_str(&text).map_err(|error| CliError::Usage(format!("{}: {error}", path.display())))
    };
    let mut config = read(path)?;
    merge_patch(&mut config, &read(with)?);
    Config::from_json(&config.to_string())
        .map_err(|error| CliError::Usage(format!("{} with {}: {error}", path.display(), with.display())))
}

/// The front door `hookway.json` chooses (`webhooks.endpoint`).
fn endpoint_of(config: &Config) -> Endpoint {
    Endpoint::parse(config.webhooks.endpoint.as_str()).unwrap_or(Endpoint::Rest)
}

/// The state table's capacity settings, whatever its billing.
fn capacity_of(state: &StateConfig) -> Provisioned {
    Provisioned {
        read_min: state.read_capacity.min,
        read_max: state.read_capacity.max,
        write_min: state.write_capacity.min,
        write_max: state.write_capacity.max,
        target_utilization_percent: state.target_utilization_percent,
    }
}

/// The state table's capacity when it is provisioned.
fn provisioned_of(state: &StateConfig) -> Option<Provisioned> {
    (state.billing == StateBilling::Provisioned).then(|| capacity_of(state))
}

/// The configuration and the volume, as the model takes them.
fn scenario(
    config: &Config,
    measured: &Measured,
    endpoint: Endpoint,
    events: f64,
    body: Option<u64>,
    fanout: Option<u32>,
    prices: &Prices,
) -> Scenario {
    let worker = &config.worker;
    let ordered = config.sources.iter().filter(|source| source.ordering.is_some()).count();
    let forwards: Vec<bool> = config
        .routes
        .iter()
        .flat_map(|route| route.handlers())
        .filter_map(|handler| match handler {
            HandlerConfig::Forward(forward) => Some(forward.rate_limit.is_some()),
            _ => None,
        })
        .collect();
    let share = |part: usize, whole: usize| if whole == 0 { 0.0 } else { part as f64 / whole as f64 };
    let mut scenario = Scenario {
        endpoint,
        body_bytes: body.unwrap_or(measured.mix.body_bytes),
        fanout: f64::from(fanout.unwrap_or(1)),
        events_per_month: events,
        batch_size: worker.batch_size,
        batching_window_seconds: worker.batching_window_seconds,
        batching: hookway_cost::Batching { events_per_batch: 1.0, receives_per_batch: 1.0 },
        intake_memory_mb: config.intake.memory_mb,
        worker_memory_mb: worker.memory_mb,
        archive_retention_days: config.archive.retention_days,
        archive_writer: match config.archive.writer {
            WriterSetting::Firehose => ArchiveWriter::Firehose,
            WriterSetting::Worker => ArchiveWriter::Worker,
        },
        provisioned: provisioned_of(&config.state),
        sources: u32::try_from(config.sources.len()).unwrap_or(u32::MAX).max(1),
        ordered_share: share(ordered, config.sources.len()),
        rate_limited_share: share(forwards.iter().filter(|limited| **limited).count(), forwards.len()),
        waf: config.webhooks.waf.is_some(),
    };
    scenario.batch_as_streamed(prices);
    scenario
}
