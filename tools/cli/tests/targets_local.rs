//! The AWS-native targets on the local stack: one webhook routed to all five targets at once — an
//! SQS queue, an SNS topic (with an SQS subscription), an EventBridge bus (with a rule whose target
//! is an SQS queue), a Step Functions state machine, all in the stack's own moto, and a Lambda
//! function served by this test over HTTP and named with `hookway dev --function` — arrives exactly
//! once in each, body intact, and the same webhook sent again arrives nowhere; a route to a queue
//! that does not exist sends the event to the events dead-letter queue with AWS's error code; a
//! throttled function is tried again until it takes the event; and a job routed to a function
//! reports SUCCEEDED with the function's answer as its result.

mod local_stack;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use hookway_testkit::receiver::{Receiver, Reply};
use hookway_testkit::{drain_queue, queue_length, sdk_config_for, wait_for, workspace_root};
use local_stack::{LocalStack, event_body};
use serde_json::{Value, json};

const STEP_DEADLINE: Duration = Duration::from_secs(90);
/// moto's account and the local stack's region.
const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";

fn arn(service: &str, resource: &str) -> String {
    format!("arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}")
}

/// The Invoke API's path of `function`, as Lambda is called.
fn invocations(function: &str) -> String {
    format!("/2015-03-31/functions/{function}/invocations")
}

fn config() -> Value {
    let quick = json!({"schedule": ["2s", "2s", "2s"]});
    json!({
        "sources": [{"name": "shop", "scheme": "stripe", "secretParameters": ["/hookway/shop/secret"]}],
        "routes": [
            {"source": "shop", "type": "order.created", "handlers": [
                {"sqs": {"queueArn": arn("sqs", "orders")}},
                {"sns": {"topicArn": arn("sns", "orders")}},
                {"eventBridge": {"busArn": arn("events", "event-bus/orders")}},
                {"lambda": {"functionArn": arn("lambda", "function:fulfil"), "invocationType": "RequestResponse"}},
                {"stepFunctions": {"stateMachineArn": arn("states", "stateMachine:orders")}},
            ]},
            {"source": "shop", "type": "order.lost", "handler": {"sqs": {"queueArn": arn("sqs", "no-such-queue")}}},
            {"source": "shop", "type": "order.throttled", "handler": {"lambda": {
                "functionArn": arn("lambda", "function:flaky"), "invocationType": "RequestResponse", "retry": quick,
            }}},
            {"source": "jobs", "type": "report.generate", "handler": {"lambda": {
                "functionArn": arn("lambda", "function:report"), "invocationType": "RequestResponse",
            }}},
        ],
    })
}

/// Creates, in the stack's moto, what the routes name: the queue `orders`; the topic `orders`
/// delivering raw messages to the queue `orders-sns`; the bus `orders` whose rule sends the shop's
/// events to the queue `orders-events`; the state machine `orders`. With boto3, which moto comes
/// with: the functions call the same moto over the wire.
const CREATE: &str = r#"
import json, sys, boto3
session = boto3.session.Session(aws_access_key_id="local", aws_secret_access_key="local", region_name="us-east-1")
client = lambda service: session.client(service, endpoint_url=sys.argv[1])
sqs, sns, events, sfn = client("sqs"), client("sns"), client("events"), client("stepfunctions")
def queue(name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
queue("orders")
topic = sns.create_topic(Name="orders")["TopicArn"]
sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue("orders-sns")[1], Attributes={"RawMessageDelivery": "true"})
events.create_event_bus(Name="orders")
events.put_rule(Name="shop", EventBusName="orders", EventPattern=json.dumps({"source": ["hookway.shop"]}))
events.put_targets(Rule="shop", EventBusName="orders", Targets=[{"Id": "queue", "Arn": queue("orders-events")[1]}])
definition = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
sfn.create_state_machine(name="orders", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/sfn")
"#;

/// Prints the inputs of the state machine `orders`' executions, as a JSON list.
const EXECUTIONS: &str = r#"
import json, sys, boto3
sfn = boto3.client("stepfunctions", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="local", aws_secret_access_key="local")
machine = "arn:aws:states:us-east-1:123456789012:stateMachine:orders"
arns = [execution["executionArn"] for execution in sfn.list_executions(stateMachineArn=machine)["executions"]]
print(json.dumps([{"name": arn.rsplit(":", 1)[1], "input": sfn.describe_execution(executionArn=arn)["input"]} for arn in arns]))
"#;

/// Runs one of the scripts above with the Python of `.venv`: what it printed.
fn python(script: &str, endpoint: &str) -> String {
    let output = Command::new(workspace_root().join(".venv/bin/python"))
        .args(["-c", script, endpoint])
        .output()
        .expect("the Python of .venv (make tools)");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    assert!(output.status.success(), "{}{}", text(&output.stdout), text(&output.stderr));
    text(&output.stdout)
}

/// What the state machine's executions were started with: (name, input).
fn executions(endpoint: &str) -> Vec<(String, Value)> {
    let listed: Vec<Value> = serde_json::from_str(&python(EXECUTIONS, endpoint)).unwrap();
    listed
        .iter()
        .map(|execution| {
            let input = serde_json::from_str(execution["input"].as_str().unwrap()).unwrap();
            (execution["name"].as_str().unwrap().to_owned(), input)
        })
        .collect()
}

/// The bodies of the messages a queue holds, removed, added to `seen`.
async fn take(aws: &hookway_core::aws::SdkConfig, endpoint: &str, queue: &str, seen: &mut Vec<Value>) {
    let url = format!("{endpoint}/{ACCOUNT}/{queue}");
    for message in drain_queue(aws, &url).await {
        seen.push(serde_json::from_str(message.body().unwrap()).unwrap());
    }
}

/// Asserts that `envelope` is the one of the webhook `id` whose body was `body`.
fn assert_envelope(envelope: &Value, id: &str, body: &Value, what: &str) {
    assert_eq!(
        (&envelope["id"], &envelope["source"], &envelope["type"]),
        (&json!(id), &json!("shop"), &json!("order.created")),
        "{what}: {envelope}"
    );
    assert_eq!(&envelope["body"], body, "{what}: the body, intact: {envelope}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_webhook_reaches_every_target_once_and_a_job_gets_its_functions_answer() {
    let functions = Receiver::start().await;
    functions.always_at(&invocations("fulfil"), Reply::Body(200, "application/json", r#"{"fulfilled":true}"#.into()));
    functions.script_at("/flaky", [Reply::Status(503), Reply::Status(429)]);
    functions.always_at("/report", Reply::Body(200, "application/json", r#"{"rows":3}"#.into()));

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("targets-local-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let served = [
        format!("fulfil={}", functions.url),
        format!("flaky={}/flaky", functions.url),
        format!("report={}/report", functions.url),
    ];
    let options: Vec<&str> = served.iter().flat_map(|function| ["--function", function.as_str()]).collect();
    let mut stack = LocalStack::start_with(&dir, &config(), &options);
    let banner = stack.running().await;
    let state = stack.state().unwrap();
    let endpoint = state.aws_endpoint.clone();
    assert!(
        banner.contains(&format!("aws --endpoint-url {endpoint} --region {REGION} sqs create-queue")),
        "the banner says how to create a target in moto: {banner}"
    );
    for function in &served {
        let (name, url) = function.split_once('=').unwrap();
        assert!(banner.contains(&format!("function {name} are served by {url}")), "{banner}");
    }
    python(CREATE, &endpoint);
    let aws = sdk_config_for(&endpoint).await;

    // 1. One webhook → each of the five targets, once, its body intact.
    let body: Value = serde_json::from_str(&event_body("evt_all", "order.created")).unwrap();
    let (code, said) = stack.send("shop", "evt_all", "order.created", &[]);
    assert_eq!(code, 0, "{said}");
    let (mut queued, mut published, mut put) = (Vec::new(), Vec::new(), Vec::new());
    let deadline = Instant::now() + STEP_DEADLINE;
    loop {
        take_all(&aws, &endpoint, &mut queued, &mut published, &mut put).await;
        let invoked = functions.received_at(&invocations("fulfil")).len();
        let arrived = [queued.len(), published.len(), put.len(), invoked, executions(&endpoint).len()];
        if arrived.iter().all(|count| *count >= 1) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the webhook in every target (sqs, sns, eventBridge, lambda, stepFunctions): {arrived:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_envelope(&queued[0], "evt_all", &body, "sqs");
    assert_envelope(&published[0], "evt_all", &body, "sns, delivered raw to its subscription");
    assert_eq!(put[0]["detail"], body, "eventBridge: the JSON body is the detail: {}", put[0]);
    assert_eq!((&put[0]["source"], &put[0]["detail-type"]), (&json!("hookway.shop"), &json!("order.created")));
    let invoked = functions.received_at(&invocations("fulfil"));
    assert_eq!(invoked[0].headers.get("x-amz-invocation-type").unwrap(), "RequestResponse");
    assert_envelope(&serde_json::from_slice(&invoked[0].body).unwrap(), "evt_all", &body, "lambda");
    let started = executions(&endpoint);
    assert_envelope(&started[0].1, "evt_all", &body, "stepFunctions: the execution's input");

    // 2. The same webhook again (the same provider id): acknowledged, delivered nowhere.
    let (code, said) = stack.send("shop", "evt_all", "order.created", &[]);
    assert_eq!(code, 0, "{said}");
    wait_for("the duplicate to be taken off the events queue", STEP_DEADLINE, || async {
        (queue_length(&aws, &state.events_queue_url).await == 0).then_some(())
    })
    .await;
    take_all(&aws, &endpoint, &mut queued, &mut published, &mut put).await;
    assert_eq!((queued.len(), published.len(), put.len()), (1, 1, 1), "no second message anywhere");
    assert_eq!(functions.received_at(&invocations("fulfil")).len(), 1, "no second invocation");
    assert_eq!(executions(&endpoint).len(), 1, "no second execution");

    // 3. A queue that does not exist: the events DLQ at once, with AWS's error code.
    let (code, said) = stack.send("shop", "evt_lost", "order.lost", &[]);
    assert_eq!(code, 0, "{said}");
    let letter = wait_for("the event for a missing queue in the events DLQ", STEP_DEADLINE, || {
        let (code, said) = stack.local(&["dlq", "list", "--json"]);
        let letter = said
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .find(|letter| letter["id"] == "evt_lost");
        std::future::ready(letter.filter(|_| code == 0))
    })
    .await;
    let reason = letter["reason"].as_str().unwrap();
    assert!(reason.contains("NonExistentQueue") || reason.contains("QueueDoesNotExist"), "the AWS code: {letter}");
    assert_eq!(letter["destination"], format!("sqs {}", arn("sqs", "no-such-queue")), "{letter}");

    // 4. A throttled function: tried again until it takes the event.
    let (code, said) = stack.send("shop", "evt_flaky", "order.throttled", &[]);
    assert_eq!(code, 0, "{said}");
    let calls = wait_for("the throttled function to take the event", STEP_DEADLINE, || {
        let calls = functions.received_at("/flaky");
        std::future::ready(calls.iter().any(|call| call.status == Some(200)).then_some(calls))
    })
    .await;
    let statuses: Vec<Option<u16>> = calls.iter().map(|call| call.status).collect();
    assert_eq!(statuses, [Some(503), Some(429), Some(200)], "throttled twice, then delivered");
    for call in &calls {
        let envelope: Value = serde_json::from_slice(&call.body).unwrap();
        assert_eq!(envelope["id"], "evt_flaky", "the same event each time: {envelope}");
    }

    // 5. A job routed to a function: SUCCEEDED, the function's answer its result.
    let client = reqwest::Client::new();
    let job = json!({"type": "report.generate", "payload": {"month": "2026-11"}});
    let accepted: Value =
        client.post(format!("{}/jobs", stack.url)).json(&job).send().await.unwrap().json().await.unwrap();
    let job_id = accepted["jobId"].as_str().unwrap().to_owned();
    let status = wait_for("the job to succeed", STEP_DEADLINE, || {
        let request = client.get(format!("{}/jobs/{job_id}", stack.url)).send();
        async move {
            let status: Value = request.await.ok()?.json().await.ok()?;
            (status["status"] == "SUCCEEDED").then_some(status)
        }
    })
    .await;
    assert_eq!(status["result"], json!({"rows": 3}), "{status}");
    let asked = functions.received_at("/report");
    assert_eq!(asked.len(), 1, "one call for the job");
    let envelope: Value = serde_json::from_slice(&asked[0].body).unwrap();
    assert_eq!(envelope["body"]["payload"], job["payload"], "the job's payload reaches the function: {envelope}");

    stack.stop().await;
}

/// Drains the three target queues into what each has delivered so far.
async fn take_all(
    aws: &hookway_core::aws::SdkConfig,
    endpoint: &str,
    queued: &mut Vec<Value>,
    published: &mut Vec<Value>,
    put: &mut Vec<Value>,
) {
    take(aws, endpoint, "orders", queued).await;
    take(aws, endpoint, "orders-sns", published).await;
    take(aws, endpoint, "orders-events", put).await;
}
