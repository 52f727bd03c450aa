//! Routing: the first route whose source and type patterns match an event names its handler.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use hookway_core::config::{HandlerConfig, RouteConfig, glob_matches};

use crate::breaker::CircuitBreaker;
use crate::event::Event;
use crate::handler::forward::Forward;
use crate::handler::log::Log;
use crate::handler::{Handler, Registry};

/// A route, compiled.
pub struct Route {
    source: String,
    event_type: String,
    /// How logs name the handler: `log`, `forward https://...`, `custom report`.
    pub name: String,
    /// The handler.
    pub handler: Arc<dyn Handler>,
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} → {}", self.source, self.event_type, self.name)
    }
}

/// The routes, in order.
#[derive(Debug)]
pub struct Router {
    routes: Vec<Route>,
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
    /// A `forward` URL does not parse.
    #[error("routes[{index}].handler.forward.url: {error}")]
    Url {
        /// The route's index.
        index: usize,
        /// Why.
        error: url::ParseError,
    },
}

impl Router {
    /// Compiles the routes. Forward handlers share `client`, and routes to the same URL share
    /// its circuit breaker (with the first such route's settings).
    pub fn new(routes: &[RouteConfig], registry: &Registry, client: &reqwest::Client) -> Result<Router, RouterError> {
        let mut breakers: HashMap<String, Arc<CircuitBreaker>> = HashMap::new();
        let mut compiled = Vec::with_capacity(routes.len());
        for (index, route) in routes.iter().enumerate() {
            let (name, handler): (String, Arc<dyn Handler>) = match &route.handler {
                HandlerConfig::Log => ("log".into(), Arc::new(Log)),
                HandlerConfig::Custom(name) => {
                    let handler = registry.get(name).ok_or_else(|| RouterError::UnknownHandler {
                        index,
                        name: name.clone(),
                        registered: registry.names().join(", "),
                    })?;
                    (format!("custom {name}"), handler)
                }
                HandlerConfig::Forward(settings) => {
                    let url: reqwest::Url = settings.url.parse().map_err(|error| RouterError::Url { index, error })?;
                    let settings_breaker = &settings.circuit_breaker;
                    let breaker = breakers.entry(url.to_string()).or_insert_with(|| {
                        let cooldown = Duration::from_secs(u64::from(settings_breaker.cooldown_seconds));
                        Arc::new(CircuitBreaker::new(settings_breaker.failure_threshold, cooldown))
                    });
                    let forward = Forward::new(settings, client.clone(), Arc::clone(breaker))
                        .map_err(|error| RouterError::Url { index, error })?;
                    (format!("forward {url}"), Arc::new(forward))
                }
            };
            compiled.push(Route { source: route.source.clone(), event_type: route.event_type.clone(), name, handler });
        }
        Ok(Router { routes: compiled })
    }

    /// The route that takes `event`. An event without a type matches only a `*` type.
    pub fn route(&self, event: &Event) -> Option<&Route> {
        let event_type = event.event_type.as_deref().unwrap_or_default();
        self.routes
            .iter()
            .find(|route| glob_matches(&route.source, &event.source) && glob_matches(&route.event_type, event_type))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes(json: &str) -> Vec<RouteConfig> {
        serde_json::from_str(json).unwrap()
    }

    fn event(source: &str, event_type: Option<&str>) -> Event {
        Event {
            id: "e".into(),
            source: source.into(),
            event_type: event_type.map(Into::into),
            received_at: String::new(),
            content_type: None,
            headers: Default::default(),
            body: Vec::new(),
            attempt: 1,
        }
    }

    #[test]
    fn the_first_matching_route_wins() {
        let config = routes(
            r#"[{"source": "stripe", "type": "invoice.*", "handler": {"forward": {"url": "http://127.0.0.1:9/billing"}}},
                {"source": "jobs", "type": "report.generate", "handler": {"custom": "report"}},
                {"source": "*", "handler": "log"}]"#,
        );
        let registry = Registry::new().with("report", crate::handler::report::Report);
        let router = Router::new(&config, &registry, &reqwest::Client::new()).unwrap();
        let name = |source, event_type| router.route(&event(source, event_type)).map(|route| route.name.as_str());
        assert_eq!(name("stripe", Some("invoice.paid")), Some("forward http://127.0.0.1:9/billing"));
        assert_eq!(name("stripe", Some("customer.created")), Some("log"));
        assert_eq!(name("jobs", Some("report.generate")), Some("custom report"));
        assert_eq!(name("github", None), Some("log"));
    }

    #[test]
    fn an_event_no_route_matches_has_none() {
        let router = Router::new(
            &routes(r#"[{"source": "stripe", "handler": "log"}]"#),
            &Registry::new(),
            &reqwest::Client::new(),
        );
        assert!(router.unwrap().route(&event("github", Some("push"))).is_none());
    }

    #[test]
    fn an_unregistered_custom_handler_is_refused_at_start_up() {
        let config = routes(r#"[{"source": "jobs", "handler": {"custom": "reprot"}}]"#);
        let registry = Registry::new().with("report", crate::handler::report::Report);
        let error = Router::new(&config, &registry, &reqwest::Client::new()).unwrap_err();
        assert_eq!(error.to_string(), "routes[0]: no custom handler named `reprot` is registered (registered: report)");
    }
}
