//! `hookway transform --file`: a route's transform run on a body from a file or stdin, as the
//! worker runs it: what it yields (text, or `--json`), with the headers a forward's sets and the
//! attributes a target's sets; jq's error with exit 1; a handler without a transform, or a route
//! or handler that is not there, a usage error (exit 2). No stack, no AWS.

use std::path::{Path, PathBuf};

use hookway_testkit::run_with_stdin;
use serde_json::{Value, json};

/// A folder of its own, removed when the test ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("hookway-transform-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `hookway ARGS` with `stdin`: exit code, stdout, stderr.
fn hookway(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let output = run_with_stdin(env!("CARGO_BIN_EXE_hookway"), args, stdin);
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.code().unwrap_or(-1), text(&output.stdout), text(&output.stderr))
}

fn write_config(dir: &Path) -> String {
    let config = json!({
        "sources": [{"name": "stripe", "scheme": "stripe", "secretParameters": ["/hookway/stripe/secret"]}],
        "routes": [
            {"source": "stripe", "type": "invoice.paid", "handlers": [
                {"forward": {"url": "https://billing.example.com/hooks",
                             "transform": "{invoice: .data.object.id, cents: .data.object.amount_paid, type: $event.type} | with_headers({\"X-Invoice\": .invoice})"}},
                {"sqs": {"queueArn": "arn:aws:sqs:eu-west-1:123456789012:invoices",
                         "transform": "if .data.object.amount_paid > 0 then del(.data.object.customer) | with_attributes({source: $event.source}) else error(\"nothing was paid\") end"}},
                "log"
            ]}
        ]
    });
    let path = dir.join("hookway.json");
    std::fs::write(&path, config.to_string()).unwrap();
    path.to_str().unwrap().to_owned()
}

const INVOICE: &str = r#"{"id": "evt_1", "type": "invoice.paid", "data": {"object": {"id": "in_1", "amount_paid": 1200, "customer": "cus_1"}}}"#;

#[test]
fn a_forward_transform_prints_its_body_and_headers_and_a_target_s_its_attributes() {
    let dir = TempDir::new("ok");
    let config = write_config(&dir.0);
    let body = dir.0.join("invoice.json");
    std::fs::write(&body, INVOICE).unwrap();
    let body = body.to_str().unwrap();

    let (code, out, err) = hookway(&["transform", "--config", &config, "--route", "0", "--file", body], b"");
    assert_eq!(code, 0, "{err}");
    let (json_part, headers) = out.split_once("headers:\n").unwrap();
    let printed: Value = serde_json::from_str(json_part).unwrap();
    assert_eq!(
        printed,
        json!({"invoice": "in_1", "cents": 1200, "type": "invoice.paid"}),
        "the route's type is $event.type"
    );
    assert_eq!(headers, "  X-Invoice: in_1\n");

    let args = ["transform", "--config", &config, "--route", "0", "--handler", "1", "--file", "-", "--json"];
    let (code, out, err) = hookway(&args, INVOICE.as_bytes());
    assert_eq!(code, 0, "{err}");
    let printed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        printed,
        json!({"body": {"id": "evt_1", "type": "invoice.paid", "data": {"object": {"id": "in_1", "amount_paid": 1200}}},
               "attributes": {"source": "stripe"}})
    );
}

#[test]
fn a_failing_program_says_jq_s_error_and_a_missing_transform_is_a_usage_error() {
    let dir = TempDir::new("fail");
    let config = write_config(&dir.0);
    let unpaid = INVOICE.replace("1200", "0");
    let args = ["transform", "--config", &config, "--route", "0", "--handler", "1", "--file", "-"];
    let (code, out, err) = hookway(&args, unpaid.as_bytes());
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(err.trim(), "hookway: routes[0].handlers[1].sqs.transform: nothing was paid");
    let (code, out, _) = hookway(&[&args[..], &["--json"]].concat(), unpaid.as_bytes());
    assert_eq!((code, serde_json::from_str::<Value>(&out).unwrap()), (1, json!({"error": "nothing was paid"})));

    let (code, _, err) = hookway(&args, b"amount=12");
    assert_eq!(code, 1);
    assert!(err.starts_with("hookway: routes[0].handlers[1].sqs.transform: the body is not JSON"), "{err}");

    let log = ["transform", "--config", &config, "--route", "0", "--handler", "2", "--file", "-"];
    let (code, _, err) = hookway(&log, INVOICE.as_bytes());
    assert_eq!((code, err.trim()), (2, "hookway: routes[0].handlers[2] (`log`) has no transform"));
    let (code, _, err) = hookway(&["transform", "--config", &config, "--route", "3", "--file", "-"], b"{}");
    assert_eq!(code, 2);
    assert!(err.contains("has 1 route(s): --route is from 0 to 0"), "{err}");
    let (code, _, err) = hookway(&["transform", "--config", &config, "--route", "0"], b"{}");
    assert_eq!(code, 2, "--event or --file is required: {err}");
}
