//! The AWS-native targets against a real moto server (SQS, SNS, EventBridge, Step Functions, S3)
//! and a real local HTTP "function" for `lambda` (as `hookway dev --function` serves one): one
//! event fanned out by the worker to a queue, a topic with a queue subscribed, a bus whose rule
//! targets a queue, a function and a state machine; then, target by target, what a refusal, a
//! repeated start, a function's error and a body past its service's limit do.
//!
//! moto's SNS, EventBridge and Step Functions are set up with raw calls of their protocols (the
//! worker has no SDK crate for them): moto routes a call by the service its `Authorization`
//! header names, and does not check signatures.

use std::sync::Arc;
use std::time::Duration;

use aws_config::SdkConfig;
use hookway_core::Config;
use hookway_core::aws::s3::S3Objects;
use hookway_core::aws::targets::{LocalFunctions, StepFunctions};
use hookway_core::store::MemoryStore;
use hookway_testkit::receiver::{Receiver, Reply};
use hookway_testkit::{MotoServer, create_bucket, create_queue, drain_queue, queued_envelope, wait_for};
use hookway_worker::deadline::Deadline;
use hookway_worker::event::Event;
use hookway_worker::handler::Registry;
use hookway_worker::handler::target::TargetClients;
use hookway_worker::router::{Router, Shared};
use hookway_worker::secrets::Secrets;
use hookway_worker::shared::{MemoryShared, SharedState};
use hookway_worker::{Outbound, Worker};
use serde_json::{Value, json};

const ACCOUNT: &str = "123456789012";
const BUCKET: &str = "hookway-archive";
const WAIT: Duration = Duration::from_secs(20);

/// A moto server with the resources the targets name.
struct Stack {
    _moto: MotoServer,
    endpoint: String,
    aws: SdkConfig,
    /// The queue the `sqs` target sends to, the one subscribed to the topic, the one the bus's
    /// rule targets.
    direct: String,
    from_topic: String,
    from_bus: String,
    topic_arn: String,
    bus_arn: String,
    machine_arn: String,
    /// The local function.
    function: Receiver,
}

fn queue_arn(name: &str) -> String {
    format!("arn:aws:sqs:us-east-1:{ACCOUNT}:{name}")
}

/// One call of a JSON protocol to moto: its answer.
async fn json_call(endpoint: &str, service: &str, version: &str, target: &str, request: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{endpoint}/"))
        .header("authorization", authorization(service))
        .header("content-type", format!("application/x-amz-json-{version}"))
        .header("x-amz-target", target)
        .body(request.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status();
    let answer = response.text().await.unwrap();
    assert!(status.is_success(), "{target}: {status} {answer}");
    serde_json::from_str(&answer).unwrap_or_default()
}

/// One call of SNS's query protocol to moto: its XML answer.
async fn sns_call(endpoint: &str, params: &[(&str, &str)]) -> String {
    let response = reqwest::Client::new()
        .post(format!("{endpoint}/"))
        .header("authorization", authorization("sns"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            params
                .iter()
                .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
                .collect::<Vec<_>>()
                .join("&"),
        )
        .send()
        .await
        .unwrap();
    let status = response.status();
    let answer = response.text().await.unwrap();
    assert!(status.is_success(), "{params:?}: {status} {answer}");
    answer
}

/// `text` percent-encoded for a form.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => char::from(byte).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// An `Authorization` header that names `service` (moto routes by it, and checks no signature).
fn authorization(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=local/20261206/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=00"
    )
}

fn xml_text(xml: &str, element: &str) -> String {
    let start = xml.find(&format!("<{element}>")).unwrap() + element.len() + 2;
    let end = start + xml[start..].find(&format!("</{element}>")).unwrap();
    xml[start..end].to_owned()
}

impl Stack {
    async fn start() -> Stack {
        let moto = MotoServer::start();
        let aws = moto.sdk_config().await;
        let endpoint = aws.endpoint_url().unwrap().trim_end_matches('/').to_owned();
        let direct = create_queue(&aws, "orders").await;
        let from_topic = create_queue(&aws, "from-topic").await;
        let from_bus = create_queue(&aws, "from-bus").await;
        create_bucket(&aws, BUCKET).await;

        let created = sns_call(&endpoint, &[("Action", "CreateTopic"), ("Name", "orders")]).await;
        let topic_arn = xml_text(&created, "TopicArn");
        let subscriber = queue_arn("from-topic");
        let subscribe = [
            ("Action", "Subscribe"),
            ("TopicArn", topic_arn.as_str()),
            ("Protocol", "sqs"),
            ("Endpoint", subscriber.as_str()),
        ];
        sns_call(&endpoint, &subscribe).await;

        let events = |target: &str, request: Value| {
            let endpoint = endpoint.clone();
            let target = format!("AWSEvents.{target}");
            async move { json_call(&endpoint, "events", "1.1", &target, request).await }
        };
        let bus = events("CreateEventBus", json!({"Name": "payments"})).await;
        let bus_arn = bus["EventBusArn"].as_str().unwrap().to_owned();
        let pattern = json!({"source": ["hookway.stripe"]}).to_string();
        events("PutRule", json!({"Name": "all", "EventBusName": "payments", "EventPattern": pattern})).await;
        let targets = json!([{"Id": "queue", "Arn": queue_arn("from-bus")}]);
        events("PutTargets", json!({"Rule": "all", "EventBusName": "payments", "Targets": targets})).await;

        let definition = json!({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}).to_string();
        let machine = json_call(
            &endpoint,
            "states",
            "1.0",
            "AWSStepFunctions.CreateStateMachine",
            json!({"name": "orders", "definition": definition, "roleArn": format!("arn:aws:iam::{ACCOUNT}:role/sfn")}),
        )
        .await;
        let machine_arn = machine["stateMachineArn"].as_str().unwrap().to_owned();
        let function = Receiver::start().await;
        Stack { _moto: moto, endpoint, aws, direct, from_topic, from_bus, topic_arn, bus_arn, machine_arn, function }
    }

    /// The executions of the state machine.
    async fn executions(&self) -> Vec<Value> {
        let request = json!({"stateMachineArn": self.machine_arn});
        let listed = json_call(&self.endpoint, "states", "1.0", "AWSStepFunctions.ListExecutions", request).await;
        listed["executions"].as_array().cloned().unwrap_or_default()
    }

    /// The targets' clients: the local function `fulfil` served at `/fulfil` (its payload POSTed
    /// as it is), `audit` by the Invoke API at the receiver's root.
    fn clients(&self) -> TargetClients {
        let local = json!({"fulfil": format!("{}/fulfil", self.function.url), "audit": self.function.url}).to_string();
        let local = LocalFunctions::parse(&local).unwrap();
        let sqs = aws_sdk_sqs::Client::new(&self.aws);
        TargetClients::new(&self.aws, sqs, local, Some(S3Objects::new(&self.aws, BUCKET)))
    }

    fn config(&self, handlers: Value) -> Config {
        let config = json!({
            "sources": [{"name": "stripe", "scheme": "stripe", "secretParameters": ["/s"]}],
            "routes": [{"source": "stripe", "handlers": handlers}],
        });
        Config::from_json(&config.to_string()).unwrap()
    }

    /// The router of one route with `handlers`.
    fn router(&self, handlers: Value) -> Router {
        let (secrets, state): (Arc<Secrets>, Arc<dyn SharedState>) =
            (Arc::new(Secrets::none()), Arc::new(MemoryShared::default()));
        let clients = self.clients();
        let shared =
            Shared { client: &reqwest::Client::new(), secrets: &secrets, state: &state, targets: Some(&clients) };
        Router::new(&self.config(handlers).routes, &Registry::new(), &shared).unwrap()
    }
}

fn event(id: &str, body: &str) -> Event {
    let envelope = queued_envelope("stripe", id, "invoice.paid", &hookway_core::rfc3339_now(), body);
    Event::from_envelope(&envelope).unwrap()
}

fn sqs_attribute(message: &aws_sdk_sqs::types::Message, name: &str) -> Option<String> {
    message.message_attributes()?.get(name)?.string_value().map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_event_reaches_a_queue_a_topic_a_bus_a_function_and_a_state_machine() {
    let stack = Stack::start().await;
    let handlers = json!([
        {"sqs": {"queueArn": queue_arn("orders")}},
        {"sns": {"topicArn": stack.topic_arn}},
        {"eventBridge": {"busArn": stack.bus_arn}},
        {"lambda": {"functionArn": format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:fulfil"), "invocationType": "RequestResponse"}},
        {"stepFunctions": {"stateMachineArn": stack.machine_arn}},
    ]);
    let outbound = Outbound { targets: Some(Arc::new(stack.clients())), ..Outbound::from(reqwest::Client::new()) };
    let worker = Worker::new(&stack.config(handlers), MemoryStore::default(), &Registry::new(), outbound).unwrap();
    let body = r#"{"id":"evt_1","type":"invoice.paid","data":{"object":{"amount":4200}}}"#;
    let envelope = queued_envelope("stripe", "evt_1", "invoice.paid", &hookway_core::rfc3339_now(), body);
    let batch = json!({"Records": [{"messageId": "m0", "body": envelope, "eventSource": "aws:sqs"}]});
    let answer = worker.invoke(batch, Deadline::after(Duration::from_secs(60))).await.unwrap();
    assert_eq!(answer["batchItemFailures"], json!([]), "every target took the event");
    let expected_body: Value = serde_json::from_str(body).unwrap();

    // SQS: the envelope, with the event's attributes.
    let messages = drain_queue(&stack.aws, &stack.direct).await;
    assert_eq!(messages.len(), 1);
    let sent: Value = serde_json::from_str(messages[0].body().unwrap()).unwrap();
    assert_eq!(
        (sent["version"].as_str(), sent["id"].as_str(), sent["source"].as_str()),
        (Some("1"), Some("evt_1"), Some("stripe"))
    );
    assert_eq!((sent["type"].as_str(), &sent["body"]), (Some("invoice.paid"), &expected_body));
    assert_eq!(sqs_attribute(&messages[0], "hookway-id").as_deref(), Some("evt_1"));
    assert_eq!(sqs_attribute(&messages[0], "hookway-type").as_deref(), Some("invoice.paid"));

    // SNS, through its subscription: the envelope is the notification's message.
    let notified = wait_for("the topic's notification in its subscribed queue", WAIT, || async {
        drain_queue(&stack.aws, &stack.from_topic).await.into_iter().next()
    })
    .await;
    let notification: Value = serde_json::from_str(notified.body().unwrap()).unwrap();
    let message: Value = serde_json::from_str(notification["Message"].as_str().unwrap()).unwrap();
    assert_eq!((message["id"].as_str(), &message["body"]), (Some("evt_1"), &expected_body));
    assert_eq!(notification["MessageAttributes"]["hookway-source"]["Value"], "stripe");

    // EventBridge, through the rule: the body itself is the detail.
    let routed = wait_for("the bus's event in the rule's queue", WAIT, || async {
        drain_queue(&stack.aws, &stack.from_bus).await.into_iter().next()
    })
    .await;
    let routed: Value = serde_json::from_str(routed.body().unwrap()).unwrap();
    assert_eq!(
        (routed["source"].as_str(), routed["detail-type"].as_str()),
        (Some("hookway.stripe"), Some("invoice.paid"))
    );
    assert_eq!(routed["detail"], expected_body);

    // Lambda: the envelope, POSTed to the local function.
    let invoked = stack.function.received_at("/fulfil");
    assert_eq!(invoked.len(), 1);
    let payload: Value = serde_json::from_slice(&invoked[0].body).unwrap();
    assert_eq!((payload["id"].as_str(), &payload["body"]), (Some("evt_1"), &expected_body));

    // Step Functions: one execution, named after the event, whose input is the envelope.
    let executions = stack.executions().await;
    assert_eq!(executions.len(), 1, "{executions:?}");
    assert_eq!(executions[0]["name"], "stripe.evt_1");
    let arn = executions[0]["executionArn"].as_str().unwrap();
    let execution = StepFunctions::new(&stack.aws, arn).unwrap().describe_execution(arn).await.unwrap();
    let input: Value = serde_json::from_str(execution.input.as_deref().unwrap()).unwrap();
    assert_eq!(
        (input["version"].as_str(), input["id"].as_str(), &input["body"]),
        (Some("1"), Some("evt_1"), &expected_body)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_queue_is_refused_for_good_with_its_aws_code_after_one_call() {
    let stack = Stack::start().await;
    let router = stack.router(json!([{"sqs": {"queueArn": queue_arn("no-such-queue"), "maxAttempts": 3}}]));
    let event = event("evt_2", "{}");
    let destination = &router.route(&event).unwrap().destinations[0];
    assert_eq!(destination.key, queue_arn("no-such-queue"), "its circuit and rate limit are the ARN's");
    let report = destination.handler.deliver(&event, Deadline::after(Duration::from_secs(30)), None).await;
    assert!(report.permanent, "{report:?}");
    assert_eq!(report.attempts, 1, "a refusal is not tried again");
    let reason = report.result.unwrap_err().to_string();
    let prefix = format!("sqs {}: ", queue_arn("no-such-queue"));
    assert!(reason.starts_with(&prefix), "{reason}");
    assert!(reason.contains("NonExistentQueue") || reason.contains("QueueDoesNotExist"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_start_finds_the_execution_the_first_one_started() {
    let stack = Stack::start().await;
    let router = stack.router(json!([{"stepFunctions": {"stateMachineArn": stack.machine_arn}}]));
    let event = event("evt_3", r#"{"n": 1}"#);
    let handler = &router.route(&event).unwrap().destinations[0].handler;
    let first = handler.deliver(&event, Deadline::after(Duration::from_secs(30)), None).await.result.unwrap().unwrap();
    let again = handler.deliver(&event, Deadline::after(Duration::from_secs(30)), None).await.result.unwrap().unwrap();
    assert_eq!(first["executionArn"], again["executionArn"]);
    assert!(first["startDate"].as_str().is_some_and(|date| date.ends_with('Z')), "{first}");
    assert_eq!(stack.executions().await.len(), 1, "one execution for one event");
    // What the second start met: the name taken, which counts as started.
    let states = StepFunctions::new(&stack.aws, &stack.machine_arn).unwrap();
    let started = states.start_execution(&stack.machine_arn, "stripe.evt_3", "{}").await.unwrap();
    assert!(started.already, "{started:?}");
    assert_eq!(json!(started.execution_arn), first["executionArn"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_functions_error_is_tried_again_and_its_answer_is_the_result() {
    let stack = Stack::start().await;
    let arn = |name: &str| format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}");
    let router = stack.router(json!([
        {"lambda": {"functionArn": arn("fulfil"), "invocationType": "RequestResponse"}},
        {"lambda": {"functionArn": arn("audit")}},
    ]));
    stack.function.script_at(
        "/fulfil",
        [Reply::Status(500), Reply::Body(200, "application/json", r#"{"fulfilled": true}"#.into())],
    );
    let event = event("evt_4", "{}");
    let destinations = &router.route(&event).unwrap().destinations;
    let report = destinations[0].handler.deliver(&event, Deadline::after(Duration::from_secs(30)), None).await;
    assert_eq!(report.attempts, 2, "the function's error was tried again");
    assert_eq!(report.result.unwrap(), Some(json!({"fulfilled": true})));

    // By the Invoke API, as `cargo lambda watch` serves it: queued, no result.
    let report = destinations[1].handler.deliver(&event, Deadline::after(Duration::from_secs(30)), None).await;
    assert_eq!(report.result.unwrap(), None);
    let invoked = stack.function.received_at("/2015-03-31/functions/audit/invocations");
    assert_eq!(invoked.len(), 1);
    assert_eq!(invoked[0].headers["x-amz-invocation-type"], "Event");
    assert!(invoked[0].headers["authorization"].to_str().unwrap().starts_with("AWS4-HMAC-SHA256"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_past_the_topics_limit_travels_as_a_reference_to_the_archive_bucket() {
    let stack = Stack::start().await;
    let router = stack.router(json!([{"sns": {"topicArn": stack.topic_arn}}]));
    let body = json!({"id": "evt_5", "pad": "p".repeat(300 * 1024)}).to_string();
    let event = event("evt_5", &body);
    let handler = &router.route(&event).unwrap().destinations[0].handler;
    let report = handler.deliver(&event, Deadline::after(Duration::from_secs(30)), None).await;
    report.result.unwrap();
    let notified = wait_for("the topic's notification in its subscribed queue", WAIT, || async {
        drain_queue(&stack.aws, &stack.from_topic).await.into_iter().next()
    })
    .await;
    let notification: Value = serde_json::from_str(notified.body().unwrap()).unwrap();
    let message: Value = serde_json::from_str(notification["Message"].as_str().unwrap()).unwrap();
    assert!(message.get("body").is_none(), "the body is not inline");
    let body_ref = &message["bodyRef"];
    assert_eq!(body_ref["bucket"], BUCKET);
    assert!(body_ref["key"].as_str().unwrap().starts_with("bodies/stripe/"), "{body_ref}");
    let fetched = reqwest::get(body_ref["url"].as_str().unwrap()).await.unwrap();
    assert!(fetched.status().is_success());
    let fetched: Value = serde_json::from_slice(&fetched.bytes().await.unwrap()).unwrap();
    assert_eq!(fetched, serde_json::from_str::<Value>(&body).unwrap(), "the whole body, by its URL");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_put_events_entry_that_failed_is_a_failure_classified_by_its_own_code() {
    use hookway_core::aws::targets::{EventBus, SnsTopic};
    let aws_endpoint = Receiver::start().await;
    let aws = hookway_testkit::sdk_config_for(&aws_endpoint.url).await;
    let bus = EventBus::new(&aws, &format!("arn:aws:events:eu-west-1:{ACCOUNT}:event-bus/payments")).unwrap();
    let failed = |code: &str| {
        let answer = json!({"FailedEntryCount": 1, "Entries": [{"ErrorCode": code, "ErrorMessage": "no"}]});
        Reply::Body(200, "application/x-amz-json-1.1", answer.to_string())
    };
    let accepted = json!({"FailedEntryCount": 0, "Entries": [{"EventId": "e-1"}]}).to_string();
    aws_endpoint.script([
        failed("ThrottlingException"),
        failed("MalformedDetail"),
        Reply::Body(200, "application/x-amz-json-1.1", accepted),
    ]);
    let throttled = bus.put_event("hookway.stripe", "invoice.paid", "{}").await.unwrap_err();
    assert!(throttled.is_retryable(), "{throttled}");
    let malformed = bus.put_event("hookway.stripe", "invoice.paid", "{}").await.unwrap_err();
    assert!(!malformed.is_retryable());
    assert_eq!(malformed.to_string(), "MalformedDetail: no");
    assert_eq!(bus.put_event("hookway.stripe", "invoice.paid", "{}").await.unwrap(), "e-1");
    let sent: Value = serde_json::from_slice(&aws_endpoint.received()[0].body).unwrap();
    let entry = &sent["Entries"][0];
    assert_eq!(
        (entry["Source"].as_str(), entry["DetailType"].as_str()),
        (Some("hookway.stripe"), Some("invoice.paid"))
    );
    assert_eq!(aws_endpoint.received()[0].headers["x-amz-target"], "AWSEvents.PutEvents");
    assert!(aws_endpoint.received()[0].headers["authorization"].to_str().unwrap().contains("/eu-west-1/events/"));

    // SNS's query protocol answers an error in XML.
    let topic = SnsTopic::new(&aws, &format!("arn:aws:sns:eu-west-1:{ACCOUNT}:gone")).unwrap();
    let missing = "<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist &amp; never did</Message></Error></ErrorResponse>";
    aws_endpoint.script([Reply::Body(404, "text/xml", missing.into())]);
    let error = topic.publish("{}", &[], None).await.unwrap_err();
    assert!(!error.is_retryable());
    assert_eq!(error.to_string(), "NotFound: Topic does not exist & never did");
}
