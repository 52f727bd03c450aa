//! `hookway destinations list|pause|resume` against a real moto server: the real `hookway` binary
//! run as an operator runs it (`--local`, the local stack's state file pointing at this test's
//! moto), events parked in the state table by the store as the worker parks them, and the circuits
//! read back as the worker reads them; and every call the commands made, checked against the
//! operator policy.

use std::path::PathBuf;
use std::process::Command;

use aws_config::SdkConfig;
use hookway_core::local::state::DevState;
use hookway_core::store::{Claim, DynamoStore, Outcome, Parking, RecordKey, StateStore as _};
use hookway_testkit::{MotoServer, create_table};
use hookway_worker::shared::{Circuit, DynamoShared, SharedState as _};
use serde_json::{Value, json};

const TABLE: &str = "hookway-state";
/// The billing destination as the worker (and `list`) name it; the configuration gives it unnormalised.
const BILLING: &str = "http://127.0.0.1:9/billing";

struct Stack {
    _moto: MotoServer,
    aws: SdkConfig,
    dir: PathBuf,
    config_path: PathBuf,
}

impl Stack {
    async fn start(name: &str) -> Stack {
        let moto = MotoServer::start();
        let aws = moto.sdk_config().await;
        create_table(&aws, TABLE).await;
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = json!({
            "sources": [{"name": "stripe", "scheme": "stripe", "secretParameters": ["/hookway/stripe/secret"]}],
            "routes": [
                {"source": "stripe", "handlers": [
                    {"forward": {"url": "http://127.0.0.1:9/hooks/../billing", "rateLimit": {"perSecond": 5}}},
                    "log"
                ]}
            ],
        });
        let config_path = dir.join("hookway.json");
        std::fs::write(&config_path, config.to_string()).unwrap();
        // The state file `hookway dev` writes, pointing at this test's moto; this process stands in
        // for `hookway dev`, so the commands find it running.
        DevState {
            pid: std::process::id(),
            gateway_url: "http://127.0.0.1:9".into(),
            aws_endpoint: moto.endpoint.clone(),
            region: "us-east-1".into(),
            lambda_endpoint: "http://127.0.0.1:9".into(),
            // Queues the commands here never call, named as moto names them (the IAM check reads
            // the account from the events queue's URL).
            events_queue_url: format!("{}/123456789012/hookway-events", moto.endpoint),
            events_dlq_url: format!("{}/123456789012/hookway-events-dlq", moto.endpoint),
            jobs_dlq_url: format!("{}/123456789012/hookway-jobs-dlq", moto.endpoint),
            table: TABLE.into(),
            archive_bucket: "hookway-archive".into(),
            worker_function: "hookway-worker".into(),
            config: config_path.clone(),
            logs: dir.clone(),
            process_groups: Vec::new(),
        }
        .write(&dir)
        .unwrap();
        Stack { _moto: moto, aws, dir, config_path }
    }

    fn store(&self) -> DynamoStore {
        DynamoStore::new(aws_sdk_dynamodb::Client::new(&self.aws), TABLE)
    }

    fn shared(&self) -> DynamoShared {
        DynamoShared::new(aws_sdk_dynamodb::Client::new(&self.aws), TABLE)
    }

    /// Parks the event `id` for `destination` as the worker does: claimed, then finished parked,
    /// parked at `parked_at` (Unix ms).
    async fn park(&self, destination: &str, id: &str, parked_at: i64) {
        let store = self.store();
        let key = RecordKey::event("stripe", id);
        let now = parked_at / 1000;
        let claim = Claim {
            key: &key,
            digest: "d1",
            event_type: Some("invoice.paid"),
            locked_until: now + 60,
            now,
            expires_at: now + 3600,
            archive: None,
            sequence: 0,
            event_id: None,
        };
        store.claim(&claim).await.unwrap();
        let outcome = Outcome::Parked {
            sequence: 1,
            error: Some("503 Service Unavailable".into()),
            parking: Parking {
                destination: destination.into(),
                due_ms: parked_at + 300_000,
                hold: None,
                message: format!(r#"{{"id":"{id}"}}"#),
                attributes: vec![("source".into(), "String".into(), "stripe".into())],
                parked_at,
            },
        };
        store.finish(&key, &outcome, &[], now, now + 3600).await.unwrap();
    }

    /// `hookway destinations <args> --config <file> --local --state-dir <dir>`: exit code, stdout
    /// and stderr.
    fn hookway(&self, args: &[&str]) -> (i32, String, String) {
        let output = Command::new(env!("CARGO_BIN_EXE_hookway"))
            .arg("destinations")
            .args(args)
            .args(["--config", self.config_path.to_str().unwrap()])
            .args(["--local", "--state-dir", self.dir.to_str().unwrap()])
            .env_remove("AWS_ENDPOINT_URL")
            .output()
            .unwrap();
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        (output.status.code().unwrap_or(-1), text(&output.stdout), text(&output.stderr))
    }

    /// `list --json`, by destination: one compact object a line.
    fn list(&self) -> Vec<Value> {
        let (code, out, err) = self.hookway(&["list", "--json"]);
        assert_eq!(code, 0, "{out}{err}");
        out.lines()
            .map(|line| serde_json::from_str::<Value>(line).unwrap_or_else(|error| panic!("{error}: {line}\n{out}")))
            .inspect(|row| assert!(row.is_object(), "{row}"))
            .collect()
    }

    async fn circuit(&self) -> Circuit {
        self.shared().circuit(BILLING).await.unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destination_is_listed_with_its_parked_events_paused_and_resumed() {
    let stack = Stack::start("destinations").await;
    let now = hookway_core::unix_now_ms();
    let oldest = now - 180_000;
    stack.park(BILLING, "evt_1", now - 5_000).await;
    stack.park(BILLING, "evt_2", oldest).await;
    stack.park("https://elsewhere.example.com/hooks", "evt_3", now - 9_000_000).await;

    let listed = stack.list();
    assert_eq!(
        listed,
        [
            json!({"destination": BILLING, "state": "closed", "parked": 2,
                   "oldestParkedAt": hookway_core::rfc3339_ms(oldest), "nextProbeAt": null}),
            json!({"destination": "log", "state": "closed", "parked": 0, "oldestParkedAt": null, "nextProbeAt": null}),
        ],
        "each destination of the configuration once, its own events only"
    );
    let (code, table, err) = stack.hookway(&["list"]);
    assert_eq!(code, 0, "{err}");
    let line = table.lines().find(|line| line.starts_with(BILLING)).unwrap_or_else(|| panic!("{table}"));
    assert!(line.contains(" closed ") && line.contains(&hookway_core::rfc3339_ms(oldest)), "{table}");
    assert!(line.contains("(3m ago)"), "{table}");

    // Open, as the worker opens it: the next probe is the end of its cool-down.
    let until = now + 600_000;
    assert!(stack.shared().open(BILLING, until, now).await.unwrap());
    let billing = &stack.list()[0];
    assert_eq!(
        (billing["state"].as_str(), billing["nextProbeAt"].clone()),
        (Some("open"), json!(hookway_core::rfc3339_ms(until)))
    );

    let (code, out, err) = stack.hookway(&["pause", "--url", "http://127.0.0.1:9/billing"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with(&format!("paused {BILLING}: ")) && out.contains("held"), "{out}");
    assert!(stack.circuit().await.paused, "the worker's circuit says paused");
    let billing = &stack.list()[0];
    assert_eq!((billing["state"].as_str(), billing["parked"].as_u64()), (Some("paused"), Some(2)));
    assert_eq!(billing["nextProbeAt"], Value::Null, "a paused destination is not probed");

    let (code, out, err) = stack.hookway(&["resume", "--url", BILLING]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with(&format!("resumed {BILLING}: ")) && out.contains("at its rate limit, 5/s"), "{out}");
    let circuit = stack.circuit().await;
    assert!(!circuit.paused && circuit.drain, "resumed, its held events to be drained: {circuit:?}");
    assert_eq!(stack.list()[0]["state"], "open", "as its circuit was before the pause");

    for wrong in ["https://elsewhere.example.com/hooks", "log"] {
        let (code, out, err) = stack.hookway(&["pause", "--url", wrong]);
        assert_eq!(code, 2, "{out}{err}");
        assert!(
            err.contains(&format!("{wrong} is not a destination of {}", stack.config_path.display()))
                && err.contains(&format!("its forward destinations are: {BILLING}")),
            "{err}"
        );
    }
    let circuits = stack.shared().circuits(&["https://elsewhere.example.com/hooks", "log"]).await.unwrap();
    assert!(circuits.values().all(|circuit| *circuit == Circuit::default()), "nothing written for them: {circuits:?}");

    // The commands' calls, replayed against docs/operator-policy.json: none would be denied in AWS.
    let report =
        hookway_iam::local::check_operator_calls(&hookway_testkit::workspace_root(), &stack.dir).await.unwrap();
    assert!(report.checked > 0, "the commands' calls were logged: {report}");
    assert!(report.denials.is_empty(), "AWS would deny the operator commands:\n{report}");
}
