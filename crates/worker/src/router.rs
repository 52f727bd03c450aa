//! Routing: the first route whose source and type patterns match an event, and whose `where`
//! conditions hold on its JSON body, names its handlers — one delivery each.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use hookway_core::config::{
    BreakerConfig, Condition, HandlerConfig, InvocationType, RateLimitConfig, RouteConfig, glob_matches,
};
use hookway_core::transform::{Program, TransformError};
use serde_json::Value;

use crate::breaker::CircuitBreaker;
use crate::event::Event;
use crate::handler::forward::{Forward, ForwardSetupError};
use crate::handler::log::Log;
use crate::handler::target::{Target, TargetClients};
use crate::handler::{Handler, Registry};
use crate::rate_limit::RateLimiter;
use crate::schedule::{SLEEP_HORIZON_MS, Schedule};
use crate::secrets::Secrets;
use crate::shared::SharedState;

/// A route, compiled.
pub struct Route {
    source: String,
    event_type: String,
    conditions: Vec<Condition>,
    /// Its `jq` conditions, compiled, by their index in `conditions`.
    jq_conditions: Vec<(usize, Program)>,
    /// Its handlers, in order: one delivery each.
    pub destinations: Vec<Destination>,
}

/// One handler of a route.
pub struct Destination {
    /// How records and logs name it: `log`, `forward https://...`, `custom report`.
    pub name: String,
    /// The handler.
    pub handler: Arc<dyn Handler>,
    /// When its deliveries are tried again: a `forward`'s or a target's `retry`, the default for
    /// the others.
    pub schedule: Arc<Schedule>,
    /// What its parked events are filed under: a `forward`'s URL or a target's ARN (its circuit's
    /// and rate limit's key), else its name.
    pub key: String,
    /// Its `transform`, compiled: run on the body before each delivery.
    pub transform: Option<Arc<Program>>,
}

/// Where events can be parked, as the sweep walks them: each destination once.
#[derive(Debug, Clone)]
pub struct Outlet {
    /// The key its parked events are filed under.
    pub key: String,
    /// Its rate limit, if it has one: released events are spread to keep it.
    pub per_second: Option<u32>,
}

impl std::fmt::Debug for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.destinations.iter().map(|destination| destination.name.as_str()).collect();
        write!(f, "{} {} → {}", self.source, self.event_type, names.join(", "))
    }
}

/// The routes, in order.
#[derive(Debug)]
pub struct Router {
    routes: Vec<Route>,
    outlets: Vec<Outlet>,
}

/// A route cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum RouterError {
    /// A `custom` handler is not registered.
    #[error("routes[{index}]: no custom handler named `{name}` is registered (registered: {registered})")]
    UnknownHandler {
        /// The route's index.
        index: usize,
        /// The name.
        name: String,
        /// The names registered.
        registered: String,
    },
    /// A target cannot be built.
    #[error("routes[{index}]: {name} cannot be built: {reason}")]
    Target {
        /// The route's index.
        index: usize,
        /// The target.
        name: String,
        /// Why.
        reason: String,
    },
    /// A `transform` or a `jq` condition is not a valid jq program (config check refuses it).
    #[error("routes[{index}]: {what} is not a valid jq program: {error}")]
    Program {
        /// The route's index.
        index: usize,
        /// Which program.
        what: String,
        /// Why.
        error: TransformError,
    },
    /// A `forward` handler cannot be built.
    #[error("routes[{index}].handler.forward.{error}")]
    Forward {
        /// The route's index.
        index: usize,
        /// Why.
        error: ForwardSetupError,
    },
}

/// What forward handlers and targets share: the HTTP client, the destinations' secrets, the state
/// every worker instance shares about each destination (its circuit and rate limit), and the AWS
/// clients of the targets.
#[derive(Debug, Clone)]
pub struct Shared<'a> {
    /// The HTTP client.
    pub client: &'a reqwest::Client,
    /// The destinations' secrets.
    pub secrets: &'a Arc<Secrets>,
    /// Circuits and rate limits.
    pub state: &'a Arc<dyn SharedState>,
    /// The AWS clients targets call through.
    pub targets: Option<&'a TargetClients>,
}

/// Each resource's circuit breaker and rate limit, built for the first handler that names it and
/// shared by the others.
struct SharedGuards<'a> {
    state: &'a Arc<dyn SharedState>,
    breakers: HashMap<String, Arc<CircuitBreaker>>,
    limiters: HashMap<String, Option<Arc<RateLimiter>>>,
}

impl SharedGuards<'_> {
    /// The breaker and rate limiter of the resource `key`, whose attempts take at most `attempt`.
    fn of(
        &mut self,
        key: &str,
        settings: &BreakerConfig,
        attempt: Duration,
        rate_limit: Option<&RateLimitConfig>,
    ) -> (Arc<CircuitBreaker>, Option<Arc<RateLimiter>>) {
        let state = self.state;
        let breaker = self.breakers.entry(key.to_owned()).or_insert_with(|| {
            let cooldown = Duration::from_secs(u64::from(settings.cooldown_seconds));
            // A trial holds the circuit for one request's time, its wait for a rate-limit slot
            // included.
            let lease = attempt + Duration::from_secs(1) + Duration::from_millis(SLEEP_HORIZON_MS.unsigned_abs());
            Arc::new(CircuitBreaker::new(
                key.to_owned(),
                settings.failure_threshold,
                cooldown,
                lease,
                Arc::clone(state),
            ))
        });
        let limiter = self.limiters.entry(key.to_owned()).or_insert_with(|| {
            let limit = rate_limit?;
            Some(Arc::new(RateLimiter::new(key.to_owned(), limit.per_second, Arc::clone(state))))
        });
        (Arc::clone(breaker), limiter.clone())
    }
}

impl Router {
    /// Compiles the routes. Forward handlers share the client, the secrets and the shared state;
    /// those to the same URL share its circuit breaker and rate limit (with the first such
    /// handler's settings), as targets naming the same ARN do.
    pub fn new(routes: &[RouteConfig], registry: &Registry, shared: &Shared<'_>) -> Result<Router, RouterError> {
        let mut guards = SharedGuards { state: shared.state, breakers: HashMap::new(), limiters: HashMap::new() };
        let default_schedule = Arc::new(Schedule::default());
        let mut compiled = Vec::with_capacity(routes.len());
        let mut outlets: Vec<Outlet> = Vec::new();
        for (index, route) in routes.iter().enumerate() {
            let mut destinations = Vec::with_capacity(route.handlers().len());
            let compile = |what: String, code: &str| {
                Program::compile(code).map_err(|error| RouterError::Program { index, what, error })
            };
            for handler in route.handlers() {
                let name = handler.delivery_name();
                let transform = match handler.transform() {
                    Some(code) => Some(Arc::new(compile(format!("the transform of {name}"), code)?)),
                    None => None,
                };
                let (key, per_second) = match handler {
                    HandlerConfig::Forward(settings) => {
                        let key =
                            settings.url.parse::<reqwest::Url>().map_or_else(|_| name.clone(), |url| url.to_string());
                        (key, settings.rate_limit.as_ref().map(|limit| limit.per_second))
                    }
                    // A target's: its ARN.
                    _ => match (handler.target_arn(), handler.target_delivery()) {
                        (Some(arn), Some(delivery)) => {
                            (arn.to_owned(), delivery.rate_limit.map(|limit| limit.per_second))
                        }
                        _ => (name.clone(), None),
                    },
                };
                if !outlets.iter().any(|outlet| outlet.key == key) {
                    outlets.push(Outlet { key: key.clone(), per_second });
                }
                let schedule = match (handler, handler.target_delivery()) {
                    (HandlerConfig::Forward(settings), _) => Arc::new(Schedule::from_config(&settings.retry)),
                    (_, Some(delivery)) => Arc::new(Schedule::from_config(delivery.retry)),
                    _ => Arc::clone(&default_schedule),
                };
                let handler: Arc<dyn Handler> = match handler {
                    HandlerConfig::Log => Arc::new(Log),
                    HandlerConfig::Custom(name) => registry.get(name).ok_or_else(|| RouterError::UnknownHandler {
                        index,
                        name: name.clone(),
                        registered: registry.names().join(", "),
                    })?,
                    HandlerConfig::Sqs(_)
                    | HandlerConfig::Sns(_)
                    | HandlerConfig::EventBridge(_)
                    | HandlerConfig::Lambda(_)
                    | HandlerConfig::StepFunctions(_) => {
                        let target_error = |reason: String| RouterError::Target { index, name: name.clone(), reason };
                        let clients = shared
                            .targets
                            .ok_or_else(|| target_error("the worker has no AWS clients for targets".into()))?;
                        let Some(delivery) = handler.target_delivery() else {
                            return Err(target_error("not a target".into()));
                        };
                        // One attempt's longest time: an `Invoke` waited for, else an AWS call's.
                        let attempt = match handler {
                            HandlerConfig::Lambda(lambda)
                                if lambda.invocation_type == InvocationType::RequestResponse =>
                            {
                                Duration::from_secs(u64::from(lambda.timeout_seconds))
                            }
                            _ => hookway_core::aws::OPERATION_TIMEOUT,
                        };
                        let (breaker, limiter) =
                            guards.of(&key, delivery.circuit_breaker, attempt, delivery.rate_limit);
                        let target = Target::new(handler, clients, breaker, limiter)
                            .map_err(|error| target_error(error.to_string()))?;
                        Arc::new(target)
                    }
                    HandlerConfig::Forward(settings) => {
                        let forward_error = |error| RouterError::Forward { index, error };
                        let url: reqwest::Url =
                            settings.url.parse().map_err(|error| forward_error(ForwardSetupError::Url(error)))?;
                        let attempt = Duration::from_secs(u64::from(settings.timeout_seconds));
                        let (breaker, limiter) =
                            guards.of(url.as_str(), &settings.circuit_breaker, attempt, settings.rate_limit.as_ref());
                        let forward =
                            Forward::new(settings, shared.client.clone(), breaker, limiter, Arc::clone(shared.secrets))
                                .map_err(forward_error)?;
                        Arc::new(forward)
                    }
                };
                destinations.push(Destination { name, handler, schedule, key, transform });
            }
            let mut jq_conditions = Vec::new();
            for (at, condition) in route.conditions.iter().enumerate() {
                if let Some(code) = &condition.jq {
                    jq_conditions.push((at, compile(format!("where[{at}].jq"), code)?));
                }
            }
            compiled.push(Route {
                source: route.source.clone(),
                event_type: route.event_type.clone(),
                conditions: route.conditions.clone(),
                jq_conditions,
                destinations,
            });
        }
        Ok(Router { routes: compiled, outlets })
    }

    /// Each destination once: where events can be parked.
    pub fn outlets(&self) -> &[Outlet] {
        &self.outlets
    }

    /// The route that takes `event`. An event without a type matches only a `*` type; the body
    /// is read as JSON once, and only if a route with conditions is reached.
    pub fn route(&self, event: &Event) -> Option<&Route> {
        let event_type = event.event_type.as_deref().unwrap_or_default();
        let mut body: Option<Option<Value>> = None;
        self.routes.iter().find(|route| {
            if !(glob_matches(&route.source, &event.source) && glob_matches(&route.event_type, event_type)) {
                return false;
            }
            if route.conditions.is_empty() {
                return true;
            }
            let body = body.get_or_insert_with(|| event.json::<Value>().ok()).as_ref();
            body.is_some_and(|body| {
                route.conditions.iter().enumerate().all(|(at, condition)| route.holds(at, condition, body, event))
            })
        })
    }
}

impl Route {
    /// Whether its `at`-th condition holds on `body`; a `jq` condition that fails does not.
    fn holds(&self, at: usize, condition: &Condition, body: &Value, event: &Event) -> bool {
        let Some((_, program)) = self.jq_conditions.iter().find(|(index, _)| *index == at) else {
            return condition.holds(body);
        };
        program.holds(body, &event.vars()).unwrap_or_else(|error| {
            tracing::warn!(condition = at, %error, "a jq condition failed on the body: it does not hold");
            false
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes(json: &str) -> Vec<RouteConfig> {
        serde_json::from_str(json).unwrap()
    }

    fn event(source: &str, event_type: Option<&str>, body: &str) -> Event {
        Event {
            id: "e".into(),
            source: source.into(),
            event_type: event_type.map(Into::into),
            received_at: String::new(),
            content_type: None,
            headers: Default::default(),
            body: bytes::Bytes::copy_from_slice(body.as_bytes()),
            body_object: None,
            replay: None,
            attempt: 1,
            retry: None,
            set_headers: Vec::new(),
        }
    }

    fn router(config: &[RouteConfig], registry: &Registry) -> Result<Router, RouterError> {
        let secrets = Arc::new(Secrets::none());
        let state: Arc<dyn SharedState> = Arc::new(crate::shared::MemoryShared::default());
        let shared = Shared { client: &reqwest::Client::new(), secrets: &secrets, state: &state, targets: None };
        Router::new(config, registry, &shared)
    }

    #[test]
    fn the_first_matching_route_wins() {
        let config = routes(
            r#"[{"source": "stripe", "type": "invoice.*", "handler": {"forward": {"url": "http://127.0.0.1:9/billing"}}},
                {"source": "jobs", "type": "report.generate", "handler": {"custom": "report"}},
                {"source": "*", "handler": "log"}]"#,
        );
        let registry = Registry::new().with("report", crate::handler::report::Report);
        let router = router(&config, &registry).unwrap();
        let name = |source, event_type| {
            router.route(&event(source, event_type, "")).map(|route| route.destinations[0].name.as_str())
        };
        assert_eq!(name("stripe", Some("invoice.paid")), Some("forward http://127.0.0.1:9/billing"));
        assert_eq!(name("stripe", Some("customer.created")), Some("log"));
        assert_eq!(name("jobs", Some("report.generate")), Some("custom report"));
        assert_eq!(name("github", None), Some("log"));
    }

    #[test]
    fn an_event_no_route_matches_has_none() {
        let router = router(&routes(r#"[{"source": "stripe", "handler": "log"}]"#), &Registry::new());
        assert!(router.unwrap().route(&event("github", Some("push"), "")).is_none());
    }

    #[test]
    fn an_unregistered_custom_handler_is_refused_at_start_up() {
        let config = routes(r#"[{"source": "jobs", "handler": {"custom": "reprot"}}]"#);
        let registry = Registry::new().with("report", crate::handler::report::Report);
        let error = router(&config, &registry).unwrap_err();
        assert_eq!(error.to_string(), "routes[0]: no custom handler named `reprot` is registered (registered: report)");
    }

    #[test]
    fn a_route_whose_conditions_fail_passes_the_event_on_and_fans_out_when_they_hold() {
        let config = routes(
            r#"[{"source": "stripe", "where": [{"pointer": "/data/status", "in": ["paid", "refunded"]}, {"pointer": "/livemode", "equals": true}],
                 "handlers": [{"forward": {"url": "http://127.0.0.1:9/a"}}, {"forward": {"url": "http://127.0.0.1:9/b"}}, "log"]},
                {"source": "*", "handler": {"custom": "report"}}]"#,
        );
        let registry = Registry::new().with("report", crate::handler::report::Report);
        let router = router(&config, &registry).unwrap();
        let names = |body: &str| -> Vec<String> {
            let route = router.route(&event("stripe", Some("invoice.paid"), body)).unwrap();
            route.destinations.iter().map(|destination| destination.name.clone()).collect()
        };
        assert_eq!(
            names(r#"{"livemode": true, "data": {"status": "paid"}}"#),
            ["forward http://127.0.0.1:9/a", "forward http://127.0.0.1:9/b", "log"]
        );
        assert_eq!(names(r#"{"livemode": false, "data": {"status": "paid"}}"#), ["custom report"]);
        assert_eq!(names(r#"{"livemode": true, "data": {"status": "open"}}"#), ["custom report"]);
        assert_eq!(names("not json"), ["custom report"], "a body that is not JSON satisfies no condition");
    }
}
