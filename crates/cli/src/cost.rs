//! `hookway cost`: what a month of webhooks costs on AWS with this `hookway.json`, from the calls
//! per event `make cost` measured (carried in this binary), priced at the list prices of
//! `cost/prices.json`. Offline: it reads no AWS account and makes no call.

use std::path::PathBuf;
use std::process::ExitCode;

use hookway_core::Config;
use hookway_core::config::HandlerConfig;
use hookway_cost::{
    Endpoint, Kind, Measured, Prices, Scenario, estimate, parse_bytes, parse_count, text_table, volume_name,
};

use crate::error::CliError;

/// How long a month is, for the rate a volume makes.
const MONTH_SECONDS: f64 = 30.4 * 86_400.0;
/// The wait the event source mapping's poll adds to a batch without a batching window.
const POLL_SECONDS: f64 = 0.1;

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
    /// Print the estimate as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let config = Config::load(&args.config)?;
    let model = |error: hookway_cost::CostError| CliError::Usage(error.to_string());
    let prices = Prices::bundled().map_err(model)?;
    let measured = Measured::bundled().map_err(model)?;
    let endpoint = endpoint_of(&config);
    let run = measured.variant(endpoint.as_str()).map_err(model)?;
    let events = args.events_per_month as f64;
    let scenario = scenario(&config, &measured, endpoint, events, args.avg_body, args.fanout);
    let estimate = estimate(&prices, &measured.mix, &run.webhooks, Kind::Webhooks, &scenario).map_err(model)?;
    if args.json {
        let free: f64 = estimate.free_tier(&prices, events).iter().map(|(_, saved)| saved).sum();
        let answer = serde_json::json!({
            "eventsPerMonth": args.events_per_month,
            "usdPerMillion": estimate.usd_per_million,
            "usdPerMonth": estimate.monthly(events),
            "alwaysFreeTiersPerMonth": free,
            "estimate": estimate,
            "measured": {"date": measured.date, "commit": measured.commit},
        });
        println!("{}", serde_json::to_string_pretty(&answer).map_err(std::io::Error::other)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{}: webhooks through the {} endpoint, {} events a month ({:.1} a second), bodies of {} bytes, {} deliveries each, about {:.1} events per worker batch",
        args.config.display(),
        endpoint.as_str(),
        volume_name(events),
        events / MONTH_SECONDS,
        scenario.body_bytes,
        scenario.fanout,
        scenario.events_per_batch,
    );
    println!();
    print!("{}", text_table(&estimate, &prices, &[events]));
    println!();
    println!(
        "${:.2} per million webhooks: ${:.2} a month at {}, free tiers not subtracted.",
        estimate.usd_per_million,
        estimate.monthly(events),
        volume_name(events)
    );
    for peer in &prices.peers {
        println!(
            "  {} at ${:.2} per million ({}): ${:.0} a month",
            peer.name,
            peer.usd_per_million,
            peer.note,
            peer.usd_per_million * events / 1e6
        );
    }
    println!(
        "Calls per event as `make cost` counted them on {} ({}); list prices of {} ({}); compute is estimated from local timings.",
        measured.date,
        measured.commit,
        prices.region,
        prices.prices.values().map(|price| price.date.as_str()).max().unwrap_or("?"),
    );
    println!("Not per event: alarms, the dashboard, custom metrics and the WAF's web ACL are a fixed monthly cost.");
    Ok(ExitCode::SUCCESS)
}

/// The front door `hookway.json` chooses (`webhooks.endpoint`).
fn endpoint_of(config: &Config) -> Endpoint {
    Endpoint::parse(config.webhooks.endpoint.as_str()).unwrap_or(Endpoint::Rest)
}

/// The configuration and the volume, as the model takes them.
fn scenario(
    config: &Config,
    measured: &Measured,
    endpoint: Endpoint,
    events: f64,
    body: Option<u64>,
    fanout: Option<u32>,
) -> Scenario {
    let worker = &config.worker;
    let rate = events / MONTH_SECONDS;
    let window = f64::from(worker.batching_window_seconds).max(POLL_SECONDS);
    let events_per_batch = (rate * window).clamp(1.0, f64::from(worker.batch_size.max(1)));
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
    Scenario {
        endpoint,
        body_bytes: body.unwrap_or(measured.mix.body_bytes),
        fanout: f64::from(fanout.unwrap_or(1)),
        events_per_batch,
        intake_memory_mb: config.intake.memory_mb,
        worker_memory_mb: worker.memory_mb,
        archive_retention_days: config.archive.retention_days,
        ordered_share: share(ordered, config.sources.len()),
        rate_limited_share: share(forwards.iter().filter(|limited| **limited).count(), forwards.len()),
        waf: config.webhooks.waf.is_some(),
    }
}
