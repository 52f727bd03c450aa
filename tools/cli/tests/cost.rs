//! `hookway cost`: the model of `make cost`'s measurement, for a configuration and a volume —
//! offline, as a user runs it.

use std::process::Command;

use hookway_core::Config;
use hookway_core::config::{ArchiveConfig, StateConfig, WorkerConfig};
use hookway_testkit::workspace_root;
use serde_json::Value;

fn hookway(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_hookway")).args(args).current_dir(workspace_root()).output().unwrap();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.code().unwrap_or(-1), text(&output.stdout), text(&output.stderr))
}

fn estimate(extra: &[&str]) -> Value {
    let (code, out, err) = hookway(&[&["cost", "--events-per-month", "10M", "--json"], extra].concat());
    assert_eq!(code, 0, "{out}{err}");
    serde_json::from_str(&out).unwrap()
}

fn per_million(answer: &Value) -> f64 {
    answer["usdPerMillion"].as_f64().unwrap()
}

#[test]
fn prices_the_repository_configuration_per_component() {
    let (code, out, err) = hookway(&["cost", "--events-per-month", "10M"]);
    assert_eq!(code, 0, "{out}{err}");
    for expected in [
        "SQS SendMessage (intake)",
        "DynamoDB",
        "front door: rest requests",
        "Firehose PutRecordBatch (worker)",
        "total",
        "always-free tiers",
        "10M/month",
        "events (a 1 s window, at most 10, for each of the event source mapping's 5 pollers sharing the stream), archived by the firehose writer",
        "\"state\": {\"billing\": \"provisioned\"}",
        "Hookdeck",
        "Svix",
    ] {
        assert!(out.contains(expected), "no {expected:?} in:\n{out}");
    }
    let answer = estimate(&[]);
    let per_million = per_million(&answer);
    let monthly = answer["usdPerMonth"].as_f64().unwrap();
    assert!(per_million > 3.5, "the REST API alone is $3.50 a million: {per_million}");
    assert!((monthly - per_million * 10.0).abs() < 1e-6, "10M events: {monthly} for {per_million} a million");
    let calls = &answer["estimate"]["callsPerEvent"];
    assert_eq!(calls["sqs:SendMessage"].as_f64().map(f64::round), Some(1.0), "{calls}");
}

#[test]
fn the_output_ends_with_each_front_doors_total() {
    let (code, out, err) = hookway(&["cost", "--events-per-month", "10M"]);
    assert_eq!(code, 0, "{out}{err}");
    let last: Vec<&str> = out.lines().rev().take(3).collect();
    let doors: Vec<&str> = last.iter().rev().filter_map(|line| line.split_whitespace().next()).collect();
    assert_eq!(doors, ["rest", "http-api", "function-url"], "{out}");
    assert!(last[2].contains("(this configuration's)"), "hookway.json's own is rest: {out}");
    let answer = estimate(&[]);
    let doors = answer["frontDoors"].as_array().unwrap();
    let of = |name: &str| {
        doors.iter().find(|door| door["endpoint"] == name).map(per_million).unwrap_or_else(|| panic!("no {name}"))
    };
    assert!((of("rest") - per_million(&answer)).abs() < 1e-9, "rest is the configuration's own front door");
    // API Gateway's REST API is $3.50 a million requests, the HTTP API $1.00 (and each its access
    // log, $0.20), a Function URL nothing; each front door's own run times the intake apart.
    assert!((of("rest") - of("http-api") - 2.5).abs() < 0.2, "{doors:?}");
    assert!((of("http-api") - of("function-url") - 1.2).abs() < 0.2, "{doors:?}");
}

#[test]
fn another_front_door_prices_the_same_configuration_behind_it() {
    let rest = estimate(&[]);
    for endpoint in ["http-api", "function-url"] {
        let behind = estimate(&["--endpoint", endpoint]);
        assert_eq!(behind["estimate"]["scenario"]["endpoint"], endpoint);
        let listed = rest["frontDoors"].as_array().unwrap().iter().find(|door| door["endpoint"] == endpoint).unwrap();
        assert!((per_million(&behind) - per_million(listed)).abs() < 1e-9, "{endpoint}: {behind}");
        let front: Vec<&str> = behind["estimate"]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|line| line["component"].as_str())
            .filter(|component| component.starts_with("front door"))
            .collect();
        assert_eq!(front, [format!("front door: {endpoint} requests")], "{behind}");
    }
    let (code, out, _) = hookway(&["cost", "--events-per-month", "10M", "--endpoint", "function-url"]);
    assert_eq!(code, 0);
    assert!(
        out.lines().last().unwrap().contains("function-url")
            && out.lines().last().unwrap().contains("(this configuration's)")
    );
}

#[test]
fn the_volume_settings_price_a_steady_stream_cheaper() {
    let defaults = estimate(&[]);
    let volume = estimate(&["--with", "cost/volume.json"]);
    let scenario = &volume["estimate"]["scenario"];
    assert!(scenario["provisioned"].is_object(), "the state table provisioned: {scenario}");
    assert!(
        scenario["eventsPerBatch"].as_f64().unwrap()
            > defaults["estimate"]["scenario"]["eventsPerBatch"].as_f64().unwrap(),
        "a longer window fills larger batches: {scenario}"
    );
    assert!(
        per_million(&volume) < per_million(&defaults),
        "{} against {}",
        per_million(&volume),
        per_million(&defaults)
    );
    let billing = &volume["stateBilling"];
    assert!((billing["provisioned"]["usdPerMillion"].as_f64().unwrap() - per_million(&volume)).abs() < 1e-9);
    assert!(billing["onDemand"]["usdPerMillion"].as_f64().unwrap() > per_million(&volume), "{billing}");
    // A trickle does not pay for the least capacity.
    let (_, quiet, _) = hookway(&["cost", "--events-per-month", "100k", "--json", "--with", "cost/volume.json"]);
    let quiet: Value = serde_json::from_str(&quiet).unwrap();
    let billing = &quiet["stateBilling"];
    assert!(
        billing["provisioned"]["usdPerMonth"].as_f64().unwrap() > billing["onDemand"]["usdPerMonth"].as_f64().unwrap(),
        "{billing}"
    );
}

#[test]
fn hookway_json_says_the_defaults_it_is_priced_with() {
    let shipped = Config::load(workspace_root().join("hookway.json")).unwrap();
    assert_eq!(shipped.worker, WorkerConfig::default(), "hookway.json's worker settings are the defaults");
    assert_eq!(shipped.intake.memory_mb, hookway_core::config::IntakeConfig::default().memory_mb);
    assert_eq!(shipped.archive, ArchiveConfig::default());
    assert_eq!(shipped.state, StateConfig::default());
}

#[test]
fn the_scenario_moves_the_cost_as_it_should() {
    let base = per_million(&estimate(&[]));
    let fanout = per_million(&estimate(&["--fanout", "3"]));
    assert!(fanout > base, "three deliveries cost more than one: {fanout} vs {base}");
    let large = estimate(&["--avg-body", "300KiB"]);
    let lines = large["estimate"]["lines"].as_array().unwrap();
    assert!(
        lines.iter().any(|line| line["component"].as_str().unwrap().contains("claim-checked body")),
        "a body over 256 KiB travels by claim check: {lines:?}"
    );
    assert!(per_million(&large) > base + 5.0, "an S3 PUT a webhook is $5 a million");
    // Ten times the traffic fills the batches better: the per-batch calls cost less per event.
    let (_, busy, _) = hookway(&["cost", "--events-per-month", "1B", "--json"]);
    let busy: Value = serde_json::from_str(&busy).unwrap();
    assert!(per_million(&busy) <= base, "{busy}");
}

#[test]
fn bad_input_gets_a_clear_error() {
    for (args, expected) in [
        (vec!["--events-per-month", "ten"], "not a count"),
        (vec!["--events-per-month", "0"], "out of range"),
        (vec!["--events-per-month", "10M", "--avg-body", "7MiB"], "out of range"),
        (vec!["--events-per-month", "10M", "--avg-body", "2 parsecs"], "unit"),
        (vec!["--events-per-month", "10M", "--fanout", "0"], "--fanout"),
        (vec!["--events-per-month", "10M", "--endpoint", "websocket"], "not a front door"),
        (vec!["--events-per-month", "10M", "--config", "no/such/hookway.json"], "no/such/hookway.json"),
        (vec!["--events-per-month", "10M", "--with", "no/such/volume.json"], "no/such/volume.json"),
    ] {
        let (code, out, err) = hookway(&[&["cost"], &args[..]].concat());
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(expected), "{args:?}: expected {expected:?} in {err}");
    }
    let dir = std::env::temp_dir().join(format!("hookway-cost-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("hookway.json");
    std::fs::write(
        &broken,
        r#"{"sources": [{"name": "a", "scheme": "github", "secretParameters": ["/a"], "toleranceSeconds": 0}]}"#,
    )
    .unwrap();
    let (code, _, err) = hookway(&["cost", "--events-per-month", "10M", "--config", broken.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("sources[0].toleranceSeconds"), "{err}");
    let settings = dir.join("settings.json");
    std::fs::write(&settings, r#"{"worker": {"batchSize": 100, "batchingWindowSeconds": 0}}"#).unwrap();
    let (code, _, err) = hookway(&["cost", "--events-per-month", "10M", "--with", settings.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("with") && err.contains("worker.batchingWindowSeconds"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

/// Each front door's line of `hookway cost`'s closing list: (per million, a month), as printed.
fn front_doors(args: &[&str]) -> Vec<(String, String, String)> {
    let (code, out, err) = hookway(&[&["cost"], args].concat());
    assert_eq!(code, 0, "{out}{err}");
    let tail = &out[out.rfind("The same configuration behind each front door").unwrap()..];
    tail.lines()
        .skip(1)
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            (words.len() >= 6 && words[2] == "per").then(|| (words[0].into(), words[1].into(), words[4].into()))
        })
        .collect()
}

#[test]
fn the_readme_headline_is_what_hookway_cost_prints() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let table = &readme[..readme.find("## Quick start").unwrap()];
    let at = |volume: &str, with: &[&str]| front_doors(&[&["--events-per-month", volume], with].concat());
    let defaults = ["100k", "10M", "100M"].map(|volume| at(volume, &[]));
    let high = ["100k", "10M", "100M"].map(|volume| at(volume, &["--with", "cost/volume.json"]));
    for endpoint in ["function-url", "http-api", "rest"] {
        let row = table
            .lines()
            .find(|line| line.starts_with(&format!("| `{endpoint}`")))
            .unwrap_or_else(|| panic!("no headline row for {endpoint}"));
        let quoted: Vec<&str> = row
            .split('$')
            .skip(1)
            .map(|rest| rest.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == ',')).next().unwrap())
            .collect();
        let of = |doors: &[(String, String, String)]| {
            let (_, million, month) = doors.iter().find(|door| door.0 == endpoint).unwrap().clone();
            (million.trim_start_matches('$').to_owned(), month.trim_start_matches('$').to_owned())
        };
        let mut expected = Vec::new();
        for doors in &defaults {
            let (million, month) = of(doors);
            expected.extend([month, million]);
        }
        let (_, low_month) = of(&high[0]);
        expected.push(low_month);
        for doors in &high[1..] {
            let (million, month) = of(doors);
            expected.extend([month, million]);
        }
        assert_eq!(quoted, expected, "the README's headline for {endpoint}: {row}");
    }
}

/// `cost/outage.json`, priced again from the calls it records.
fn outage() -> (Value, hookway_cost::Outage) {
    let text = std::fs::read_to_string(workspace_root().join("cost/outage.json")).unwrap();
    let committed: Value = serde_json::from_str(&text).unwrap();
    let calls: hookway_cost::WaitCalls = serde_json::from_value(committed["measured"].clone()).unwrap();
    let waits: Vec<u64> = serde_json::from_value(committed["waitsSeconds"].clone()).unwrap();
    let priced = hookway_cost::outage(
        &calls,
        &waits,
        &hookway_cost::Measured::bundled().unwrap(),
        &hookway_cost::Prices::bundled().unwrap(),
    )
    .unwrap();
    (committed, priced)
}

#[test]
fn the_outage_is_priced_for_the_default_schedule_from_the_calls_it_records() {
    let (committed, priced) = outage();
    let defaults: Vec<u64> =
        hookway_core::config::RetryConfig::default().delays().iter().map(|wait| wait.as_secs()).collect();
    assert_eq!(priced.waits_seconds, defaults, "cost/outage.json prices the default schedule");
    assert_eq!(hookway_cost::DEFAULT_WAITS_SECONDS.to_vec(), defaults);
    let hop = hookway_core::config::AlarmsConfig::default().oldest_message_age_seconds / 2;
    assert_eq!(u64::from(hop), hookway_cost::DEFAULT_HOP_SECONDS, "a hop is half the oldest-message alarm's age");
    let measured = &priced.measured;
    assert_eq!(measured.calls.values().sum::<u64>(), measured.total, "{measured:?}");
    let close = |field: &str, value: f64| {
        let recorded = committed[field].as_f64().unwrap();
        assert!(
            (recorded - value).abs() < 1e-9,
            "cost/outage.json's {field} is {recorded}, priced {value}: run `make cost-outage`"
        );
    };
    close("usdPerMillion", priced.usd_per_million);
    let normal = &committed["normal"];
    assert!((normal["usdPerMillion"].as_f64().unwrap() - priced.normal.usd_per_million).abs() < 1e-9, "{normal}");
    // What cost/report.json says of the same front door and profile, rounded as it rounds.
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(workspace_root().join("cost/report.json")).unwrap()).unwrap();
    let entry = report
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["endpoint"] == "function-url" && entry["profile"] == "default")
        .unwrap();
    assert!((entry["usd_per_million"].as_f64().unwrap() - priced.normal.usd_per_million).abs() < 1e-4, "{entry}");
}

#[test]
fn the_docs_quote_the_outage_as_priced() {
    let (_, priced) = outage();
    let guide = std::fs::read_to_string(workspace_root().join("docs/guides/cost.md")).unwrap();
    let paragraph = guide
        .split("\n\n")
        .find(|paragraph| paragraph.starts_with("**What an outage costs"))
        .expect("docs/guides/cost.md says what an outage costs");
    let paragraph = paragraph.replace('\n', " ");
    for quoted in [
        format!("{} AWS calls", priced.measured.total),
        format!("**${:.2} a million such events**", priced.usd_per_million),
        format!("${:.2} in the same services", priced.normal.queue_table_and_worker_usd_per_million),
        format!("${:.2} in all", priced.normal.usd_per_million),
    ] {
        assert!(paragraph.contains(&quoted), "docs/guides/cost.md's outage does not say {quoted:?}:\n{paragraph}");
    }
}
