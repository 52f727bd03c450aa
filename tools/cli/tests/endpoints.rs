//! Each front door of `webhooks.endpoint` on the local stack: `hookway dev` serves
//! `/webhooks/{source}` in the event format of the REST API, of an HTTP API, then of the intake's
//! Function URL, one stack after another, to the real intake and worker. Through each, a signed
//! webhook reaches its destination, a body over `intake.maxBodyBytes` is refused 413, and a sender
//! outside its source's `allowIps` 403; each answers what is not a webhook route as its front
//! door does; and the template of each allows every AWS call its run made. The functions run the
//! configuration file `hookway dev` was given, as its digest in their first log line says, and
//! count in the stack's metric namespace: `Hookway`, or the name `--stack` gives.

mod local_stack;

use std::path::PathBuf;
use std::time::Duration;

use hookway_core::config::WebhookEndpoint;
use hookway_testkit::receiver::Receiver;
use hookway_testkit::wait_for;
use local_stack::{LocalStack, event_body};
use serde_json::{Value, json};

const STEP_DEADLINE: Duration = Duration::from_secs(60);
/// Small, so that a request over it is cheap to send.
const MAX_BODY_BYTES: usize = 4096;

/// Two sources — one this machine may send from, one it may not — forwarding to the receiver.
fn config_for(endpoint: WebhookEndpoint, receiver: &Receiver) -> Value {
    json!({
        "webhooks": {"endpoint": endpoint.as_str()},
        "intake": {"maxBodyBytes": MAX_BODY_BYTES},
        "sources": [
            {"name": "github", "scheme": "github", "secretParameters": ["/hookway/github/secret"],
             "allowIps": ["127.0.0.0/8", "::1/128"]},
            {"name": "walled", "scheme": "github", "secretParameters": ["/hookway/walled/secret"],
             "allowIps": ["203.0.113.0/24"]}
        ],
        "routes": [
            {"source": "jobs", "handler": "log"},
            {"source": "github", "handler": {"forward": {"url": format!("{}/hooks", receiver.url), "maxAttempts": 1}}}
        ]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_webhooks_endpoint_delivers_a_signed_webhook_and_refuses_413_and_403() {
    let receiver = Receiver::start().await;
    let client = reqwest::Client::new();
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("endpoints-{}", std::process::id()));
    for endpoint in WebhookEndpoint::ALL {
        // The last stack is named: its metrics are in its own namespace.
        let name = if endpoint == WebhookEndpoint::FunctionUrl { "hookway-endpoints" } else { "Hookway" };
        let options: &[&str] = if name == "Hookway" { &[] } else { &["--stack", name] };
        let mut stack =
            LocalStack::start_with(&root.join(endpoint.as_str()), &config_for(endpoint, &receiver), options);
        let printed = stack.running().await;
        assert!(printed.contains(&format!("webhooks.endpoint {endpoint}")), "{endpoint}: {printed}");
        let url = stack.url.clone();

        // A signed webhook: 202, then at the destination, byte for byte.
        let id = format!("endpoint-{endpoint}");
        let (code, said) = stack.send("github", &id, "push", &[]);
        assert_eq!(code, 0, "{endpoint}: {said}");
        assert!(said.starts_with(&format!("202 Accepted  id: {id}")), "{endpoint}: {said}");
        let delivered = wait_for(&format!("{endpoint}: the webhook at the destination"), STEP_DEADLINE, || {
            let received = receiver
                .received()
                .into_iter()
                .find(|request| request.headers.get("idempotency-key").is_some_and(|key| key == id.as_str()));
            std::future::ready(received)
        })
        .await;
        assert_eq!(delivered.body, event_body(&id, "push").as_bytes(), "{endpoint}");

        // Each function started with the file given (the digest of its bytes), and counted the
        // webhook in the stack's namespace.
        let digest = hookway_core::config::digest(&std::fs::read(&stack.config).unwrap());
        let lines = wait_for(&format!("{endpoint}: the worker's metrics"), STEP_DEADLINE, || {
            let lines = stack.function_lines();
            let counted = lines.iter().any(|line| line["Pipeline"] == "events" && line["Processed"] == 1);
            std::future::ready(counted.then_some(lines))
        })
        .await;
        let started: Vec<&Value> = lines.iter().filter(|line| line["message"] == "configuration loaded").collect();
        assert!(started.len() >= 2, "{endpoint}: the intake and the worker at least: {started:?}");
        for line in &started {
            assert_eq!((&line["config_digest"], &line["stack"]), (&json!(digest), &json!(name)), "{endpoint}: {line}");
            assert_eq!((&line["sources"], &line["routes"]), (&json!(2), &json!(2)), "{endpoint}: {line}");
        }
        let namespaces: Vec<&Value> =
            lines.iter().filter_map(|line| line.pointer("/_aws/CloudWatchMetrics/0/Namespace")).collect();
        assert!(
            namespaces.len() >= 2 && namespaces.iter().all(|namespace| *namespace == name),
            "{endpoint}: the intake's line and the worker's, in {name}: {namespaces:?}"
        );

        // A body over the limit: 413 from the intake, before its signature is looked at.
        let large = client
            .post(format!("{url}/webhooks/github"))
            .header("content-type", "application/json")
            .body(vec![b' '; MAX_BODY_BYTES + 1])
            .send()
            .await
            .unwrap();
        assert_eq!(large.status(), 413, "{endpoint}");
        assert_eq!(large.json::<Value>().await.unwrap(), json!({"error": "payload too large"}), "{endpoint}");

        // A sender outside its source's allowIps: 403, whatever X-Forwarded-For claims.
        stack.assert_walled_off(&client, "walled", "203.0.113.7", &format!("walled-{endpoint}")).await;

        // What is not a webhook route, answered as the front door answers it: `/webhooks/{source}`
        // hands an unknown source's name to the intake, API Gateway answers a method it has no
        // route for; the Function URL hands every request to the intake.
        let unknown = client.post(format!("{url}/webhooks/gitlab")).body("{}").send().await.unwrap();
        let put = client.put(format!("{url}/webhooks/github")).body("{}").send().await.unwrap();
        let answers = [
            (unknown.status().as_u16(), unknown.json::<Value>().await.unwrap()),
            (put.status().as_u16(), put.json::<Value>().await.unwrap()),
        ];
        let expected = match endpoint {
            WebhookEndpoint::Rest => {
                [(404, json!({"error": "not found"})), (403, json!({"message": "Missing Authentication Token"}))]
            }
            WebhookEndpoint::HttpApi => [(404, json!({"error": "not found"})), (404, json!({"message": "Not Found"}))],
            WebhookEndpoint::FunctionUrl => {
                [(404, json!({"error": "not found"})), (405, json!({"error": "method not allowed"}))]
            }
        };
        assert_eq!(answers, expected, "{endpoint}");
        // POST /jobs stays on the REST API: 202 whatever the webhooks' endpoint.
        let job = client
            .post(format!("{url}/jobs"))
            .header("content-type", "application/json")
            .body(r#"{"type": "report.generate", "payload": {}}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(job.status(), 202, "{endpoint}");

        // Through each front door's template, AWS would allow every call the run made.
        stack.assert_iam_allows_every_call().await;
        stack.stop().await;
    }
    let forwarded = receiver.received().len();
    assert_eq!(forwarded, 3, "one webhook through each endpoint, and nothing refused was forwarded");
}
