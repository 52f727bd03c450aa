//! The local gateway over real HTTP, with a stand-in for `cargo lambda watch` that records every
//! invocation: what reaches the functions is what API Gateway would let through, in its shape.
//! And the poller on moto's SQS: what reaches the worker is what the event source mapping hands
//! over, when it would.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hookway_core::config::WebhookEndpoint;
use hookway_core::job::DestinationRecord;
use hookway_dev::gateway::{Answer, Gateway, Mount, Webhooks};
use hookway_dev::lambda::{AsyncInvoker, Destination, Lambda};
use hookway_dev::poller::Poller;
use hookway_dev::throttle::Throttles;
use hookway_testkit::receiver::Receiver;
use hookway_testkit::{MotoServer, create_queue, wait_for};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Dead letters, kept in memory.
#[derive(Debug, Clone, Default)]
struct Kept(Arc<Mutex<Vec<DestinationRecord>>>);

impl Destination for Kept {
    async fn deliver(&self, record: &DestinationRecord) -> Result<(), String> {
        self.0.lock().unwrap().push(record.clone());
        Ok(())
    }
}

struct Running {
    url: String,
    lambda: Receiver,
    _stop: watch::Sender<bool>,
}

impl Running {
    async fn start() -> Running {
        Running::with_throttles(Throttles::default()).await
    }

    async fn with_throttles(throttles: Throttles) -> Running {
        Running::with(throttles, None).await
    }

    async fn with(throttles: Throttles, mount: Option<Arc<dyn Mount>>) -> Running {
        Running::with_webhooks(throttles, mount, Webhooks::default()).await
    }

    async fn with_webhooks(throttles: Throttles, mount: Option<Arc<dyn Mount>>, webhooks: Webhooks) -> Running {
        let lambda = Receiver::start().await;
        let invoke = Lambda::new(&lambda.url, Duration::from_secs(5)).unwrap();
        let jobs = Arc::new(AsyncInvoker::new(invoke.clone(), "worker", "us-east-1", Vec::new(), Kept::default()));
        let gateway = Arc::new(Gateway {
            lambda: invoke,
            intake: "intake".into(),
            worker: "worker".into(),
            jobs,
            stage: "v1".into(),
            throttles,
            webhooks,
            mount,
            calls: None,
        });
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = watch::channel(false);
        tokio::spawn(gateway.serve(listener, stopped));
        Running { url, lambda, _stop: stop }
    }

    /// The payloads `function` was invoked with.
    fn invocations(&self, function: &str) -> Vec<Value> {
        let path = format!("/2015-03-31/functions/{function}/invocations");
        self.lambda
            .received()
            .into_iter()
            .filter(|request| request.path == path)
            .map(|request| serde_json::from_slice(&request.body).unwrap())
            .collect()
    }

    /// Waits for the worker's first invocation, which must be the job `accepted` (a 202) alone:
    /// nothing sent before it reached the worker.
    async fn only_worker_invocation(&self, accepted: reqwest::Response) -> Value {
        assert_eq!(accepted.status(), 202);
        let job_id = accepted.json::<Value>().await.unwrap()["jobId"].as_str().unwrap().to_owned();
        let invoked = wait_for("the accepted job to reach the worker", Duration::from_secs(10), || {
            std::future::ready(Some(self.invocations("worker")).filter(|invoked| !invoked.is_empty()))
        })
        .await;
        assert_eq!(invoked.len(), 1, "nothing else reached the worker: {invoked:?}");
        assert_eq!(invoked[0]["context"]["request-id"], job_id.as_str());
        invoked.into_iter().next().unwrap()
    }
}

#[tokio::test]
async fn a_job_of_any_type_but_json_is_refused_415_and_never_runs() {
    let gateway = Running::start().await;
    let client = reqwest::Client::new();
    let job = r#"{"type": "report.generate", "payload": {"key": "value"}}"#;
    let post = |content_type: Option<&str>| {
        let request = client.post(format!("{}/jobs", gateway.url)).body(job);
        match content_type {
            Some(content_type) => request.header("content-type", content_type),
            None => request,
        }
    };
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "application/xml"] {
        let answer = post(Some(content_type)).send().await.unwrap();
        assert_eq!(answer.status(), 415, "{content_type}");
        assert_eq!(answer.json::<Value>().await.unwrap(), json!({"message": "Unsupported Media Type"}));
    }
    let untyped = post(None).send().await.unwrap();
    assert_eq!(untyped.status(), 400, "the Content-Type header is a required request parameter");

    // A JSON job after them runs; it is the only one that ever reached the worker.
    let answer = post(Some("application/json; charset=utf-8")).send().await.unwrap();
    let invoked = gateway.only_worker_invocation(answer).await;
    assert_eq!(invoked["bodyJson"]["type"], "report.generate");
}

#[tokio::test]
async fn the_intake_sees_the_real_peer_as_source_ip_whatever_x_forwarded_for_says() {
    let gateway = Running::start().await;
    let answer = reqwest::Client::new()
        .post(format!("{}/webhooks/github", gateway.url))
        .header("x-forwarded-for", "203.0.113.9")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 502, "the stand-in answers no proxy response");
    let invoked = gateway.invocations("intake");
    assert_eq!(invoked.len(), 1);
    assert_eq!(invoked[0]["requestContext"]["identity"]["sourceIp"], "127.0.0.1");
    assert_eq!(invoked[0]["headers"]["x-forwarded-for"], "203.0.113.9", "passed on as a header, as API Gateway does");
}

#[tokio::test]
async fn each_webhooks_endpoint_hands_the_intake_its_own_event_and_answers_what_it_has_no_route_for() {
    let config = hookway_core::Config::from_json(
        r#"{"sources": [{"name": "github", "scheme": "github", "secretParameters": ["/g"]}]}"#,
    )
    .unwrap();
    let client = reqwest::Client::new();
    for endpoint in WebhookEndpoint::ALL {
        let webhooks = Webhooks { endpoint, ..Webhooks::from_config(&config) };
        let gateway = Running::with_webhooks(Throttles::default(), None, webhooks).await;
        let send = |method: reqwest::Method, source: &str| {
            client.request(method, format!("{}/webhooks/{source}", gateway.url)).body("{}").send()
        };
        assert_eq!(send(reqwest::Method::POST, "github").await.unwrap().status(), 502, "the stand-in intake");
        let unknown = send(reqwest::Method::POST, "gitlab").await.unwrap();
        let put = send(reqwest::Method::PUT, "github").await.unwrap();
        let invoked = gateway.invocations("intake");
        let event = &invoked[0];
        match endpoint {
            WebhookEndpoint::Rest => {
                assert_eq!(
                    (event["httpMethod"].as_str(), event["resource"].as_str()),
                    (Some("POST"), Some("/webhooks/{source}"))
                );
                assert_eq!(
                    (unknown.status().as_u16(), put.status().as_u16()),
                    (502, 403),
                    "the intake answers any name; PUT has no method"
                );
                assert_eq!(invoked.len(), 2);
            }
            WebhookEndpoint::HttpApi => {
                assert_eq!(
                    (event["version"].as_str(), event["routeKey"].as_str()),
                    (Some("2.0"), Some("POST /webhooks/{source}")),
                    "a source without a throttle of its own is served by the shared route"
                );
                assert_eq!(event["requestContext"]["domainName"], "local.execute-api.us-east-1.amazonaws.com");
                assert_eq!(
                    (unknown.status().as_u16(), put.status().as_u16()),
                    (502, 404),
                    "the intake answers any name; PUT has no route"
                );
                assert_eq!(invoked.len(), 2);
            }
            WebhookEndpoint::FunctionUrl => {
                assert_eq!((event["version"].as_str(), event["routeKey"].as_str()), (Some("2.0"), Some("$default")));
                assert_eq!(event["requestContext"]["domainName"], "local.lambda-url.us-east-1.on.aws");
                assert_eq!(event["requestContext"]["accountId"], "anonymous");
                assert_eq!(
                    (unknown.status().as_u16(), put.status().as_u16()),
                    (502, 502),
                    "the URL hands the intake everything"
                );
                assert_eq!(invoked[2]["requestContext"]["http"]["method"], "PUT");
            }
        }
        assert_eq!(
            event["requestContext"]["http"]["sourceIp"]
                .as_str()
                .or(event["requestContext"]["identity"]["sourceIp"].as_str()),
            Some("127.0.0.1")
        );
    }
}

#[tokio::test]
async fn the_poller_hands_over_a_delayed_message_no_sooner_than_its_delay_as_sqs_does() {
    let moto = MotoServer::start();
    let aws = moto.sdk_config().await;
    let queue_url = create_queue(&aws, "hookway-events").await;
    let queue_arn = hookway_core::local::resources::queue_arn(&aws, &queue_url).await.unwrap();
    let sqs = aws_sdk_sqs::Client::new(&aws);
    let poller = Poller {
        sqs: sqs.clone(),
        queue_url: queue_url.clone(),
        queue_arn,
        region: "us-east-1".into(),
        lambda: Lambda::new("http://127.0.0.1:9", Duration::from_secs(1)).unwrap(),
        function: "hookway-worker".into(),
        batch_size: 10,
        batching_window: Duration::ZERO,
        long_poll_seconds: 1,
        pause_file: None,
        concurrency: 1,
    };
    sqs.send_message().queue_url(&queue_url).message_body("an event that waits").delay_seconds(2).send().await.unwrap();
    let sent = Instant::now();
    let handed: Mutex<Vec<Value>> = Mutex::default();
    let invoke = |batch: Value| {
        handed.lock().unwrap().push(batch);
        std::future::ready(Ok(json!({"batchItemFailures": []})))
    };
    wait_for("the delayed message", Duration::from_secs(10), || async {
        poller.poll_with(invoke).await.unwrap();
        (!handed.lock().unwrap().is_empty()).then_some(())
    })
    .await;
    assert!(sent.elapsed() >= Duration::from_millis(1_900), "handed over after {:?}", sent.elapsed());
    let batches = handed.into_inner().unwrap();
    assert_eq!(batches[0]["Records"][0]["body"], "an event that waits");
    assert_eq!(poller.poll_with(|_| std::future::ready(Ok(Value::Null))).await, Ok(0), "acknowledged, deleted");
}

#[tokio::test]
async fn a_foreign_origin_or_host_is_refused_and_a_plain_curl_still_gets_202() {
    let gateway = Running::start().await;
    let client = reqwest::Client::new();
    let port = gateway.url.rsplit(':').next().unwrap().to_owned();
    let job = |extra: &[(&str, String)]| {
        let mut request = client
            .post(format!("{}/jobs", gateway.url))
            .header("content-type", "application/json")
            .body(r#"{"type": "report.generate", "payload": {"key": "value"}}"#);
        for (name, value) in extra {
            request = request.header(*name, value);
        }
        request.send()
    };
    // A web page the developer visits, and a DNS-rebound name.
    for refused in [
        vec![("origin", "http://evil.example".to_owned())],
        vec![("origin", "null".to_owned())],
        vec![("host", format!("evil.example:{port}"))],
        vec![("host", format!("127.0.0.1:{port}0"))],
    ] {
        let answer = job(&refused).await.unwrap();
        assert_eq!(answer.status(), 403, "{refused:?}");
    }
    let invoke = client
        .post(format!("{}/2015-03-31/functions/worker/invocations", gateway.url))
        .header("origin", "http://evil.example")
        .header("x-amz-invocation-type", "Event")
        .body(r#"{"bodyJson": {"type": "report.generate"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(invoke.status(), 403, "the worker's invoke route, from a page");
    let preflight = client
        .request(reqwest::Method::OPTIONS, format!("{}/jobs", gateway.url))
        .header("origin", "http://evil.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 403);
    assert!(preflight.headers().get("access-control-allow-origin").is_none());

    // The README's curl: no Origin, the gateway's own Host. It is the first job the worker sees:
    // nothing refused above reached it, before or after.
    gateway.only_worker_invocation(job(&[]).await.unwrap()).await;
    for own in [format!("http://127.0.0.1:{port}"), format!("http://localhost:{port}")] {
        assert_eq!(job(&[("origin", own.clone())]).await.unwrap().status(), 202, "{own}: its own origin");
    }
    assert_eq!(job(&[("host", format!("localhost:{port}"))]).await.unwrap().status(), 202);
    // A webhook may come from anywhere a sender is: its Origin is not checked (its signature is).
    let webhook = client
        .post(format!("{}/webhooks/github", gateway.url))
        .header("origin", "https://github.com")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(webhook.status(), 502, "reached the stand-in intake");
}

#[tokio::test]
async fn a_source_throttle_set_in_the_configuration_answers_429_with_retry_after() {
    let config = hookway_core::Config::from_json(
        r#"{"sources": [{"name": "github", "scheme": "github", "secretParameters": ["/g"], "throttle": {"rate": 1, "burst": 2}},
                        {"name": "stripe", "scheme": "stripe", "secretParameters": ["/s"]}]}"#,
    )
    .unwrap();
    let gateway = Running::with_throttles(Throttles::from_config(&config)).await;
    let client = reqwest::Client::new();
    let post = |source: &str| client.post(format!("{}/webhooks/{source}", gateway.url)).body("{}").send();
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(post("github").await.unwrap());
    }
    let codes: Vec<u16> = statuses.iter().map(|answer| answer.status().as_u16()).collect();
    assert_eq!(codes, [502, 502, 429], "the burst reaches the (stand-in) intake, then 429");
    assert_eq!(statuses[2].headers()["retry-after"], "1");
    assert_eq!(gateway.invocations("intake").len(), 2, "a throttled request never reaches the intake");
    // A source without a throttle in hookway.json is not throttled locally.
    for _ in 0..5 {
        assert_eq!(post("stripe").await.unwrap().status(), 502);
    }
}

#[tokio::test]
async fn moto_answers_no_web_page_a_preflight_nor_a_reset() {
    let moto = MotoServer::start();
    let aws = moto.sdk_config().await;
    hookway_testkit::put_secret(&aws, "/hookway/github/secret", "s3cret").await;
    let client = reqwest::Client::new();
    let preflight = client
        .request(reqwest::Method::OPTIONS, format!("{}/", moto.endpoint))
        .header("origin", "http://evil.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type,x-amz-target")
        .send()
        .await
        .unwrap();
    assert!(preflight.headers().get("access-control-allow-origin").is_none(), "{:?}", preflight.headers());
    assert_eq!(preflight.status(), 403);
    let read = client
        .post(format!("{}/", moto.endpoint))
        .header("origin", "http://evil.example")
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", "AmazonSSM.GetParameter")
        .body(r#"{"Name": "/hookway/github/secret", "WithDecryption": true}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 403);
    assert!(!read.text().await.unwrap().contains("s3cret"));
    let reset = client
        .post(format!("{}/moto-api/reset", moto.endpoint))
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 403);
    let rebound =
        client.post(format!("{}/moto-api/reset", moto.endpoint)).header("host", "evil.example").send().await.unwrap();
    assert_eq!(rebound.status(), 403, "a DNS-rebound name");
    let ssm = aws_sdk_ssm::Client::new(&aws);
    let kept = ssm.get_parameter().name("/hookway/github/secret").with_decryption(true).send().await.unwrap();
    assert_eq!(kept.parameter().and_then(|parameter| parameter.value()), Some("s3cret"), "the SDK still reads it");
}

/// A mount that records the paths it was asked for.
#[derive(Debug, Default)]
struct Recorded(Mutex<Vec<String>>);

impl Mount for Recorded {
    fn answer(&self, request: http::Request<bytes::Bytes>) -> Pin<Box<dyn Future<Output = Answer> + Send + '_>> {
        self.0.lock().unwrap().push(request.uri().path().to_owned());
        Box::pin(async { http::Response::new(http_body_util::Full::new(bytes::Bytes::from_static(b"mounted"))) })
    }
}

#[tokio::test]
async fn the_inspector_mount_gets_its_users_requests_only() {
    let mount = Arc::new(Recorded::default());
    let gateway = Running::with(Throttles::default(), Some(mount.clone())).await;
    let client = reqwest::Client::new();
    let port = gateway.url.rsplit(':').next().unwrap().to_owned();
    // A page the developer visits presses the replay button, or a DNS-rebound name reads the list.
    let replay = client
        .post(format!("{}/_hookway/replay", gateway.url))
        .header("origin", "http://evil.example")
        .header("x-hookway-inspector", "1")
        .body("source=github&id=1")
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 403);
    let rebound = client.get(format!("{}/_hookway/", gateway.url)).header("host", format!("evil.example:{port}"));
    assert_eq!(rebound.send().await.unwrap().status(), 403);
    assert!(mount.0.lock().unwrap().is_empty(), "neither reached the inspector");

    // Its own page, and the developer's browser at the bare path.
    let own = client
        .post(format!("{}/_hookway/replay", gateway.url))
        .header("origin", format!("http://127.0.0.1:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(own.text().await.unwrap(), "mounted");
    let bare = client.get(format!("{}/_hookway", gateway.url)).send().await.unwrap();
    assert_eq!(bare.text().await.unwrap(), "mounted");
    assert_eq!(*mount.0.lock().unwrap(), ["/_hookway/replay", "/_hookway"]);
    // Without a mount, the path is no route of API Gateway's.
    let plain = Running::start().await;
    assert_eq!(client.get(format!("{}/_hookway/", plain.url)).send().await.unwrap().status(), 403);
}
