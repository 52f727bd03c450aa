//! The routes' AWS-native targets, proven offline end to end: the worker's calls to each target
//! (and the intake's read of a job's execution) as moto records them — the queue's or topic's KMS
//! key included — become the requests AWS makes of IAM, and the template the CDK app synthesises
//! for a configuration naming all five targets allows each of them, using every target grant; a
//! call to a resource the configuration does not name, or with a key it does not name, is denied.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hookway_iam::calls::Call;
use hookway_iam::check::check;
use hookway_iam::local::{calls, synthesize};
use hookway_iam::template::{Binding, Template};
use hookway_iam::{Caller, Report};
use hookway_testkit::MotoServer;
use serde_json::{Value, json};

const REGION: &str = "eu-west-1";
/// moto's account.
const ACCOUNT: &str = "123456789012";
const QUEUE_KEY: &str = "arn:aws:kms:eu-west-1:123456789012:key/orders-key";
const TOPIC_KEY: &str = "arn:aws:kms:eu-west-1:123456789012:key/payments-key";
const QUEUE: &str = "arn:aws:sqs:eu-west-1:123456789012:orders";
const TOPIC: &str = "arn:aws:sns:eu-west-1:123456789012:payments";
const BUS: &str = "arn:aws:events:eu-west-1:123456789012:event-bus/payments";
const FUNCTION: &str = "arn:aws:lambda:eu-west-1:123456789012:function:fulfil";
const MACHINE: &str = "arn:aws:states:eu-west-1:123456789012:stateMachine:orders";
const JOB_MACHINE: &str = "arn:aws:states:eu-west-1:123456789012:stateMachine:reports";

const CALLERS: &[(&str, Caller)] = &[
    ("hookway-worker", Caller::Function),
    ("hookway-intake", Caller::Function),
    ("other", Caller::Unchecked("the test's own clients, creating what the user's account holds")),
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// The repository's hookway.json, its routes replaced by one naming all five targets (the queue
/// and topic encrypted with keys of their own, the function by its `live` alias) and a jobs route
/// starting a state machine.
fn configuration() -> Value {
    let mut document: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("hookway.json")).unwrap()).unwrap();
    document["routes"] = json!([
        {"source": "stripe", "handlers": [
            {"sqs": {"queueArn": QUEUE, "kmsKeyArn": QUEUE_KEY}},
            {"sns": {"topicArn": TOPIC, "kmsKeyArn": TOPIC_KEY}},
            {"eventBridge": {"busArn": BUS}},
            {"lambda": {"functionArn": format!("{FUNCTION}:live"), "invocationType": "RequestResponse"}},
            {"stepFunctions": {"stateMachineArn": MACHINE}}
        ]},
        {"source": "jobs", "type": "report.generate", "handler": {"stepFunctions": {"stateMachineArn": JOB_MACHINE}}},
        {"source": "*", "handler": "log"}
    ]);
    document
}

/// One AWS call to moto as `caller` makes it: signed for `service` in the region (moto does not
/// check the signature), named by the application in the user agent as the SDKs name it.
struct Aws {
    endpoint: String,
    http: reqwest::Client,
}

enum Protocol<'a> {
    /// AWS JSON: `X-Amz-Target`.
    Json(&'a str, Value),
    /// The query protocol: a form.
    Query(Vec<(&'a str, String)>),
    /// REST: a path (and query) with a body.
    Rest(&'a str, Value),
}

impl Aws {
    async fn call(&self, caller: &str, service: &str, protocol: Protocol<'_>) -> reqwest::StatusCode {
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/{REGION}/{service}/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature=0000"
        );
        let request = match protocol {
            Protocol::Json(target, body) => self
                .http
                .post(&self.endpoint)
                .header("X-Amz-Target", target)
                .header("Content-Type", "application/x-amz-json-1.0")
                .body(body.to_string()),
            Protocol::Query(form) => {
                self.http.post(&self.endpoint).header("Content-Type", "application/x-www-form-urlencoded").body(
                    form.iter().map(|(name, value)| format!("{name}={}", encoded(value))).collect::<Vec<_>>().join("&"),
                )
            }
            Protocol::Rest(path, body) => self.http.post(format!("{}{path}", self.endpoint)).body(body.to_string()),
        };
        let response = request
            .header("Authorization", authorization)
            .header("X-Amz-Date", "20260101T000000Z")
            .header("User-Agent", format!("aws-sdk-rust/1 hookway app/{caller}"))
            .send()
            .await
            .unwrap();
        response.status()
    }

    /// What the account holds: the queues and topics (some encrypted), the bus and the state machines.
    async fn create_resources(&self) {
        for (name, key) in [
            ("orders", Some(QUEUE_KEY)),
            ("elsewhere", None),
            ("rekeyed", Some("arn:aws:kms:eu-west-1:123456789012:key/other")),
        ] {
            let attributes = key.map_or(json!({}), |key| json!({"KmsMasterKeyId": key}));
            let status = self
                .call(
                    "other",
                    "sqs",
                    Protocol::Json("AmazonSQS.CreateQueue", json!({"QueueName": name, "Attributes": attributes})),
                )
                .await;
            assert!(status.is_success(), "CreateQueue {name}: {status}");
        }
        for (name, key) in [("payments", TOPIC_KEY), ("refunds", TOPIC_KEY)] {
            let form = vec![
                ("Action", "CreateTopic".to_owned()),
                ("Name", name.to_owned()),
                ("Attributes.entry.1.key", "KmsMasterKeyId".to_owned()),
                ("Attributes.entry.1.value", key.to_owned()),
            ];
            let status = self.call("other", "sns", Protocol::Query(form)).await;
            assert!(status.is_success(), "CreateTopic {name}: {status}");
        }
        let status =
            self.call("other", "events", Protocol::Json("AWSEvents.CreateEventBus", json!({"Name": "payments"}))).await;
        assert!(status.is_success(), "CreateEventBus: {status}");
        for name in ["orders", "reports", "other"] {
            let definition = json!({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}).to_string();
            let body =
                json!({"name": name, "definition": definition, "roleArn": "arn:aws:iam::123456789012:role/states"});
            let status =
                self.call("other", "states", Protocol::Json("AWSStepFunctions.CreateStateMachine", body)).await;
            assert!(status.is_success(), "CreateStateMachine {name}: {status}");
        }
    }

    /// The worker's call to a queue, by its URL.
    async fn send(&self, queue: &str) {
        let url = format!("{}/{ACCOUNT}/{queue}", self.endpoint);
        let body = json!({"QueueUrl": url, "MessageBody": "{}"});
        self.call("hookway-worker", "sqs", Protocol::Json("AmazonSQS.SendMessage", body)).await;
    }

    async fn publish(&self, topic: &str) {
        let form = vec![("Action", "Publish".to_owned()), ("TopicArn", topic.to_owned()), ("Message", "{}".to_owned())];
        self.call("hookway-worker", "sns", Protocol::Query(form)).await;
    }

    async fn put_events(&self, bus: &str) {
        let entry =
            json!({"EventBusName": bus, "Source": "hookway.stripe", "DetailType": "invoice.paid", "Detail": "{}"});
        self.call("hookway-worker", "events", Protocol::Json("AWSEvents.PutEvents", json!({"Entries": [entry]}))).await;
    }

    /// Lambda's Invoke, by the function's ARN (as the path names it, encoded) and a qualifier, if any.
    async fn invoke(&self, function: &str, qualifier: Option<&str>) {
        let name = function.replace(':', "%3A");
        let query = qualifier.map(|q| format!("?Qualifier={q}")).unwrap_or_default();
        let path = format!("/2015-03-31/functions/{name}/invocations{query}");
        self.call("hookway-worker", "lambda", Protocol::Rest(&path, json!({}))).await;
    }

    async fn start(&self, machine: &str) {
        let body = json!({"stateMachineArn": machine, "name": "evt_1", "input": "{}"});
        self.call("hookway-worker", "states", Protocol::Json("AWSStepFunctions.StartExecution", body)).await;
    }

    async fn describe(&self, execution: &str) {
        let body = json!({"executionArn": execution});
        self.call("hookway-intake", "states", Protocol::Json("AWSStepFunctions.DescribeExecution", body)).await;
    }
}

/// `value` percent-encoded, as a form's value.
fn encoded(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => char::from(byte).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// The recorded calls, against the template synthesised for [`configuration`].
fn checked(template: &Value, calls: &[Call]) -> Report {
    let binding = Binding {
        partition: "aws".into(),
        region: REGION.into(),
        account: ACCOUNT.into(),
        stack_name: "hookway".into(),
        outputs: BTreeMap::new(),
        singletons: BTreeMap::new(),
    };
    let mut template = Template::new(template, binding).unwrap();
    check(&mut template, &root(), None, CALLERS, calls, "aws").unwrap()
}

fn requests(report: &Report) -> Vec<String> {
    let mut denied: Vec<String> = report
        .denials
        .iter()
        .map(|denial| format!("{} on {}", denial.request.action, denial.request.resource))
        .collect();
    denied.sort();
    denied
}

#[tokio::test]
async fn each_targets_call_is_allowed_by_the_stack_and_a_call_to_a_resource_the_configuration_does_not_name_is_denied()
{
    let work = std::env::temp_dir().join(format!("hookway-iam-targets-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let config = work.join("hookway.json");
    std::fs::write(&config, serde_json::to_string_pretty(&configuration()).unwrap()).unwrap();
    let template = synthesize(&root(), &config, &work.join("cdk.out")).unwrap();

    let moto = MotoServer::start();
    let aws = Aws { endpoint: moto.endpoint.clone(), http: reqwest::Client::new() };
    aws.create_resources().await;

    // What the routes name.
    aws.send("orders").await;
    aws.publish(TOPIC).await;
    aws.put_events(BUS).await;
    aws.invoke(FUNCTION, Some("live")).await;
    aws.start(MACHINE).await;
    aws.describe("arn:aws:states:eu-west-1:123456789012:execution:reports:job_1").await;
    let allowed = calls(&moto.endpoint).await.unwrap();
    let recorded: Vec<&Call> = allowed.iter().filter(|call| call.caller != "other").collect();
    assert_eq!(recorded.len(), 6, "{recorded:#?}");
    let report = checked(&template, &allowed);
    assert!(report.denials.is_empty(), "{report}");
    // Every target grant was used (the keys' by the encrypted queue's send and topic's publish),
    // but the jobs route's machine's: a job starts that one, and this run sent no job.
    let unused: Vec<String> = report
        .unused()
        .filter(|grant| grant.policy.contains("Targets") || grant.policy.contains("JobExecutions"))
        .map(ToString::to_string)
        .collect();
    let [unused] = unused.as_slice() else { panic!("{report}") };
    assert!(unused.starts_with(&format!("hookway-worker: states:StartExecution on {JOB_MACHINE} (")), "{unused}");

    // What they do not name: another queue, a queue encrypted with another key, another topic
    // (encrypted with the named key: the key alone allows nothing), another bus, the function
    // unqualified, another machine, and an execution of a machine no jobs route starts.
    let moto = MotoServer::start();
    let aws = Aws { endpoint: moto.endpoint.clone(), http: reqwest::Client::new() };
    aws.create_resources().await;
    aws.send("elsewhere").await;
    aws.send("rekeyed").await;
    aws.publish("arn:aws:sns:eu-west-1:123456789012:refunds").await;
    aws.put_events("default").await;
    aws.invoke(FUNCTION, None).await;
    aws.start("arn:aws:states:eu-west-1:123456789012:stateMachine:other").await;
    aws.describe("arn:aws:states:eu-west-1:123456789012:execution:orders:evt_1").await;
    let report = checked(&template, &calls(&moto.endpoint).await.unwrap());
    assert_eq!(
        requests(&report),
        [
            "events:PutEvents on arn:aws:events:eu-west-1:123456789012:event-bus/default",
            "kms:Decrypt on arn:aws:kms:eu-west-1:123456789012:key/other",
            "kms:GenerateDataKey on arn:aws:kms:eu-west-1:123456789012:key/other",
            "lambda:InvokeFunction on arn:aws:lambda:eu-west-1:123456789012:function:fulfil",
            "sns:Publish on arn:aws:sns:eu-west-1:123456789012:refunds",
            "sqs:SendMessage on arn:aws:sqs:eu-west-1:123456789012:elsewhere",
            "sqs:SendMessage on arn:aws:sqs:eu-west-1:123456789012:rekeyed",
            "states:DescribeExecution on arn:aws:states:eu-west-1:123456789012:execution:orders:evt_1",
            "states:StartExecution on arn:aws:states:eu-west-1:123456789012:stateMachine:other",
        ],
        "{report}"
    );
    std::fs::remove_dir_all(&work).unwrap();
}
