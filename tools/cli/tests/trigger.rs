//! `hookway trigger` against one local stack with a source for every provider of the catalog: each
//! provider's default sample, signed as the provider signs it with the secret `make dev` generated
//! (the test key, for the public-key providers), is accepted by the intake verifying with that
//! provider's scheme; the handshake samples are answered as the providers expect; `send` takes its
//! body from stdin, its headers from `-H` and its content type from `--content-type`; a stack that
//! is down is a failure (exit 1), an unknown provider or source a usage error (exit 2), said
//! before any AWS call.

mod local_stack;

use std::path::PathBuf;
use std::time::Duration;

use hookway_core::hookway_providers::CATALOG;
use hookway_core::hookway_providers::sample::samples;
use hookway_testkit::{free_port, run_with_stdin, wait_for};
use local_stack::LocalStack;
use serde_json::{Value, json};

const STEP_DEADLINE: Duration = Duration::from_secs(90);

/// One source per provider, named as the provider; Meta's handshake needs its verify token.
fn config() -> Value {
    let sources: Vec<Value> = CATALOG
        .iter()
        .map(|provider| {
            let mut source = json!({
                "name": provider.name,
                "scheme": provider.name,
                "secretParameters": [format!("/hookway/{}/secret", provider.name)],
            });
            if provider.name == "meta" {
                source["verifyTokenParameter"] = json!("/hookway/meta/verify-token");
            }
            source
        })
        .collect();
    json!({"sources": sources, "routes": [{"source": "*", "handler": "log"}]})
}

/// `hookway ARGS` with `stdin` as its input: exit code, stdout, stderr.
fn hookway_with_stdin(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let output = run_with_stdin(env!("CARGO_BIN_EXE_hookway"), args, stdin);
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.code().unwrap_or(-1), text(&output.stdout), text(&output.stderr))
}

/// `hookway ARGS`, no stack needed: exit code and output.
fn hookway(args: &[&str]) -> (i32, String) {
    let (code, out, err) = hookway_with_stdin(args, b"");
    (code, out + &err)
}

#[test]
fn list_names_the_samples_and_an_unknown_provider_is_a_usage_error() {
    let (code, said) = hookway(&["trigger", "stripe", "--list"]);
    assert_eq!(code, 0, "{said}");
    let first = said.lines().next().unwrap();
    assert!(first.starts_with("payment_intent.succeeded ") && first.ends_with("(default)"), "{said}");
    assert!(said.contains("https://docs.stripe.com/"), "each sample names its source: {said}");

    let (code, said) = hookway(&["trigger", "slack", "--list", "--json"]);
    assert_eq!(code, 0, "{said}");
    let listed: Vec<Value> = said.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert!(listed.iter().all(Value::is_object), "one object a line: {said}");
    let events: Vec<&str> = listed.iter().map(|sample| sample["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["event_callback", "url_verification", "slash_command"]);
    assert_eq!(listed[0]["default"], true);
    assert_eq!(listed[2]["contentType"], "application/x-www-form-urlencoded");
    assert!(listed.iter().all(|sample| sample["source"].as_str().unwrap().starts_with("https://")));

    let (code, said) = hookway(&["trigger", "no-such-provider", "--list"]);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("unknown provider `no-such-provider`"), "{said}");
    let (code, said) = hookway(&["trigger", "no-such-provider", "--url", "http://127.0.0.1:9"]);
    assert_eq!(code, 2, "{said}");
    let (code, said) = hookway(&["trigger", "stripe", "no.such.event", "--url", "http://127.0.0.1:9"]);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("payment_intent.succeeded, customer.created"), "names the samples there are: {said}");
}

/// `hookway ARGS` where AWS cannot be reached: no credentials anywhere, CloudFormation's endpoint
/// a port nothing listens on, no local stack meant. Exit code and output.
fn hookway_without_aws(args: &[&str]) -> (i32, String) {
    let nowhere = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("no-aws-here");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_hookway"))
        .args(args)
        .current_dir(hookway_testkit::workspace_root())
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("HOOKWAY_STACK")
        .env("AWS_CONFIG_FILE", &nowhere)
        .env("AWS_SHARED_CREDENTIALS_FILE", &nowhere)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL_CLOUDFORMATION", format!("http://127.0.0.1:{}", free_port()))
        .output()
        .unwrap();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.code().unwrap_or(-1), text(&output.stdout) + &text(&output.stderr))
}

#[test]
fn a_source_the_configuration_lacks_is_a_usage_error_before_any_aws_call() {
    for args in [
        &["send", "--source", "nosuch"][..],
        &["trigger", "stripe", "--source", "nosuch"],
        &["send", "--source", "nosuch", "--config", "hookway.json"],
    ] {
        let (code, said) = hookway_without_aws(args);
        assert_eq!(code, 2, "{args:?}: {said}");
        assert!(said.contains("no source named `nosuch` in hookway.json"), "{args:?}: {said}");
    }
    let (code, said) = hookway_without_aws(&["trigger", "github", "--source", "stripe"]);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("the source `stripe` verifies as stripe, not github"), "{said}");
    // A source that is there: the stack is looked up, and AWS cannot be reached.
    let (code, said) = hookway_without_aws(&["send", "--source", "stripe"]);
    assert_eq!(code, 1, "{said}");
    let (code, said) = hookway_without_aws(&["trigger", "stripe"]);
    assert_eq!(code, 1, "{said}");
}

#[test]
fn verify_json_is_one_object() {
    // GitHub's documented example.
    let verify = |signature: &str| {
        let header = format!("X-Hub-Signature-256: sha256={signature}");
        let args = ["verify", "--scheme", "github", "--secret", "It's a Secret to Everybody", "-H", &header, "--json"];
        let (code, out, err) = hookway_with_stdin(&args, b"Hello, World!");
        (code, serde_json::from_str::<Value>(&out).unwrap_or_else(|error| panic!("{error}: {out}{err}")))
    };
    let (code, said) = verify("757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
    assert_eq!(code, 0);
    assert_eq!((&said["valid"], &said["source"], &said["reason"]), (&json!(true), &json!("github"), &Value::Null));
    let (code, said) = verify("0000000000000000000000000000000000000000000000000000000000000000");
    assert_eq!(code, 1);
    assert_eq!((&said["valid"], &said["reason"]), (&json!(false), &json!("signature does not match")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_providers_sample_is_accepted_by_the_local_stack() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("trigger-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut stack = LocalStack::start(&dir, &config());
    stack.running().await;

    // The walk: each provider's default sample, to the first source of its scheme, a few at a time.
    let stack_ref = &stack;
    let said: Vec<(i32, String)> = std::thread::scope(|scope| {
        let walkers: Vec<_> = (0..4)
            .map(|start| {
                scope.spawn(move || {
                    CATALOG
                        .iter()
                        .skip(start)
                        .step_by(4)
                        .map(|provider| stack_ref.local(&["trigger", provider.name, "--json"]))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut walked: Vec<_> = walkers.into_iter().map(|walker| walker.join().unwrap().into_iter()).collect();
        (0..CATALOG.len()).map(|index| walked[index % 4].next().unwrap()).collect()
    });
    let mut ids = Vec::new();
    for (provider, (code, said)) in CATALOG.iter().zip(said) {
        assert_eq!(code, 0, "{}: {said}", provider.name);
        let answer: Value =
            serde_json::from_str(&said).unwrap_or_else(|error| panic!("{}: {error}: {said}", provider.name));
        let default = samples(provider.name)[0].event;
        assert_eq!(answer["status"], 202, "{}: {said}", provider.name);
        assert_eq!(
            (&answer["provider"], &answer["source"], &answer["event"]),
            (&json!(provider.name), &json!(provider.name), &json!(default)),
            "{said}"
        );
        assert_eq!(answer["url"], format!("{}/webhooks/{}", stack.url, provider.name), "{said}");
        ids.push(answer["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), CATALOG.len());

    // Each delivery is a new event: a fresh id where the provider puts it, in the body included.
    let (_, first) = stack.local(&["trigger", "stripe", "--json"]);
    let (_, second) = stack.local(&["trigger", "stripe", "--json"]);
    let id = |said: &str| serde_json::from_str::<Value>(said).unwrap()["id"].as_str().unwrap().to_owned();
    assert!(id(&first).starts_with("evt_") && id(&first) != id(&second), "{first}\n{second}");

    // The human line, and another sample than the default: a form body.
    let (code, said) = stack.local(&["trigger", "slack", "slash_command"]);
    assert_eq!(code, 0, "{said}");
    assert!(said.starts_with("202 Accepted  id: "), "{said}");

    // The handshakes, answered once they verify, never queued.
    let (code, said) = stack.local(&["trigger", "slack", "url_verification"]);
    assert_eq!(
        (code, said.trim()),
        (0, "200 OK  {\"challenge\":\"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P\"}")
    );
    let (code, said) = stack.local(&["trigger", "twitch", "webhook_callback_verification"]);
    assert_eq!((code, said.trim()), (0, "200 OK  pogchamp-kappa-360noscope-vohiyo"));
    let (code, said) = stack.local(&["trigger", "discord", "ping"]);
    assert_eq!((code, said.trim()), (0, "200 OK  {\"type\":1}"));
    let (code, said) = stack.local(&["trigger", "zoom", "endpoint.url_validation", "--json"]);
    assert_eq!(code, 0, "{said}");
    assert_eq!(serde_json::from_str::<Value>(&said).unwrap()["status"], 200, "{said}");

    // `--source` names the source; one of another scheme is a usage error.
    let (code, said) = stack.local(&["trigger", "github", "ping", "--source", "github"]);
    assert_eq!(code, 0, "{said}");
    let (code, said) = stack.local(&["trigger", "github", "--source", "stripe"]);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("verifies as stripe, not github"), "{said}");

    // `send`: the webhook URL from the local stack, the body from stdin, a header and a content type.
    let body = br#"{"ref": "refs/heads/main", "sent": "from stdin"}"#;
    let state_dir = stack.state_dir.to_str().unwrap();
    let send = [
        "send",
        "--source",
        "github",
        "--data",
        "@-",
        "-H",
        "X-GitHub-Event: push",
        "--content-type",
        "application/vnd.hookway.test+json",
        "--json",
        "--local",
        "--state-dir",
        state_dir,
    ];
    let (code, said, errors) = hookway_with_stdin(&send, body);
    assert_eq!(code, 0, "{said}{errors}");
    let answer: Value = serde_json::from_str(&said).unwrap();
    assert_eq!((&answer["status"], &answer["source"]), (&json!(202), &json!("github")), "{said}");
    let id = answer["id"].as_str().unwrap().to_owned();
    // The event as archived: the body byte for byte, with the header's type and the content type.
    let config = stack.config.to_str().unwrap();
    let show = ["events", "show", &id, "--source", "github", "--config", config];
    let shown = wait_for("the sent event to be archived", STEP_DEADLINE, || {
        let (code, said) = stack.local(&show);
        std::future::ready((code == 0).then_some(said))
    })
    .await;
    assert!(shown.contains("push") && shown.contains("application/vnd.hookway.test+json"), "{shown}");
    let (code, archived) = stack.local(&[&show[..], &["--body"]].concat());
    assert_eq!((code, archived.as_bytes()), (0, &body[..]), "{archived}");

    // The stack down: nothing answers, a failure at run time.
    let down = format!("http://127.0.0.1:{}", free_port());
    let (code, said) = stack.local(&["trigger", "discord", "--url", &down, "--config", config]);
    assert_eq!(code, 1, "{said}");
    assert!(said.contains(&format!("POST {down}/webhooks/discord")), "{said}");
    stack.stop().await;
    let (code, said) = stack.local(&["trigger", "stripe"]);
    assert_eq!(code, 1, "no local stack runs: {said}");
}
