//! The harness on a real `lambda_runtime` function — this test binary itself, started again as
//! the function under test — and the TLS front on a real handshake, verified against the
//! throwaway root alone.

use std::sync::Arc;
use std::time::Duration;

use hookway_coldstart::runtime::{self, RunError};
use hookway_coldstart::tls::{ThrowawayCa, TlsFront};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Set in the child: which function this test binary plays.
const ROLE: &str = "HOOKWAY_COLDSTART_TEST_FUNCTION";

/// The function under test, when started with [`ROLE`]; otherwise a test that passes at once.
#[test]
fn function_under_test() {
    let Ok(role) = std::env::var(ROLE) else { return };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let result = runtime.block_on(lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let role = role.clone();
        async move {
            if role == "fail" {
                return Err(Error::from("the handler failed on purpose"));
            }
            Ok::<_, Error>(json!({ "echo": event.payload["n"] }))
        }
    })));
    result.unwrap();
}

fn function(role: &str) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", "function_under_test", "--nocapture", "--test-threads=1"])
        .env(ROLE, role)
        .env("AWS_LAMBDA_FUNCTION_NAME", "under-test")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128");
    command
}

fn log(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("hookway-coldstart-test-{}-{name}.log", std::process::id()))
}

#[tokio::test]
async fn times_a_lambda_runtime_function_from_spawn_to_its_last_answer() {
    let events = Box::new(|index: usize| json!({ "n": index }).to_string().into_bytes());
    let measured =
        runtime::cold_start(function("echo"), events, 4, log("echo"), Duration::from_secs(30)).await.unwrap();

    let answers: Vec<Value> = measured.answers.iter().map(|answer| serde_json::from_slice(answer).unwrap()).collect();
    assert_eq!(answers, [json!({"echo": 0}), json!({"echo": 1}), json!({"echo": 2}), json!({"echo": 3})]);
    assert_eq!(measured.warm_wall.len(), 3);
    assert_eq!(measured.warm_cpu.len(), 3);
    assert!(measured.init_wall > Duration::ZERO && measured.init_wall < Duration::from_secs(30));
    // Starting a process and a Tokio runtime takes some CPU; the scheduler counts it in ns.
    assert!(measured.init_cpu > Duration::ZERO, "{measured:?}");
    assert!(measured.init_cpu <= measured.init_wall * 4, "{measured:?}");
    assert!(measured.first_wall > Duration::ZERO && measured.first_cpu > Duration::ZERO, "{measured:?}");
    assert!(measured.peak_rss_kib > 100, "{measured:?}");
}

#[tokio::test]
async fn a_failed_invocation_is_an_error_with_what_the_function_said() {
    let events = Box::new(|_| b"{}".to_vec());
    let error =
        runtime::cold_start(function("fail"), events, 2, log("fail"), Duration::from_secs(30)).await.unwrap_err();
    match error {
        RunError::Reported { path, body, .. } => {
            assert!(path.ends_with("/invocation/coldstart-0/error"), "{path}");
            assert!(body.contains("the handler failed on purpose"), "{body}");
        }
        other => panic!("expected the reported error, got {other}"),
    }
}

#[tokio::test]
async fn the_tls_front_keeps_connections_alive_behind_a_chain_the_throwaway_root_verifies() {
    // The target answers each request on a connection of its own and closes it, as moto does.
    let target = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target_address = target.local_addr().unwrap();
    tokio::spawn(async move {
        for answer in ["first", "second"] {
            let (mut stream, _) = target.accept().await.unwrap();
            let mut request = Vec::new();
            while !request.ends_with(b"\r\n\r\n") {
                let mut byte = [0u8; 1];
                stream.read_exact(&mut byte).await.unwrap();
                request.push(byte[0]);
            }
            let response =
                format!("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{answer}", answer.len());
            stream.write_all(response.as_bytes()).await.unwrap();
        }
    });
    let ca = ThrowawayCa::new().unwrap();
    let front = TlsFront::start(&ca, target_address).await.unwrap();

    let mut roots = rustls::RootCertStore::empty();
    let root = rustls::pki_types::pem::PemObject::from_pem_slice(ca.root_pem.as_bytes()).unwrap();
    roots.add(root).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let port = front.endpoint.rsplit(':').next().unwrap();
    let tcp = tokio::net::TcpStream::connect(format!("127.0.0.1:{port}")).await.unwrap();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let mut tls = connector.connect("localhost".try_into().unwrap(), tcp).await.unwrap();
    // Two requests on one TLS connection: one handshake, as with AWS.
    for expected in ["first", "second"] {
        tls.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n").await.unwrap();
        let mut response = Vec::new();
        while !response.ends_with(expected.as_bytes()) {
            let mut byte = [0u8; 1];
            tls.read_exact(&mut byte).await.unwrap();
            response.push(byte[0]);
        }
        let response = String::from_utf8(response).unwrap();
        assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
        assert!(!response.to_ascii_lowercase().contains("connection: close"), "{response}");
    }

    let dir = std::env::temp_dir().join(format!("hookway-coldstart-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (bundle, count) = ca.trust_bundle(&dir).unwrap();
    assert!(std::fs::read_to_string(bundle).unwrap().ends_with(&ca.root_pem));
    assert!(count >= 1);
    std::fs::remove_dir_all(dir).unwrap();
}
