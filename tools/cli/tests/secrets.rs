//! `hookway secrets rotate` when SSM answers something other than the secret: the built binary,
//! with its SSM client pointed at a stand-in that answers as SSM does (AWS JSON errors) and
//! records what it was asked.

use std::process::{Command, Output};

use hookway_testkit::receiver::{Receiver, Reply};
use hookway_testkit::workspace_root;
use serde_json::Value;

const AWS_JSON: &str = "application/x-amz-json-1.1";

fn ssm_error(code: &str, message: &str) -> Reply {
    Reply::Body(400, AWS_JSON, serde_json::json!({"__type": code, "message": message}).to_string())
}

/// `hookway secrets rotate github --value new-secret` against the stand-in.
fn rotate(ssm_url: &str) -> Output {
    let config = workspace_root().join("hookway.json");
    Command::new(env!("CARGO_BIN_EXE_hookway"))
        .args(["secrets", "rotate", "github", "--value", "new-secret", "--config", config.to_str().unwrap()])
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_PROFILE")
        .env("AWS_ENDPOINT_URL_SSM", ssm_url)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap()
}

/// The SSM operations the stand-in was asked for, in order.
fn operations(ssm: &Receiver) -> Vec<String> {
    ssm.received()
        .iter()
        .filter_map(|request| request.headers.get("x-amz-target")?.to_str().ok().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_changes_nothing_when_the_secrets_in_use_cannot_be_read() {
    for refusal in [
        ssm_error(
            "AccessDeniedException",
            "User: arn:aws:iam::123456789012:user/ops is not authorized to perform: ssm:GetParameter",
        ),
        ssm_error("ThrottlingException", "Rate exceeded"),
    ] {
        let ssm = Receiver::start().await;
        ssm.always(refusal.clone());
        let url = ssm.url.clone();
        let output = tokio::task::spawn_blocking(move || rotate(&url)).await.unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{refusal:?}: {stderr}");
        assert!(
            stderr.contains("cannot read the secrets in use from /hookway/github/secret, so nothing was changed"),
            "{stderr}"
        );
        let asked = operations(&ssm);
        assert!(asked.iter().all(|operation| operation == "AmazonSSM.GetParameter"), "{refusal:?}: {asked:?}");
        assert!(!asked.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_rotation_of_a_parameter_that_does_not_exist_puts_the_new_secret() {
    let ssm = Receiver::start().await;
    ssm.script([ssm_error("ParameterNotFound", "")]);
    ssm.always(Reply::Body(200, AWS_JSON, r#"{"Version": 1, "Tier": "Standard"}"#.to_owned()));
    let url = ssm.url.clone();
    let output = tokio::task::spawn_blocking(move || rotate(&url)).await.unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(operations(&ssm), ["AmazonSSM.GetParameter", "AmazonSSM.PutParameter"]);
    let put: Value = serde_json::from_slice(&ssm.received()[1].body).unwrap();
    assert_eq!((put["Name"].as_str(), put["Value"].as_str()), (Some("/hookway/github/secret"), Some("new-secret")));
    assert_eq!(put["Type"], "SecureString");
}
