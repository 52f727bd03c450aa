//! `hookway init` and `hookway doctor`, as real processes: a starter configuration written by
//! `init`, a local stack started with it, and `doctor --local` checking that stack — its secrets in
//! moto, the configuration its functions run, a smoke event through its gateway — then a
//! configuration the stack does not have the secrets of, named with the command that fixes it.

mod local_stack;

use std::path::{Path, PathBuf};
use std::process::Command;

use hookway_testkit::receiver::Receiver;
use hookway_testkit::workspace_root;
use local_stack::LocalStack;
use serde_json::{Value, json};

/// A `hookway` command run from the repository's root: its exit code, stdout and stderr.
fn hookway(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_hookway")).args(args).current_dir(workspace_root()).output().unwrap();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.code().unwrap_or(-1), text(&output.stdout), text(&output.stderr))
}

fn init(config: &Path, extra: &[&str]) -> (i32, String, String) {
    let args = ["init", "--source", "stripe", "--source", "github", "--config", config.to_str().unwrap()];
    hookway(&[&args[..], extra].concat())
}

/// The file validates against the repository's JSON Schema (as an editor would check it).
fn assert_schema_valid(file: &Path) {
    let python = workspace_root().join(".venv/bin/python");
    let schema = workspace_root().join("hookway.schema.json");
    let check =
        "import json, sys, jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))";
    let output = Command::new(python).args(["-c", check]).arg(file).arg(schema).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

/// An empty directory of this test run's.
fn fresh_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The lines of `doctor`'s report.
fn lines(stdout: &str) -> Vec<&str> {
    stdout.lines().filter(|line| !line.trim().is_empty()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_writes_what_the_local_stack_runs_and_doctor_checks_it() {
    let dir = fresh_dir("doctor");
    let file = dir.join("hookway.json");

    // init: a starter file, and the commands that come next.
    let (code, said, errors) = init(&file, &[]);
    assert_eq!(code, 0, "{said}{errors}");
    for next in
        ["hookway dev --config", "hookway trigger stripe --local", "hookway secrets put github", "npx cdk deploy"]
    {
        assert!(said.contains(next), "{next}: {said}");
    }
    let first = std::fs::read_to_string(&file).unwrap();
    let written: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(
        written,
        json!({
            "sources": [
                {"name": "stripe", "scheme": "stripe", "secretParameters": ["/hookway/stripe/secret"]},
                {"name": "github", "scheme": "github", "secretParameters": ["/hookway/github/secret"]},
            ],
            "routes": [{"source": "*", "handler": {"forward": {"url": "http://localhost:8080/webhooks"}}}],
        }),
        "only what differs from the defaults"
    );
    assert_schema_valid(&file);
    let (code, said, errors) = hookway(&["config", "check", "--config", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{said}{errors}");

    // It leaves a file there as it is, unless --force.
    let destination = Receiver::start().await;
    let forward_to = format!("{}/hooks", destination.url);
    let (code, said, errors) = init(&file, &["--forward-to", &forward_to]);
    assert_eq!(code, 2, "{said}{errors}");
    assert!(errors.contains("exists") && errors.contains("--force"), "{errors}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), first, "left as it was");
    let (code, said, errors) = init(&file, &["--forward-to", &forward_to, "--endpoint", "http-api", "--force"]);
    assert_eq!(code, 0, "{said}{errors}");
    let config: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(config["routes"][0]["handler"]["forward"]["url"], json!(forward_to));
    assert_eq!(config["webhooks"], json!({"endpoint": "http-api"}));
    assert_schema_valid(&file);

    // The local stack makes up each source's secret: doctor finds every check passes.
    let mut stack = LocalStack::start(&dir, &config);
    stack.running().await;
    let (code, said) = stack.local(&["doctor"]);
    eprintln!("hookway doctor --local:\n{said}");
    assert_eq!(code, 0, "{said}");
    let report = lines(&said);
    assert!(report.iter().all(|line| line.starts_with("ok   ")), "{said}");
    for check in [
        "ok   local stack: running at",
        "ok   parameter /hookway/stripe/secret: SecureString, 1 stripe secret(s)",
        "ok   parameter /hookway/github/secret: SecureString, 1 github secret(s)",
        "ok   configuration digest: the local stack runs",
        "ok   CDK bootstrap: skipped",
    ] {
        assert!(report.iter().any(|line| line.starts_with(check)), "{check}:\n{said}");
    }

    // A signed event through the gateway, and its record in the state table.
    let (code, said) = stack.local(&["doctor", "--smoke"]);
    assert_eq!(code, 0, "{said}");
    let smoke = lines(&said).into_iter().find(|line| line.contains("smoke test")).unwrap_or_default().to_owned();
    assert!(smoke.starts_with("ok   smoke test: stripe event evt_"), "{said}");
    assert!(smoke.contains(&format!("sent to {}/webhooks/stripe, recorded", stack.url)), "{smoke}");

    // --json: one compact object on one line, the same checks.
    let (code, said, errors) =
        hookway(&["doctor", "--json", "--local", "--state-dir", stack.state_dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{errors}");
    assert_eq!(said.lines().count(), 1, "{said}");
    let answer: Value = serde_json::from_str(&said).unwrap();
    assert_eq!(answer["ok"], json!(true));
    let checks = answer["checks"].as_array().unwrap();
    assert_eq!(checks.len(), report.len(), "{said}");
    for check in checks {
        assert_eq!(check["status"], "ok", "{check}");
        assert!(check["name"].is_string() && check["detail"].is_string() && check["fix"].is_null(), "{check}");
    }

    // A configuration with a source the stack has no secret for: the parameter is named, with
    // the command that puts it, and the stack is said to run another configuration.
    let mut second = config.clone();
    second["sources"].as_array_mut().unwrap().push(json!({
        "name": "shopify", "scheme": "shopify", "secretParameters": ["/hookway/shopify/secret"],
    }));
    second["routes"][0]["handler"]["forward"]["sign"] =
        json!({"secretParameters": ["/hookway/destinations/app/signing"]});
    second["routes"][0]["handler"]["forward"]["authorization"] =
        json!({"parameter": "/hookway/destinations/app/token"});
    let second_file = dir.join("second.json");
    std::fs::write(&second_file, serde_json::to_string_pretty(&second).unwrap()).unwrap();
    let second_path = second_file.to_str().unwrap();
    let (code, said) = stack.local(&["doctor", "--config", second_path]);
    eprintln!("hookway doctor --local --config {second_path}:\n{said}");
    assert_eq!(code, 1, "{said}");
    let state_dir = stack.state_dir.to_str().unwrap();
    let fix = format!("hookway secrets put shopify --config {second_path} --local --state-dir {state_dir}");
    let missing =
        format!("FAIL parameter /hookway/shopify/secret: the secret of source shopify does not exist — fix: {fix}");
    assert!(lines(&said).contains(&missing.as_str()), "{missing}\n{said}");
    for missing in [
        "FAIL parameter /hookway/destinations/app/signing: the signing secret of a destination does not exist — fix: hookway secrets put /hookway/destinations/app/signing --config",
        "FAIL parameter /hookway/destinations/app/token: the Authorization value of a destination does not exist — fix: hookway secrets put /hookway/destinations/app/token --config",
        "FAIL configuration digest: the local stack runs sha256:",
        "ok   parameter /hookway/stripe/secret",
    ] {
        assert!(lines(&said).iter().any(|line| line.starts_with(missing)), "{missing}\n{said}");
    }
    let (code, said, _) = hookway(&["doctor", "--json", "--config", second_path, "--local", "--state-dir", state_dir]);
    assert_eq!(code, 1);
    let answer: Value = serde_json::from_str(&said).unwrap();
    assert_eq!(answer["ok"], json!(false));
    let failed: Vec<&Value> = answer["checks"].as_array().unwrap().iter().filter(|c| c["status"] == "fail").collect();
    assert_eq!(failed.len(), 4, "{said}");
    assert_eq!(failed[0]["name"], "parameter /hookway/shopify/secret");
    assert_eq!(failed[0]["fix"], json!(fix));

    // The fixes it prints fix them; no secret is ever printed by doctor.
    for check in &failed[..3] {
        let args: Vec<&str> = check["fix"].as_str().unwrap().split(' ').skip(1).collect();
        let (code, said, errors) = hookway(&args);
        assert_eq!(code, 0, "{said}{errors}");
    }
    let (code, said) = stack.local(&["doctor", "--config", second_path]);
    assert_eq!(code, 1, "the local stack still runs the first file: {said}");
    for fixed in [
        "ok   parameter /hookway/shopify/secret: SecureString, 1 shopify secret(s)",
        "ok   parameter /hookway/destinations/app/signing: SecureString, 1 whsec_ signing secret(s)",
        "ok   parameter /hookway/destinations/app/token: SecureString, an Authorization header value",
    ] {
        assert!(lines(&said).contains(&fixed), "{fixed}\n{said}");
    }
    assert_eq!(said.matches("FAIL ").count(), 1, "{said}");
    let secrets: std::collections::BTreeMap<String, String> =
        serde_json::from_str(&std::fs::read_to_string(stack.state_dir.join("secrets.json")).unwrap()).unwrap();
    for value in secrets.values() {
        assert!(!said.contains(value.as_str()), "a secret was printed:\n{said}");
    }

    // Every call doctor made is one the operator policy allows.
    stack.assert_iam_allows_every_call().await;
    stack.stop().await;
}

/// `hookway doctor` against an account (moto, reached per service, as a deployed stack's
/// account is: no `AWS_ENDPOINT_URL`, which would mean the local stack), with the given global
/// options before it and environment on top (an empty value unsets a variable).
fn doctor_in_account(moto: &str, config: &Path, globals: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hookway"));
    command
        .args(globals)
        .args(["doctor", "--config", config.to_str().unwrap()])
        .current_dir(workspace_root())
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_PROFILE")
        .env_remove("HOOKWAY_STACK")
        .env("AWS_ENDPOINT_URL_SSM", moto)
        .env("AWS_ENDPOINT_URL_CLOUDFORMATION", moto)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    // An empty value: the variable is not set at all.
    for (name, value) in env {
        if value.is_empty() {
            command.env_remove(name);
        } else {
            command.env(name, value);
        }
    }
    let output = command.output().unwrap();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.code().unwrap_or(-1), text(&output.stdout), text(&output.stderr))
}

/// A stack in the account with these outputs.
async fn create_stack(aws: &aws_config::SdkConfig, name: &str, outputs: Value) {
    let template = json!({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}, "Outputs": outputs});
    aws_sdk_cloudformation::Client::new(aws)
        .create_stack()
        .stack_name(name)
        .template_body(template.to_string())
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn before_and_after_a_deploy_doctor_names_what_is_missing_and_its_fix() {
    let dir = fresh_dir("doctor-account");
    let file = dir.join("staging.json");
    let (code, said, errors) = init(&file, &[]);
    assert_eq!(code, 0, "{said}{errors}");
    let moto = hookway_testkit::MotoServer::start();
    let aws = moto.sdk_config().await;
    // Stripe's secret put as the fix says, from a file; GitHub's as a plain String, readable by
    // anyone who lists parameters.
    let ssm = aws_sdk_ssm::Client::new(&aws);
    let secret_file = dir.join("secret.txt");
    std::fs::write(&secret_file, "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=\n").unwrap();
    let put =
        ["secrets", "put", "stripe", "--config", file.to_str().unwrap(), "--value-file", secret_file.to_str().unwrap()];
    let output = Command::new(env!("CARGO_BIN_EXE_hookway"))
        .args(put)
        .env_remove("AWS_ENDPOINT_URL")
        .env("AWS_ENDPOINT_URL_SSM", &moto.endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    ssm.put_parameter()
        .name("/hookway/github/secret")
        .value("It's a Secret to Everybody")
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .send()
        .await
        .unwrap();

    // Before a deploy: no bootstrap, no stack.
    let (code, said, errors) = tokio::task::block_in_place(|| doctor_in_account(&moto.endpoint, &file, &[], &[]));
    assert_eq!(code, 1, "{said}{errors}");
    let deploy = format!("npx cdk deploy -c config={}", file.display());
    for line in [
        "ok   AWS credentials: resolved".to_owned(),
        "ok   AWS region: us-east-1".to_owned(),
        format!("ok   configuration {}: 2 source(s), fits one stack, sha256:", file.display()),
        "ok   parameter /hookway/stripe/secret: SecureString, 1 stripe secret(s)".to_owned(),
        "FAIL parameter /hookway/github/secret: the secret of source github is a String, not a SecureString: it is stored unencrypted — fix: hookway secrets put github --config".to_owned(),
        "FAIL CDK bootstrap: no CDKToolkit stack in us-east-1 — fix: npx cdk bootstrap".to_owned(),
        format!("warn stack Hookway: not deployed in us-east-1 yet — fix: {deploy}"),
    ] {
        assert!(lines(&said).iter().any(|said| said.starts_with(&line)), "{line}\n{said}");
    }
    assert!(!said.contains("It's a Secret") && !said.contains("whsec_c2Vj"), "no secret is printed:\n{said}");
    assert!(!said.contains("--value "), "a fix never puts a secret on the command line:\n{said}");

    // --profile and --region: each fix names them, as the command that fixes it needs them.
    let profiles = dir.join("aws-config");
    std::fs::write(&profiles, "[profile staging]\nregion = us-east-1\n").unwrap();
    let globals = ["--profile", "staging", "--region", "us-east-1"];
    let (code, said, errors) = tokio::task::block_in_place(|| {
        doctor_in_account(&moto.endpoint, &file, &globals, &[("AWS_CONFIG_FILE", profiles.to_str().unwrap())])
    });
    assert_eq!(code, 1, "{said}{errors}");
    for line in [
        format!(
            "FAIL parameter /hookway/github/secret: the secret of source github is a String, not a SecureString: it is stored unencrypted — fix: hookway --profile staging --region us-east-1 secrets put github --config {} --value-file secret.txt",
            file.display()
        ),
        "FAIL CDK bootstrap: no CDKToolkit stack in us-east-1 — fix: AWS_PROFILE=staging AWS_REGION=us-east-1 npx cdk bootstrap".to_owned(),
        format!("warn stack Hookway: not deployed in us-east-1 yet — fix: AWS_PROFILE=staging AWS_REGION=us-east-1 {deploy}"),
    ] {
        assert!(lines(&said).iter().any(|said| said.starts_with(&line)), "{line}\n{said}");
    }

    // No region: said once, and what needs one is skipped, not failed one call at a time.
    let nowhere = dir.join("none");
    let nowhere = nowhere.to_str().unwrap();
    let no_region = [("AWS_REGION", ""), ("AWS_DEFAULT_REGION", ""), ("AWS_CONFIG_FILE", nowhere)];
    let (code, said, errors) =
        tokio::task::block_in_place(|| doctor_in_account(&moto.endpoint, &file, &[], &no_region));
    assert_eq!(code, 1, "{said}{errors}");
    assert_eq!(said.matches("FAIL ").count(), 1, "{said}");
    assert!(said.contains("FAIL AWS region: none is set — fix: give --region"), "{said}");
    let skipped = "warn AWS checks: skipped: fix the failures above (the SSM parameters, the CDK bootstrap and stack Hookway cannot be checked until then)";
    assert!(lines(&said).contains(&skipped), "{skipped}\n{said}");

    // SSM unreachable: the first parameter says so with the fix for that, the rest are skipped.
    let down = format!("http://127.0.0.1:{}", hookway_testkit::free_port());
    let (code, said, errors) = tokio::task::block_in_place(|| {
        doctor_in_account(&moto.endpoint, &file, &[], &[("AWS_ENDPOINT_URL_SSM", &down)])
    });
    assert_eq!(code, 1, "{said}{errors}");
    let failed: Vec<&str> = lines(&said).into_iter().filter(|line| line.starts_with("FAIL ")).collect();
    assert_eq!(failed.len(), 1, "{said}");
    assert!(
        failed[0].starts_with("FAIL parameter /hookway/stripe/secret: the secret of source stripe cannot be read: "),
        "{said}"
    );
    assert!(failed[0].ends_with("— fix: check the network, and --region (and any AWS_ENDPOINT_URL_* set)"), "{said}");
    assert!(!said.contains("grant ssm:GetParameter"), "{said}");
    let skipped = "warn AWS checks: skipped: fix the failure above (1 more parameter(s), the CDK bootstrap and stack Hookway cannot be checked until then)";
    assert!(lines(&said).contains(&skipped), "{skipped}\n{said}");

    // After a deploy of another configuration: outputs missing, and the digest is not this file's.
    create_stack(&aws, "CDKToolkit", json!({"BucketName": {"Value": "cdk-assets"}})).await;
    create_stack(
        &aws,
        "Hookway",
        json!({"ConfigDigest": {"Value": "sha256:0000"}, "WebhookUrl": {"Value": "https://example.com/webhooks/{source}"}}),
    )
    .await;
    let (code, said, errors) = tokio::task::block_in_place(|| doctor_in_account(&moto.endpoint, &file, &[], &[]));
    assert_eq!(code, 1, "{said}{errors}");
    assert!(said.contains("ok   CDK bootstrap: CDKToolkit is CREATE_COMPLETE"), "{said}");
    assert!(said.contains("ok   stack Hookway: CREATE_COMPLETE"), "{said}");
    let missing = lines(&said).into_iter().find(|line| line.starts_with("FAIL stack outputs: missing: ApiUrl, "));
    let missing = missing.unwrap_or_else(|| panic!("{said}")).to_owned();
    let digest = "FAIL configuration digest: the stack runs sha256:0000, this file is sha256:";
    assert!(said.contains(digest) && said.contains(&format!("— fix: {deploy}")), "{said}");

    // A stack deployed from this file (--stack, or HOOKWAY_STACK): every output there, and its digest.
    let digest = hookway_core::config::digest(&std::fs::read(&file).unwrap());
    // The outputs doctor said were missing, and the two that were there.
    let missing = missing.strip_prefix("FAIL stack outputs: missing: ").unwrap().split(" — ").next().unwrap();
    let outputs: serde_json::Map<String, Value> = missing
        .split(", ")
        .chain(["WebhookUrl"])
        .map(|key| (key.to_owned(), json!({"Value": format!("the {key}")})))
        .chain([("ConfigDigest".to_owned(), json!({"Value": digest}))])
        .collect();
    create_stack(&aws, "Staging", Value::Object(outputs)).await;
    let staging = [("HOOKWAY_STACK", "Staging")];
    let (code, said, errors) = tokio::task::block_in_place(|| doctor_in_account(&moto.endpoint, &file, &[], &staging));
    assert_eq!(code, 1, "the GitHub secret is still a String: {said}{errors}");
    for line in [
        "ok   stack Staging: CREATE_COMPLETE".to_owned(),
        "ok   stack outputs: all 9 there".to_owned(),
        format!("ok   configuration digest: the stack runs this file ({digest})"),
    ] {
        assert!(lines(&said).contains(&line.as_str()), "{line}\n{said}");
    }

    // No credentials anywhere: said, with what to do, before any call.
    let no_credentials = [
        ("AWS_ACCESS_KEY_ID", ""),
        ("AWS_SECRET_ACCESS_KEY", ""),
        ("AWS_CONFIG_FILE", nowhere),
        ("AWS_SHARED_CREDENTIALS_FILE", nowhere),
    ];
    let (code, said, errors) =
        tokio::task::block_in_place(|| doctor_in_account(&moto.endpoint, &file, &[], &no_credentials));
    assert_eq!(code, 1, "{said}{errors}");
    assert!(said.contains("FAIL AWS credentials: none found") && said.contains("— fix: aws configure"), "{said}");
    assert_eq!(said.matches("FAIL ").count(), 1, "the checks that need credentials are skipped: {said}");
    assert!(said.contains("warn AWS checks: skipped: fix the failures above"), "{said}");

    // --local with no local stack running: said first, with the command that starts one.
    let (code, said, errors) = hookway(&["doctor", "--json", "--local", "--state-dir", dir.to_str().unwrap()]);
    assert_eq!(code, 1, "{said}{errors}");
    let answer: Value = serde_json::from_str(&said).unwrap();
    assert_eq!(answer["ok"], json!(false));
    assert_eq!(answer["checks"][0]["name"], "local stack");
    assert_eq!(answer["checks"][0]["status"], "fail");
    assert_eq!(answer["checks"][0]["fix"], "make dev");
}
