//! `hookway cost`: the model of `make cost`'s measurement, for a configuration and a volume —
//! offline, as a user runs it.

use std::process::Command;

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

#[test]
fn prices_the_repository_configuration_per_component() {
    let (code, out, err) = hookway(&["cost", "--events-per-month", "10M"]);
    assert_eq!(code, 0, "{out}{err}");
    for expected in [
        "SQS SendMessage (intake)",
        "DynamoDB",
        "front door: rest requests",
        "total",
        "always-free tiers",
        "10M/month",
        "Hookdeck",
        "Svix",
    ] {
        assert!(out.contains(expected), "no {expected:?} in:\n{out}");
    }
    let answer = estimate(&[]);
    let per_million = answer["usdPerMillion"].as_f64().unwrap();
    let monthly = answer["usdPerMonth"].as_f64().unwrap();
    assert!(per_million > 3.5, "the REST API alone is $3.50 a million: {per_million}");
    assert!((monthly - per_million * 10.0).abs() < 1e-6, "10M events: {monthly} for {per_million} a million");
    let calls = &answer["estimate"]["callsPerEvent"];
    assert_eq!(calls["sqs:SendMessage"].as_f64().map(f64::round), Some(1.0), "{calls}");
}

#[test]
fn the_scenario_moves_the_cost_as_it_should() {
    let base = estimate(&[])["usdPerMillion"].as_f64().unwrap();
    let fanout = estimate(&["--fanout", "3"])["usdPerMillion"].as_f64().unwrap();
    assert!(fanout > base, "three deliveries cost more than one: {fanout} vs {base}");
    let large = estimate(&["--avg-body", "300KiB"]);
    let lines = large["estimate"]["lines"].as_array().unwrap();
    assert!(
        lines.iter().any(|line| line["component"].as_str().unwrap().contains("claim-checked body")),
        "a body over 256 KiB travels by claim check: {lines:?}"
    );
    assert!(large["usdPerMillion"].as_f64().unwrap() > base + 5.0, "an S3 PUT a webhook is $5 a million");
    // Ten times the traffic fills the batches better: the per-batch calls cost less per event.
    let (_, busy, _) = hookway(&["cost", "--events-per-month", "1B", "--json"]);
    let busy: Value = serde_json::from_str(&busy).unwrap();
    assert!(busy["usdPerMillion"].as_f64().unwrap() <= base, "{busy}");
}

#[test]
fn bad_input_gets_a_clear_error() {
    for (args, expected) in [
        (vec!["--events-per-month", "ten"], "not a count"),
        (vec!["--events-per-month", "0"], "out of range"),
        (vec!["--events-per-month", "10M", "--avg-body", "7MiB"], "out of range"),
        (vec!["--events-per-month", "10M", "--avg-body", "2 parsecs"], "unit"),
        (vec!["--events-per-month", "10M", "--fanout", "0"], "--fanout"),
        (vec!["--events-per-month", "10M", "--config", "no/such/hookway.json"], "no/such/hookway.json"),
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
    let _ = std::fs::remove_dir_all(dir);
}
