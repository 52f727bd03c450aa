//! A real HTTP receiver on 127.0.0.1 for the forward handler to call: it records every request
//! and answers as the test scripts it — fail N times, refuse, throttle with `Retry-After`, hang,
//! or answer with a body (a stand-in for an AWS API's error) — or goes down altogether: its port
//! refuses connections until it comes back up on the same one.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

/// How the receiver answers one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// This status, empty body.
    Status(u16),
    /// This status with a `Retry-After` header.
    RetryAfter(u16, String),
    /// This status, after a wait.
    Slow(Duration, u16),
    /// This status with a body of this content type (say, an AWS JSON error).
    Body(u16, &'static str, String),
    /// Never answer (until the client gives up).
    Hang,
}

/// A request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    /// The path.
    pub path: String,
    /// The headers.
    pub headers: HeaderMap,
    /// The body, byte for byte.
    pub body: Vec<u8>,
    /// When it arrived.
    pub at: Instant,
    /// The status it was answered with (none if the receiver hung).
    pub status: Option<u16>,
}

#[derive(Debug, Default)]
struct State {
    script: VecDeque<Reply>,
    scripts_by_path: HashMap<String, VecDeque<Reply>>,
    default: Option<Reply>,
    by_path: HashMap<String, Reply>,
    /// Paths that refuse the first request of each event (by `Idempotency-Key`) with a status.
    once_by_path: HashMap<String, (u16, HashSet<String>)>,
    /// Paths that refuse the first N requests of each event (by `Idempotency-Key`) with a status:
    /// N, the status, and the requests of each event so far.
    first_by_path: HashMap<String, (u32, u16, HashMap<String, u32>)>,
    received: Vec<Received>,
}

/// A receiver, stopped on drop.
#[derive(Debug)]
pub struct Receiver {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    address: SocketAddr,
    state: Arc<Mutex<State>>,
    /// The task accepting connections, while the receiver is up.
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Receiver {
    /// Starts a receiver answering 200 unless scripted otherwise.
    pub async fn start() -> Receiver {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
        let address = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let task = serve(listener, Arc::clone(&state));
        Receiver { url: format!("http://{address}"), address, state, task: Mutex::new(Some(task)) }
    }

    /// Goes down: the port refuses connections, and open ones are closed.
    pub fn go_down(&self) {
        if let Some(task) = self.task.lock().unwrap().take() {
            task.abort();
        }
    }

    /// Comes back up on the same port.
    pub async fn come_up(&self) {
        let listener = TcpListener::bind(self.address).await.unwrap();
        *self.task.lock().unwrap() = Some(serve(listener, Arc::clone(&self.state)));
    }

    /// Answers the next requests with `replies`, in order.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.state.lock().unwrap().script.extend(replies);
    }

    /// Answers the next requests to `path` with `replies`, in order (before any other script).
    pub fn script_at(&self, path: &str, replies: impl IntoIterator<Item = Reply>) {
        self.state.lock().unwrap().scripts_by_path.entry(path.to_owned()).or_default().extend(replies);
    }

    /// At `path`, answers `status` to the first request of each event (its `Idempotency-Key`)
    /// and as otherwise scripted to its retries: a destination that fails every event once.
    pub fn refuse_once_at(&self, path: &str, status: u16) {
        self.state.lock().unwrap().once_by_path.insert(path.to_owned(), (status, HashSet::new()));
    }

    /// At `path`, answers `status` to the first `times` requests of each event (its
    /// `Idempotency-Key`) and as otherwise scripted to the later ones: an overloaded destination
    /// that takes every event at its `times + 1`-th attempt.
    pub fn refuse_first_at(&self, path: &str, times: u32, status: u16) {
        self.state.lock().unwrap().first_by_path.insert(path.to_owned(), (times, status, HashMap::new()));
    }

    /// Every request so far to `path`.
    pub fn received_at(&self, path: &str) -> Vec<Received> {
        self.received().into_iter().filter(|request| request.path == path).collect()
    }

    /// Answers every unscripted request with `reply` (200 by default).
    pub fn always(&self, reply: Reply) {
        self.state.lock().unwrap().default = Some(reply);
    }

    /// Answers every unscripted request to `path` with `reply`.
    pub fn always_at(&self, path: &str, reply: Reply) {
        self.state.lock().unwrap().by_path.insert(path.to_owned(), reply);
    }

    /// Every request so far.
    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.go_down();
    }
}

/// Accepts connections until aborted; aborting it closes the listener and every connection.
fn serve(listener: TcpListener, state: Arc<Mutex<State>>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { return };
                    let state = Arc::clone(&state);
                    connections.spawn(async move {
                        let service = service_fn(move |request| answer(Arc::clone(&state), request));
                        let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                    });
                }
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
    })
}

async fn answer(state: Arc<Mutex<State>>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await?.to_bytes().to_vec();
    let reply = {
        let mut state = state.lock().unwrap();
        let path = parts.uri.path().to_owned();
        let key = parts.headers.get("idempotency-key").and_then(|key| key.to_str().ok()).map(str::to_owned);
        let refused = match (state.first_by_path.get_mut(&path), &key) {
            (Some((times, status, seen)), Some(key)) => {
                let count = seen.entry(key.clone()).or_default();
                *count += 1;
                (*count <= *times).then_some(Reply::Status(*status))
            }
            _ => None,
        };
        let first = match (state.once_by_path.get_mut(&path), key) {
            (Some((status, seen)), Some(key)) => seen.insert(key).then_some(Reply::Status(*status)),
            _ => None,
        };
        let reply = refused
            .or(first)
            .or_else(|| state.scripts_by_path.get_mut(&path).and_then(VecDeque::pop_front))
            .or_else(|| state.script.pop_front())
            .or_else(|| state.by_path.get(&path).cloned())
            .or_else(|| state.default.clone())
            .unwrap_or(Reply::Status(200));
        let status = match &reply {
            Reply::Status(status)
            | Reply::RetryAfter(status, _)
            | Reply::Slow(_, status)
            | Reply::Body(status, _, _) => Some(*status),
            Reply::Hang => None,
        };
        state.received.push(Received { path, headers: parts.headers, body, at: Instant::now(), status });
        reply
    };
    let mut response = Response::new(Full::new(Bytes::new()));
    match reply {
        Reply::Status(status) => *response.status_mut() = StatusCode::from_u16(status).unwrap(),
        Reply::RetryAfter(status, after) => {
            *response.status_mut() = StatusCode::from_u16(status).unwrap();
            response.headers_mut().insert(http::header::RETRY_AFTER, after.parse().unwrap());
        }
        Reply::Body(status, content_type, body) => {
            *response.status_mut() = StatusCode::from_u16(status).unwrap();
            response.headers_mut().insert(http::header::CONTENT_TYPE, content_type.parse().unwrap());
            *response.body_mut() = Full::new(Bytes::from(body));
        }
        Reply::Slow(wait, status) => {
            tokio::time::sleep(wait).await;
            *response.status_mut() = StatusCode::from_u16(status).unwrap();
        }
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    }
    Ok(response)
}
