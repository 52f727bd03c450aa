//! A stand-in for the Lambda Runtime API (`/2018-06-01/runtime/...`) on 127.0.0.1 that starts a
//! function's process, hands it events one at a time and times it, as Lambda would see it:
//!
//! * **init**: from the spawn to the function's first `GET .../invocation/next` — everything
//!   `main` does before it asks for work; its CPU time is the process's at that moment;
//! * **first request**: from handing out the first event to its `.../response`; its CPU time is
//!   what the process spent from the first `next` to the second (the runtime's own work
//!   included, as Lambda bills it);
//! * **warm requests**: the same for every later event;
//! * **peak RSS**: the process's high-water mark once the last answer is in.
//!
//! Each cold start gets a server of its own, so nothing is shared between runs but the binary.

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::process::Command;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use crate::procfs;

/// Makes the event of invocation `index` (from 0).
pub type Events = Box<dyn FnMut(usize) -> Vec<u8> + Send>;

/// What one cold start measured.
#[derive(Debug, Clone, PartialEq)]
pub struct ColdStart {
    /// Spawn to the first `next`.
    pub init_wall: Duration,
    /// CPU time at the first `next`.
    pub init_cpu: Duration,
    /// The first event handed out to its answer.
    pub first_wall: Duration,
    /// CPU time from the first `next` to the second.
    pub first_cpu: Duration,
    /// The same for each later invocation.
    pub warm_wall: Vec<Duration>,
    /// The same for each later invocation.
    pub warm_cpu: Vec<Duration>,
    /// Peak resident memory, KiB.
    pub peak_rss_kib: u64,
    /// Every invocation's answer, in order.
    pub answers: Vec<Vec<u8>>,
}

/// Why a cold start could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The process did not start.
    #[error("cannot start {program}: {source}")]
    Spawn {
        /// The binary.
        program: String,
        /// Why.
        source: std::io::Error,
    },
    /// The process ended before its last invocation was answered.
    #[error("the function exited ({status}) before its last invocation; its output ends with:\n{output}")]
    Exited {
        /// How it ended.
        status: std::process::ExitStatus,
        /// The end of its stdout and stderr.
        output: String,
    },
    /// The function reported an error through the Runtime API.
    #[error("the function reported an error at {path}: {body}\nits output ends with:\n{output}")]
    Reported {
        /// Where it posted it.
        path: String,
        /// What it posted.
        body: String,
        /// The end of its stdout and stderr.
        output: String,
    },
    /// Nothing came back in time.
    #[error(
        "the function did not finish {invocations} invocations within {timeout:?}; its output ends with:\n{output}"
    )]
    Timeout {
        /// How many were asked for.
        invocations: usize,
        /// How long it had.
        timeout: Duration,
        /// The end of its stdout and stderr.
        output: String,
    },
    /// The operating system's.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// What the server has seen of the function so far.
struct Observed {
    pid: u32,
    events: Events,
    invocations: usize,
    /// Each `next`: when, and the CPU time the process had spent by then.
    nexts: Vec<(Instant, Duration)>,
    /// When each event was handed out.
    sent: Vec<Instant>,
    /// When each answer came, and what it was.
    answers: Vec<(Instant, Vec<u8>)>,
    /// An error the function posted: where, and what.
    reported: Option<(String, String)>,
    /// Fired once the last answer is in (the function asked for more), or on an error.
    done: Option<oneshot::Sender<()>>,
}

impl Observed {
    fn finish(&mut self) {
        if let Some(done) = self.done.take() {
            let _ = done.send(());
        }
    }
}

/// Spawns `command` with `AWS_LAMBDA_RUNTIME_API` pointing at a fresh server, feeds it
/// `invocations` events from `events`, and measures it; stdout and stderr go to `log`. The
/// process is killed at the end, or after `timeout`.
pub async fn cold_start(
    mut command: Command,
    events: Events,
    invocations: usize,
    log: PathBuf,
    timeout: Duration,
) -> Result<ColdStart, RunError> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let output = std::fs::File::create(&log)?;
    command
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .stdin(std::process::Stdio::null())
        .stdout(output.try_clone()?)
        .stderr(output)
        .kill_on_drop(true);
    let (done_tx, done_rx) = oneshot::channel();
    let spawned_at = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|source| RunError::Spawn { program: format!("{:?}", command.as_std().get_program()), source })?;
    let pid = child.id().ok_or_else(|| std::io::Error::other("the function exited at once"))?;
    let observed = Arc::new(Mutex::new(Observed {
        pid,
        events,
        invocations,
        nexts: Vec::with_capacity(invocations + 1),
        sent: Vec::with_capacity(invocations),
        answers: Vec::with_capacity(invocations),
        reported: None,
        done: Some(done_tx),
    }));
    let server = tokio::spawn(serve(listener, Arc::clone(&observed)));

    let tail = || tail_of(&log);
    let outcome = tokio::select! {
        _ = done_rx => Ok(()),
        status = child.wait() => Err(RunError::Exited { status: status?, output: tail() }),
        () = tokio::time::sleep(timeout) => Err(RunError::Timeout { invocations, timeout, output: tail() }),
    };
    let peak_rss_kib = procfs::peak_rss_kib(pid);
    let _ = child.start_kill();
    let _ = child.wait().await;
    server.abort();
    outcome?;

    let mut observed = observed.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((path, body)) = observed.reported.take() {
        return Err(RunError::Reported { path, body, output: tail() });
    }
    let Observed { nexts, sent, answers, .. } = &*observed;
    let (first_next, first_cpu_mark) = nexts[0];
    let wall = |index: usize| answers[index].0.duration_since(sent[index]);
    let cpu = |index: usize| nexts[index + 1].1.saturating_sub(nexts[index].1);
    Ok(ColdStart {
        init_wall: first_next.duration_since(spawned_at),
        init_cpu: first_cpu_mark,
        first_wall: wall(0),
        first_cpu: cpu(0),
        warm_wall: (1..invocations).map(wall).collect(),
        warm_cpu: (1..invocations).map(cpu).collect(),
        peak_rss_kib: peak_rss_kib?,
        answers: answers.iter().map(|(_, body)| body.clone()).collect(),
    })
}

/// Accepts the function's connections until aborted; aborting drops them all.
async fn serve(listener: TcpListener, observed: Arc<Mutex<Observed>>) {
    let mut connections = JoinSet::new();
    while let Ok((stream, _)) = listener.accept().await {
        let _ = stream.set_nodelay(true);
        let observed = Arc::clone(&observed);
        connections.spawn(async move {
            let service = service_fn(move |request| answer(request, Arc::clone(&observed)));
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

async fn answer(
    request: Request<Incoming>,
    observed: Arc<Mutex<Observed>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_owned();
    if request.method() == Method::GET && path.ends_with("/invocation/next") {
        let handed_out = next_event(&observed);
        let Some((index, event)) = handed_out else {
            // Every invocation is answered: hold this one until the process is killed.
            return std::future::pending().await;
        };
        let deadline = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default() + Duration::from_secs(30);
        let response = Response::builder()
            .header("Lambda-Runtime-Aws-Request-Id", format!("coldstart-{index}"))
            .header("Lambda-Runtime-Deadline-Ms", deadline.as_millis().to_string())
            .header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:coldstart")
            .header(
                "Lambda-Runtime-Trace-Id",
                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0",
            )
            .header("Content-Type", "application/json")
            .body(Full::new(Bytes::from(event)))
            .unwrap_or_default();
        lock(&observed).sent.push(Instant::now());
        return Ok(response);
    }
    let body = request.into_body().collect().await.map(|body| body.to_bytes().to_vec()).unwrap_or_default();
    let now = Instant::now();
    let mut observed = lock(&observed);
    if request_is(&path, "/response") {
        observed.answers.push((now, body));
    } else if request_is(&path, "/error") {
        observed.reported = Some((path, String::from_utf8_lossy(&body).into_owned()));
        observed.finish();
    } else {
        return Ok(Response::builder().status(StatusCode::NOT_FOUND).body(Full::default()).unwrap_or_default());
    }
    Ok(Response::builder().status(StatusCode::ACCEPTED).body(Full::default()).unwrap_or_default())
}

/// Records a `next`, and returns the event to hand out, if any is left.
fn next_event(observed: &Mutex<Observed>) -> Option<(usize, Vec<u8>)> {
    let now = Instant::now();
    let mut observed = lock(observed);
    // The process is waiting for this answer: its CPU time stands still while it is read.
    let cpu = procfs::cpu_time(observed.pid).unwrap_or_default();
    observed.nexts.push((now, cpu));
    let index = observed.nexts.len() - 1;
    if index >= observed.invocations {
        observed.finish();
        return None;
    }
    Some((index, (observed.events)(index)))
}

fn request_is(path: &str, suffix: &str) -> bool {
    path.ends_with(suffix)
}

fn lock(observed: &Mutex<Observed>) -> std::sync::MutexGuard<'_, Observed> {
    observed.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The last lines of a function's output.
fn tail_of(log: &std::path::Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}
