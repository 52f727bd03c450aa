//! The AWS limits a configuration's stack can reach, predicted before anything is built.
//!
//! A configuration is deployed as one CloudFormation stack, and some of what it names becomes
//! resources (a source with a throttle of its own is an API Gateway resource or two routes),
//! template bytes and IAM policy (every secret parameter's ARN, twice). `hookway config check`
//! predicts each from `infra/limits.json`, the stack's shape per unit of configuration, and
//! refuses a configuration past any limit with the limit's name and the numbers. The CDK stack
//! reads the same file (`infra/lib/limits.ts`), refuses with the same words at synth, and grants
//! SSM parameters by path prefix exactly when this module says the names do not fit; its tests
//! hold the file to templates synthesised at several sizes, and both sides' tests to the same
//! cases (`infra/test/limits-cases.json`).
//!
//! The routes' AWS-native targets are granted in managed policies of their own (`infra/lib/targets.ts`):
//! the worker's calls in `Worker/Targets`, `Targets2`, …, the intake's reads of the jobs' executions in
//! `Intake/JobExecutions`, …, each packed into documents of at most 6,144 characters by the same rule
//! as here; a role holds ten managed policies, the worker's one of them for its queues.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    ArchiveWriter, Arn, Config, HandlerConfig, JOBS_SOURCE, Problem, RouteConfig, StateBilling, WebhookEndpoint,
    glob_matches,
};

/// The stack's shape and AWS's limits, as the CDK app reads them too.
const LIMITS_JSON: &str = include_str!("../../../../infra/limits.json");

/// IAM's size of a managed policy: characters, whitespace aside ("Managed policy size").
const MANAGED_POLICY_CHARS: u64 = 6_144;

/// IAM's default "Managed policies per role"; the worker's role holds the listeners' one besides.
const MANAGED_POLICIES_PER_ROLE: u64 = 10;

static MODEL: LazyLock<Result<Model, String>> =
    LazyLock::new(|| serde_json::from_str(LIMITS_JSON).map_err(|error| format!("infra/limits.json: {error}")));

#[derive(Debug, Deserialize)]
struct Model {
    limits: Quotas,
    shape: Shape,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Quotas {
    resources: Quota,
    template_bytes: Quota,
    rest_api_resources: Quota,
    http_api_routes: Quota,
    role_policy_chars: Quota,
    function_policy_bytes: Quota,
    environment_bytes: Quota,
    dashboard_widgets: Quota,
    dashboard_metrics: Quota,
}

/// One limit: its value, what it counts, AWS's name for it, and what it applies to.
#[derive(Debug, Deserialize)]
struct Quota {
    value: u64,
    what: String,
    quota: String,
    holder: String,
}

impl Quota {
    /// `a REST API holds 300 ("Resources per API")`.
    fn holds(&self) -> String {
        format!("{} holds {} (\"{}\")", self.holder, thousands(self.value), self.quota)
    }
}

#[derive(Debug, Deserialize)]
struct PerEndpoint {
    rest: u64,
    #[serde(rename = "http-api")]
    http_api: u64,
    #[serde(rename = "function-url")]
    function_url: u64,
}

impl PerEndpoint {
    fn of(&self, endpoint: WebhookEndpoint) -> u64 {
        match endpoint {
            WebhookEndpoint::Rest => self.rest,
            WebhookEndpoint::HttpApi => self.http_api,
            WebhookEndpoint::FunctionUrl => self.function_url,
        }
    }
}

#[derive(Debug, Deserialize)]
struct PerWriter {
    firehose: u64,
    worker: u64,
}

impl PerWriter {
    fn of(&self, writer: ArchiveWriter) -> u64 {
        match writer {
            ArchiveWriter::Firehose => self.firehose,
            ArchiveWriter::Worker => self.worker,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Shape {
    resources: ResourceShape,
    rest_api_resources: RestApiShape,
    http_api_routes: HttpApiShape,
    template_bytes: TemplateShape,
    role_policy_chars: RolePolicyShape,
    function_policy_bytes: FunctionPolicyShape,
    environment_bytes: EnvironmentShape,
    dashboard: DashboardShape,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceShape {
    base: PerEndpoint,
    throttled_source: PerEndpoint,
    alarm_email: u64,
    waf: u64,
    slack: u64,
    function_url: u64,
    provisioned: u64,
    firehose: u64,
    parameter_policy: u64,
    target_policy: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RestApiShape {
    rest: u64,
    other: u64,
    throttled_source: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HttpApiShape {
    base: u64,
    throttled_source: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TemplateShape {
    base: PerEndpoint,
    parameter_policy: u64,
    throttled_source: PerEndpoint,
    throttled_source_name_char: PerEndpoint,
    parameter_pattern: u64,
    parameter_pattern_char: u64,
    target_policy: u64,
    target_statement: u64,
    target_resource: u64,
    target_resource_char: u64,
    target_bodies: u64,
}

#[derive(Debug, Deserialize)]
struct RolePolicyShape {
    intake: IntakeRoleShape,
    worker: WorkerRoleShape,
    parameters: ParameterShape,
}

#[derive(Debug, Deserialize)]
struct IntakeRoleShape {
    base: u64,
    tracing: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WorkerRoleShape {
    base: PerWriter,
    tracing: u64,
    /// The statement that lets the worker put a body past a target's limit in the archive bucket.
    target_bodies: u64,
}

#[derive(Debug, Deserialize)]
struct ParameterShape {
    statements: u64,
    arn: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FunctionPolicyShape {
    intake: IntakePermissionShape,
    worker: WorkerPermissionShape,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct IntakePermissionShape {
    base: u64,
    function_url: u64,
}

#[derive(Debug, Deserialize)]
struct WorkerPermissionShape {
    base: u64,
}

#[derive(Debug, Deserialize)]
struct EnvironmentShape {
    intake: u64,
    worker: PerWriter,
}

#[derive(Debug, Deserialize)]
struct DashboardShape {
    widgets: DashboardPart,
    metrics: DashboardPart,
}

#[derive(Debug, Deserialize)]
struct DashboardPart {
    base: u64,
    #[serde(rename = "http-api")]
    http_api: u64,
}

/// A value for each of the two functions whose grants grow with the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerRole<T> {
    /// The intake: the sources' secrets and verify tokens.
    pub intake: T,
    /// The worker: the destinations' signing secrets and Authorization values.
    pub worker: T,
}

/// How a role is granted its SSM parameters: by name, or by path prefix (`/hookway/prod/*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterGrant {
    /// The parameter names, or the prefixes ending in `/*`, sorted.
    pub patterns: Vec<String>,
    /// Whether the patterns are the names themselves.
    pub exact: bool,
    /// The characters the grant adds to its role's policy, at most.
    pub chars: u64,
}

/// The stack a configuration makes, at most, in each respect AWS limits (with an alarm email).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackShape {
    /// CloudFormation resources.
    pub resources: u64,
    /// Bytes of template, as `cdk synth` writes it.
    pub template_bytes: u64,
    /// The REST API's resources (paths), its root among them.
    pub rest_api_resources: u64,
    /// The HTTP API's routes (none without `webhooks.endpoint: "http-api"`).
    pub http_api_routes: u64,
    /// Characters of each role's inline policies.
    pub role_policy_chars: PerRole<u64>,
    /// How each role is granted its parameters.
    pub grants: PerRole<ParameterGrant>,
    /// The managed policies each role's grants for the routes' targets fill (none without targets).
    pub target_policies: PerRole<u64>,
    /// Bytes of each function's resource-based policy.
    pub function_policy_bytes: PerRole<u64>,
    /// Bytes of each function's environment.
    pub environment_bytes: PerRole<u64>,
    /// The dashboard's widgets.
    pub dashboard_widgets: u64,
    /// The dashboard's metrics and expressions.
    pub dashboard_metrics: u64,
}

/// The shape of the stack `config` makes, or why it cannot be told.
pub fn stack_shape(config: &Config) -> Result<StackShape, String> {
    let model = MODEL.as_ref().map_err(Clone::clone)?;
    Ok(model.shape(config))
}

/// Every limit the configuration's stack would pass, each naming the limit and the numbers; none
/// when it fits in one stack.
pub fn check(config: &Config) -> Vec<Problem> {
    match MODEL.as_ref() {
        Ok(model) => model.problems(config),
        Err(error) => vec![Problem { field: "(root)".to_owned(), message: error.clone() }],
    }
}

/// The parameters the intake reads: every source's secrets and verify token, once each.
pub fn intake_parameters(config: &Config) -> Vec<String> {
    let names: BTreeSet<&str> = config
        .sources
        .iter()
        .flat_map(|source| source.secret_parameters.iter().chain(&source.verify_token_parameter))
        .map(String::as_str)
        .collect();
    names.into_iter().map(str::to_owned).collect()
}

/// The parameters the worker reads: every forward's signing secrets and Authorization value.
pub fn worker_parameters(config: &Config) -> Vec<String> {
    let names: BTreeSet<&str> = config.outbound_parameters().into_iter().map(|(name, _)| name).collect();
    names.into_iter().map(str::to_owned).collect()
}

/// The sources with a throttle of their own: each has an API resource or routes of its own.
fn throttled_sources(config: &Config) -> Vec<&str> {
    if config.webhooks.endpoint == WebhookEndpoint::FunctionUrl {
        return Vec::new();
    }
    config.sources.iter().filter(|source| source.throttle.is_some()).map(|source| source.name.as_str()).collect()
}

/// One statement of a grant for the routes' targets: these actions on these resources, maybe under
/// a condition.
#[derive(Debug, Clone, PartialEq)]
struct Grant {
    actions: &'static [&'static str],
    resources: Vec<String>,
    condition: Option<Value>,
}

/// The characters of `value` as JSON, as IAM and JavaScript count them (UTF-16 units, no whitespace).
fn json_chars(value: &Value) -> u64 {
    value.to_string().encode_utf16().count() as u64
}

impl Grant {
    /// The statement's characters with no resource: `{"Effect":"Allow","Action":…,"Resource":[]…}`.
    fn bare_chars(&self) -> u64 {
        let action = match self.actions {
            [one] => json!(one),
            many => json!(many),
        };
        let mut statement = json!({"Effect": "Allow", "Action": action, "Resource": []});
        if let Some(condition) = &self.condition {
            statement["Condition"] = condition.clone();
        }
        json_chars(&statement)
    }
}

/// The distinct values, sorted: the same grant whatever the routes' order.
fn distinct<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    values.into_iter().collect::<BTreeSet<_>>().into_iter().map(str::to_owned).collect()
}

/// The DNS suffix of a partition's service endpoints, as `kms:ViaService` names them.
fn url_suffix(partition: &str) -> &'static str {
    if partition == "aws-cn" { "amazonaws.com.cn" } else { "amazonaws.com" }
}

/// The actions of the targets' deliveries, in the order the worker's grants list them.
static TARGET_ACTIONS: [&str; 5] =
    ["sqs:SendMessage", "sns:Publish", "events:PutEvents", "lambda:InvokeFunction", "states:StartExecution"];

/// The action a target's delivery makes, and the resource it is made on; `None` for a handler
/// that calls no AWS service.
fn target_call(handler: &HandlerConfig) -> Option<(&'static str, &str)> {
    match handler {
        HandlerConfig::Sqs(target) => Some(("sqs:SendMessage", &target.queue_arn)),
        HandlerConfig::Sns(target) => Some(("sns:Publish", &target.topic_arn)),
        HandlerConfig::EventBridge(target) => Some(("events:PutEvents", &target.bus_arn)),
        HandlerConfig::Lambda(target) => Some(("lambda:InvokeFunction", &target.function_arn)),
        HandlerConfig::StepFunctions(target) => Some(("states:StartExecution", &target.state_machine_arn)),
        HandlerConfig::Log | HandlerConfig::Forward(_) | HandlerConfig::Custom(_) => None,
    }
}

/// What the worker's role is granted for the routes' targets: each action on the resources the
/// routes name, and `kms:Decrypt` and `kms:GenerateDataKey` on an encrypted queue's or topic's key
/// when SQS or SNS asks for it on the worker's behalf; none without targets.
fn worker_target_grants(config: &Config) -> Vec<Grant> {
    let handlers: Vec<&HandlerConfig> = config.routes.iter().flat_map(RouteConfig::handlers).collect();
    let calls: Vec<(&str, &str)> = handlers.iter().filter_map(|handler| target_call(handler)).collect();
    let mut grants: Vec<Grant> = TARGET_ACTIONS
        .iter()
        .map(|action| Grant {
            actions: std::slice::from_ref(action),
            resources: distinct(calls.iter().filter(|(called, _)| called == action).map(|(_, arn)| *arn)),
            condition: None,
        })
        .collect();
    // SQS and SNS use an encrypted queue's or topic's key for the sender, in the resource's region.
    let encrypted: Vec<(&str, &str)> = handlers
        .iter()
        .filter_map(|handler| match handler {
            HandlerConfig::Sqs(target) => Some((target.queue_arn.as_str(), target.kms_key_arn.as_deref()?)),
            HandlerConfig::Sns(target) => Some((target.topic_arn.as_str(), target.kms_key_arn.as_deref()?)),
            _ => None,
        })
        .collect();
    if !encrypted.is_empty() {
        let via: Vec<String> = encrypted
            .iter()
            .filter_map(|(arn, _)| Arn::parse(arn))
            .map(|arn| format!("{}.{}.{}", arn.service, arn.region, url_suffix(arn.partition)))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        grants.push(Grant {
            actions: &["kms:Decrypt", "kms:GenerateDataKey"],
            resources: distinct(encrypted.iter().map(|(_, key)| *key)),
            condition: Some(json!({"StringEquals": {"kms:ViaService": via}})),
        });
    }
    grants.retain(|grant| !grant.resources.is_empty());
    grants
}

/// What the intake's role is granted to answer `GET /jobs/{id}`: `states:DescribeExecution` on the
/// executions (`arn:…:execution:MACHINE:*`) of each state machine a route taking `jobs` starts.
fn intake_job_grants(config: &Config) -> Vec<Grant> {
    let machines =
        distinct(config.routes.iter().filter(|route| glob_matches(&route.source, JOBS_SOURCE)).flat_map(|route| {
            route.handlers().iter().filter_map(|handler| match handler {
                HandlerConfig::StepFunctions(target) => Some(target.state_machine_arn.as_str()),
                _ => None,
            })
        }));
    let executions: Vec<String> = machines
        .iter()
        .filter_map(|machine| Arn::parse(machine))
        .map(|arn| {
            let name = arn.resource.strip_prefix("stateMachine:").unwrap_or(arn.resource);
            format!("arn:{}:states:{}:{}:execution:{name}:*", arn.partition, arn.region, arn.account)
        })
        .collect();
    if executions.is_empty() {
        return Vec::new();
    }
    vec![Grant { actions: &["states:DescribeExecution"], resources: executions, condition: None }]
}

/// What a role's target grants add to the stack, packed into managed policies: the policies, their
/// statements, resources and the resources' characters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct TargetPolicies {
    policies: u64,
    statements: u64,
    resources: u64,
    resource_chars: u64,
}

/// The grants packed into as few documents of at most [`MANAGED_POLICY_CHARS`] as hold them, as
/// the stack packs them (`packGrants`): a grant with more resources than fit in what is left of a
/// document goes on in the next, under the same actions and conditions. A document's characters
/// are `{"Version":"2012-10-17","Statement":[]}`'s and each statement's with a comma.
fn pack(grants: &[Grant]) -> TargetPolicies {
    let document = json_chars(&json!({"Version": "2012-10-17", "Statement": []}));
    let mut packed = TargetPolicies::default();
    // The open document: its characters so far, and whether it holds a statement.
    let (mut used, mut open) = (document, false);
    for grant in grants {
        let bare = grant.bare_chars();
        // The statement being filled: its resources, and its characters with them.
        let (mut resources, mut chars) = (0_u64, bare);
        for resource in &grant.resources {
            let quoted = json_chars(&json!(resource));
            let next = chars + quoted + u64::from(resources > 0);
            if used + next + 1 > MANAGED_POLICY_CHARS && (resources > 0 || open) {
                packed.statements += u64::from(resources > 0);
                packed.policies += 1;
                (used, open) = (document, false);
                (resources, chars) = (1, bare + quoted);
            } else {
                (resources, chars) = (resources + 1, next);
            }
            packed.resources += 1;
            packed.resource_chars += resource.encode_utf16().count() as u64;
        }
        if resources > 0 {
            packed.statements += 1;
            (used, open) = (used + chars + 1, true);
        }
    }
    packed.policies += u64::from(open);
    packed
}

impl Model {
    /// One pattern's characters in a statement: its ARN at its longest, quoted, with a comma.
    fn arn_chars(&self, pattern: &str) -> u64 {
        self.shape.role_policy_chars.parameters.arn + pattern.len() as u64 + 3
    }

    /// The two statements of a grant (`ssm:GetParameter*`, and `kms:Decrypt` conditioned on
    /// the same ARNs): each pattern is in both.
    fn grant_chars(&self, patterns: &[String]) -> u64 {
        if patterns.is_empty() {
            return 0;
        }
        self.shape.role_policy_chars.parameters.statements
            + 2 * patterns.iter().map(|pattern| self.arn_chars(pattern)).sum::<u64>()
    }

    /// The narrowest grant of `names` within `budget` characters: the names, else the longest
    /// path prefixes that fit (every name cut to the same depth), else the shortest prefixes,
    /// which do not fit either (and [`check`] says so).
    fn grant(&self, names: &[String], budget: u64) -> ParameterGrant {
        let exact: Vec<String> = names.iter().cloned().collect::<BTreeSet<_>>().into_iter().collect();
        let chars = self.grant_chars(&exact);
        if chars <= budget {
            return ParameterGrant { patterns: exact, exact: true, chars };
        }
        let segments =
            |name: &str| name.split('/').filter(|segment| !segment.is_empty()).map(str::to_owned).collect::<Vec<_>>();
        let deepest = exact.iter().map(|name| segments(name).len()).max().unwrap_or(0);
        let mut patterns = exact.clone();
        for depth in (1..deepest).rev() {
            patterns = exact
                .iter()
                .map(|name| {
                    let parts = segments(name);
                    if parts.len() > depth { format!("/{}/*", parts[..depth].join("/")) } else { name.clone() }
                })
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            if self.grant_chars(&patterns) <= budget {
                break;
            }
        }
        let chars = self.grant_chars(&patterns);
        ParameterGrant { patterns, exact: false, chars }
    }

    fn role_base(&self, config: &Config) -> PerRole<u64> {
        let roles = &self.shape.role_policy_chars;
        let tracing = |chars: u64| if config.tracing { chars } else { 0 };
        PerRole {
            intake: roles.intake.base + tracing(roles.intake.tracing),
            worker: roles.worker.base.of(config.archive.writer)
                + tracing(roles.worker.tracing)
                + if worker_target_grants(config).is_empty() { 0 } else { roles.worker.target_bodies },
        }
    }

    fn shape(&self, config: &Config) -> StackShape {
        let shape = &self.shape;
        let endpoint = config.webhooks.endpoint;
        let throttled = throttled_sources(config);
        let count = throttled.len() as u64;
        let name_chars: u64 = throttled.iter().map(|name| name.len() as u64).sum();
        let budget = self.limits.role_policy_chars.value;
        let base = self.role_base(config);
        let grants = PerRole {
            intake: self.grant(&intake_parameters(config), budget.saturating_sub(base.intake)),
            worker: self.grant(&worker_parameters(config), budget.saturating_sub(base.worker)),
        };
        let template = &shape.template_bytes;
        let patterns = grants.intake.patterns.iter().chain(&grants.worker.patterns);
        let pattern_bytes: u64 = patterns
            .map(|pattern| template.parameter_pattern + template.parameter_pattern_char * pattern.len() as u64)
            .sum();
        // Each role with parameters to read has an inline policy of its own for them.
        let parameter_policies =
            [&grants.intake, &grants.worker].iter().filter(|grant| !grant.patterns.is_empty()).count() as u64;
        // The routes' targets: managed policies of their own, as many as their grants fill.
        let targets = PerRole { intake: pack(&intake_job_grants(config)), worker: pack(&worker_target_grants(config)) };
        let target = |count: fn(&TargetPolicies) -> u64| count(&targets.intake) + count(&targets.worker);
        let target_bytes = template.target_policy * target(|packed| packed.policies)
            + template.target_statement * target(|packed| packed.statements)
            + template.target_resource * target(|packed| packed.resources)
            + template.target_resource_char * target(|packed| packed.resource_chars)
            // With targets, the worker's statement putting bodies past a target's limit.
            + if targets.worker.policies > 0 { template.target_bodies } else { 0 };
        let resources = &shape.resources;
        let function_url = endpoint == WebhookEndpoint::FunctionUrl || config.intake.function_url;
        let http_api = endpoint == WebhookEndpoint::HttpApi;
        StackShape {
            resources: resources.base.of(endpoint)
                + resources.throttled_source.of(endpoint) * count
                + resources.alarm_email
                + if config.webhooks.waf.is_some() { resources.waf } else { 0 }
                + if config.alarms.slack.is_some() { resources.slack } else { 0 }
                + if config.intake.function_url && endpoint != WebhookEndpoint::FunctionUrl {
                    resources.function_url
                } else {
                    0
                }
                + if config.state.billing == StateBilling::Provisioned { resources.provisioned } else { 0 }
                + if config.archive.writer == ArchiveWriter::Firehose { resources.firehose } else { 0 }
                + resources.parameter_policy * parameter_policies
                + resources.target_policy * target(|packed| packed.policies),
            template_bytes: template.base.of(endpoint)
                + template.parameter_policy * parameter_policies
                + template.throttled_source.of(endpoint) * count
                + template.throttled_source_name_char.of(endpoint) * name_chars
                + pattern_bytes
                + target_bytes,
            rest_api_resources: if endpoint == WebhookEndpoint::Rest {
                shape.rest_api_resources.rest + shape.rest_api_resources.throttled_source * count
            } else {
                shape.rest_api_resources.other
            },
            http_api_routes: if http_api {
                shape.http_api_routes.base + shape.http_api_routes.throttled_source * count
            } else {
                0
            },
            role_policy_chars: PerRole {
                intake: base.intake + grants.intake.chars,
                worker: base.worker + grants.worker.chars,
            },
            grants,
            target_policies: PerRole { intake: targets.intake.policies, worker: targets.worker.policies },
            function_policy_bytes: PerRole {
                intake: shape.function_policy_bytes.intake.base
                    + if function_url { shape.function_policy_bytes.intake.function_url } else { 0 },
                worker: shape.function_policy_bytes.worker.base,
            },
            environment_bytes: PerRole {
                intake: shape.environment_bytes.intake,
                worker: shape.environment_bytes.worker.of(config.archive.writer),
            },
            dashboard_widgets: shape.dashboard.widgets.base
                + if http_api { shape.dashboard.widgets.http_api } else { 0 },
            dashboard_metrics: shape.dashboard.metrics.base
                + if http_api { shape.dashboard.metrics.http_api } else { 0 },
        }
    }

    fn problems(&self, config: &Config) -> Vec<Problem> {
        let predicted = self.shape(config);
        let limits = &self.limits;
        let mut problems = Vec::new();
        let mut add = |field: &str, message: String| problems.push(Problem { field: field.to_owned(), message });
        let owned = format!("{} sources with their own throttle", throttled_sources(config).len());
        let needs = |value: u64, quota: &Quota| format!("{} {}; {}", thousands(value), quota.what, quota.holds());
        if predicted.resources > limits.resources.value {
            add("sources", format!("{owned} make the stack {}", needs(predicted.resources, &limits.resources)));
        }
        if predicted.template_bytes > limits.template_bytes.value {
            add(
                "sources",
                format!("the stack's template takes up to {}", needs(predicted.template_bytes, &limits.template_bytes)),
            );
        }
        if predicted.rest_api_resources > limits.rest_api_resources.value {
            add("sources", format!("{owned} need {}", needs(predicted.rest_api_resources, &limits.rest_api_resources)));
        }
        if predicted.http_api_routes > limits.http_api_routes.value {
            add("sources", format!("{owned} need {}", needs(predicted.http_api_routes, &limits.http_api_routes)));
        }
        let roles = [
            (
                "sources",
                "the intake's role reads the sources'",
                intake_parameters(config).len(),
                predicted.role_policy_chars.intake,
                &predicted.grants.intake,
            ),
            (
                "routes",
                "the worker's role reads the destinations'",
                worker_parameters(config).len(),
                predicted.role_policy_chars.worker,
                &predicted.grants.worker,
            ),
        ];
        for (field, what, parameters, chars, grant) in roles {
            if chars > limits.role_policy_chars.value {
                add(
                    field,
                    format!(
                        "{what} {} secret parameters; even granted by the shortest paths they share ({}), they need {}: put \
                         the parameters under fewer paths",
                        thousands(parameters as u64),
                        thousands(grant.patterns.len() as u64),
                        needs(chars, &limits.role_policy_chars),
                    ),
                );
            }
        }
        for (what, needed, room) in target_rooms(&predicted) {
            if needed > room {
                add(
                    "routes",
                    format!(
                        "{what} need {needed} managed policies of {} characters; the role has room for {room} (\"Managed \
                         policies per role\" is {MANAGED_POLICIES_PER_ROLE}): name fewer resources",
                        thousands(MANAGED_POLICY_CHARS),
                    ),
                );
            }
        }
        for (role, policy, environment) in [
            ("intake", predicted.function_policy_bytes.intake, predicted.environment_bytes.intake),
            ("worker", predicted.function_policy_bytes.worker, predicted.environment_bytes.worker),
        ] {
            if policy > limits.function_policy_bytes.value {
                add(
                    "(root)",
                    format!("the {role}'s permissions need {}", needs(policy, &limits.function_policy_bytes)),
                );
            }
            if environment > limits.environment_bytes.value {
                add(
                    "(root)",
                    format!("the {role}'s environment needs {}", needs(environment, &limits.environment_bytes)),
                );
            }
        }
        if predicted.dashboard_widgets > limits.dashboard_widgets.value {
            add(
                "(root)",
                format!("the dashboard needs {}", needs(predicted.dashboard_widgets, &limits.dashboard_widgets)),
            );
        }
        if predicted.dashboard_metrics > limits.dashboard_metrics.value {
            add(
                "(root)",
                format!("the dashboard needs {}", needs(predicted.dashboard_metrics, &limits.dashboard_metrics)),
            );
        }
        problems
    }
}

/// Each role's target grants: what they are, the managed policies they fill, and the room its role
/// has for them (the worker's holds the listeners' policy besides).
fn target_rooms(shape: &StackShape) -> [(&'static str, u64, u64); 2] {
    [
        ("the worker's calls to the routes' targets", shape.target_policies.worker, MANAGED_POLICIES_PER_ROLE - 1),
        ("the intake's reads of the jobs' executions", shape.target_policies.intake, MANAGED_POLICIES_PER_ROLE),
    ]
}

/// One respect in which the stack is limited: how much of it the configuration takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage {
    /// What is counted and where, e.g. `CloudFormation resources in the stack`.
    pub what: String,
    /// How much the configuration's stack takes, at most.
    pub used: u64,
    /// How much AWS allows.
    pub limit: u64,
    /// AWS's name for the limit.
    pub quota: String,
}

impl std::fmt::Display for Usage {
    /// `     67 of       500  CloudFormation resources in the stack ("Resources per stack")`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:>9} of {:>9}  {} (\"{}\")", thousands(self.used), thousands(self.limit), self.what, self.quota)
    }
}

/// How much of each limit the configuration's stack takes, for `hookway config check` to show.
pub fn usage(config: &Config) -> Result<Vec<Usage>, String> {
    let model = MODEL.as_ref().map_err(Clone::clone)?;
    let shape = model.shape(config);
    let limits = &model.limits;
    let usage =
        |what: String, used: u64, quota: &Quota| Usage { what, used, limit: quota.value, quota: quota.quota.clone() };
    let mut all = vec![
        usage("CloudFormation resources in the stack".to_owned(), shape.resources, &limits.resources),
        usage("bytes of template, at most".to_owned(), shape.template_bytes, &limits.template_bytes),
    ];
    match config.webhooks.endpoint {
        WebhookEndpoint::Rest => all.push(usage(
            "API Gateway resources in the REST API".to_owned(),
            shape.rest_api_resources,
            &limits.rest_api_resources,
        )),
        WebhookEndpoint::HttpApi => {
            all.push(usage("routes in the HTTP API".to_owned(), shape.http_api_routes, &limits.http_api_routes))
        }
        WebhookEndpoint::FunctionUrl => {}
    }
    for (role, chars, grant) in [
        ("intake", shape.role_policy_chars.intake, &shape.grants.intake),
        ("worker", shape.role_policy_chars.worker, &shape.grants.worker),
    ] {
        let plural = |count: usize, one: &str, many: &str| format!("{count} {}", if count == 1 { one } else { many });
        let how = match (grant.exact, grant.patterns.len()) {
            (true, 0) => "no parameters".to_owned(),
            (true, count) => format!("{} by name", plural(count, "parameter", "parameters")),
            (false, count) => format!("parameters under {}", plural(count, "path", "paths")),
        };
        all.push(usage(
            format!("characters of the {role} role's inline policy ({how})"),
            chars,
            &limits.role_policy_chars,
        ));
    }
    for (what, used, room) in target_rooms(&shape) {
        if used > 0 {
            all.push(Usage {
                what: format!("managed policies for {what}"),
                used,
                limit: room,
                quota: "Managed policies per role".to_owned(),
            });
        }
    }
    Ok(all)
}

/// `12,345`, as the messages write numbers (and the stack's, from JavaScript's `en-US`).
fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    /// The cases the stack's tests hold its predictions to, against synthesised templates.
    const CASES: &str = include_str!("../../../../infra/test/limits-cases.json");

    /// A case's configuration with its generated sources and routes, by the rule of
    /// infra/test/limits-cases.ts.
    fn expand(case: &Value) -> Value {
        let mut config = case["config"].clone();
        let generate = &case["generate"];
        let count = |key: &str| generate[key].as_u64().unwrap_or(0);
        let (sources, throttled, routes) = (count("sources"), count("throttled"), count("routes"));
        let flat = generate["secrets"] == "flat";
        let generated = (0..sources).map(|i| {
            let secret = if flat {
                format!("/gen-{i:03}-secret")
            } else {
                format!("/hookway/gen/team-{}/gen-{i:03}/secret", i % 4)
            };
            let mut source = json!({"name": format!("gen-{i:03}"), "scheme": "github", "secretParameters": [secret]});
            if i < throttled {
                source["throttle"] = json!({"rate": 10, "burst": 20});
            }
            source
        });
        let forwards = (0..routes).map(|i| {
            json!({
                "source": format!("gen-{:03}", i % sources.max(1)),
                "handler": {"forward": {
                    "url": format!("https://d{}.example.com/in", i % 50),
                    "authorization": {"parameter": format!("/hookway/out/d-{}/token", i % 50)},
                }},
            })
        });
        let mut all_sources = config["sources"].as_array().cloned().unwrap_or_default();
        all_sources.extend(generated);
        let mut all_routes = config["routes"].as_array().cloned().unwrap_or_default();
        all_routes.extend(forwards);
        config["sources"] = Value::Array(all_sources);
        config["routes"] = Value::Array(all_routes);
        config
    }

    fn grant_json(grant: &ParameterGrant) -> Value {
        json!({"patterns": grant.patterns, "exact": grant.exact})
    }

    #[test]
    fn predicts_what_the_stack_predicts_and_refuses_in_its_words() {
        let cases: Value = serde_json::from_str(CASES).unwrap();
        let cases = cases["cases"].as_array().unwrap();
        assert!(cases.len() >= 11, "the stack's cases, those with targets among them");
        for case in cases {
            let name = case["name"].as_str().unwrap();
            let config = Config::from_json(&expand(case).to_string()).unwrap_or_else(|error| panic!("{name}: {error}"));
            let shape = stack_shape(&config).unwrap();
            let expected = &case["expected"];
            let predicted = json!({
                "resources": shape.resources,
                "templateBytes": shape.template_bytes,
                "restApiResources": shape.rest_api_resources,
                "httpApiRoutes": shape.http_api_routes,
                "rolePolicyChars": {"intake": shape.role_policy_chars.intake, "worker": shape.role_policy_chars.worker},
                "grants": {"intake": grant_json(&shape.grants.intake), "worker": grant_json(&shape.grants.worker)},
                "functionPolicyBytes": {"intake": shape.function_policy_bytes.intake, "worker": shape.function_policy_bytes.worker},
                "environmentBytes": {"intake": shape.environment_bytes.intake, "worker": shape.environment_bytes.worker},
                "dashboardWidgets": shape.dashboard_widgets,
                "dashboardMetrics": shape.dashboard_metrics,
                "problems": check(&config).iter().map(ToString::to_string).collect::<Vec<_>>(),
            });
            assert_eq!(predicted, *expected, "{name}");
        }
    }

    #[test]
    fn a_throttled_source_past_the_rest_api_is_refused_naming_the_limit_and_the_numbers() {
        let sources: Vec<Value> = (0..320)
            .map(|i| {
                json!({"name": format!("s{i}"), "scheme": "stripe", "secretParameters": [format!("/hookway/s/s{i}")],
                       "throttle": {"rate": 5, "burst": 10}})
            })
            .collect();
        let config = Config::from_json(&json!({"sources": sources}).to_string()).unwrap();
        let problems: Vec<String> = check(&config).iter().map(ToString::to_string).collect();
        assert!(
            problems.contains(
                &"sources: 320 sources with their own throttle need 325 API Gateway resources; a REST API holds 300 \
                  (\"Resources per API\")"
                    .to_owned()
            ),
            "{problems:#?}"
        );
        assert!(problems.iter().any(|problem| problem.contains("(\"Resources per stack\")")), "{problems:#?}");
    }

    #[test]
    fn parameters_are_granted_by_name_while_they_fit_then_by_the_longest_shared_paths() {
        let source = |i: usize| {
            json!({"name": format!("partner-{i}"), "scheme": "stripe",
                   "secretParameters": [format!("/hookway/prod/team-{}/partner-{i}/signing-secret", i % 3)]})
        };
        let few = Config::from_json(&json!({"sources": (0..5).map(source).collect::<Vec<_>>()}).to_string()).unwrap();
        let grant = stack_shape(&few).unwrap().grants.intake;
        assert!(grant.exact);
        assert_eq!(grant.patterns.len(), 5);
        let many =
            Config::from_json(&json!({"sources": (0..500).map(source).collect::<Vec<_>>()}).to_string()).unwrap();
        let shape = stack_shape(&many).unwrap();
        assert!(!shape.grants.intake.exact);
        assert_eq!(
            shape.grants.intake.patterns,
            ["/hookway/prod/team-0/*", "/hookway/prod/team-1/*", "/hookway/prod/team-2/*"]
        );
        assert!(shape.role_policy_chars.intake <= 10_240);
        assert!(check(&many).is_empty());
    }

    #[test]
    fn a_grant_fills_a_managed_policy_to_its_last_character_then_goes_on_in_the_next() {
        // 43 queues and one more whose ARN is 109 characters make a document of exactly 6,144
        // characters by the stack's count (`packGrants`): one policy; a character more, two, the
        // grant's actions in both.
        let prefix = "arn:aws:sqs:eu-west-1:123456789012:";
        let grant = |last: usize| Grant {
            actions: &["sqs:SendMessage"],
            resources: (0..43)
                .map(|i| format!("{prefix}{}{i:03}", "a".repeat(97)))
                .chain([format!("{prefix}{}", "z".repeat(last - prefix.len()))])
                .collect(),
            condition: None,
        };
        let one = pack(&[grant(109)]);
        assert_eq!(one, TargetPolicies { policies: 1, statements: 1, resources: 44, resource_chars: 43 * 135 + 109 });
        let two = pack(&[grant(110)]);
        assert_eq!(two, TargetPolicies { policies: 2, statements: 2, resources: 44, resource_chars: 43 * 135 + 110 });
    }

    /// A configuration whose routes name these targets (a `stripe` source besides).
    fn with_routes(routes: Value) -> Config {
        let config = json!({
            "sources": [{"name": "stripe", "scheme": "stripe", "secretParameters": ["/hookway/stripe/secret"]}],
            "routes": routes,
        });
        Config::from_json(&config.to_string()).unwrap()
    }

    #[test]
    fn the_targets_grants_are_counted_as_the_stack_packs_them() {
        // infra's `targetPolicies` for the target cases of limits-cases.json: policies, statements,
        // resources and their characters, the worker's and the intake's together.
        let expected = [
            ("targets: all five", (2, 7, 12, 829)),
            ("targets: 40 queues", (3, 4, 80, 15_080)),
            ("refused: the routes' targets", (10, 10, 220, 55_220)),
        ];
        let cases: Value = serde_json::from_str(CASES).unwrap();
        for (name, (policies, statements, resources, resource_chars)) in expected {
            let case =
                cases["cases"].as_array().unwrap().iter().find(|case| case["name"].as_str().unwrap().starts_with(name));
            let config = Config::from_json(&expand(case.unwrap()).to_string()).unwrap();
            let both = [pack(&worker_target_grants(&config)), pack(&intake_job_grants(&config))];
            let total = |count: fn(&TargetPolicies) -> u64| both.iter().map(count).sum::<u64>();
            assert_eq!(
                (
                    total(|packed| packed.policies),
                    total(|packed| packed.statements),
                    total(|packed| packed.resources),
                    total(|packed| packed.resource_chars)
                ),
                (policies, statements, resources, resource_chars),
                "{name}"
            );
        }
    }

    #[test]
    fn the_five_targets_grant_each_resource_and_the_keys_through_their_services() {
        let arn = |service: &str, resource: &str| format!("arn:aws:{service}:eu-west-1:123456789012:{resource}");
        let config = with_routes(json!([
            {"source": "stripe", "handlers": [
                {"sqs": {"queueArn": arn("sqs", "orders"), "kmsKeyArn": arn("kms", "key/1")}},
                {"sns": {"topicArn": "arn:aws-cn:sns:cn-north-1:123456789012:payments", "kmsKeyArn": arn("kms", "key/2")}},
                {"eventBridge": {"busArn": arn("events", "event-bus/payments")}},
                {"lambda": {"functionArn": arn("lambda", "function:fulfil:live")}},
                {"stepFunctions": {"stateMachineArn": arn("states", "stateMachine:orders")}},
            ]},
            {"source": "stripe", "type": "charge.*", "handler": {"sqs": {"queueArn": arn("sqs", "orders"), "kmsKeyArn": arn("kms", "key/1")}}},
            {"source": "j*", "handler": {"stepFunctions": {"stateMachineArn": arn("states", "stateMachine:reports")}}},
            {"source": "*", "handler": "log"},
        ]));
        let worker = worker_target_grants(&config);
        let statement = |grant: &Grant| (grant.actions.join(" "), grant.resources.join(" "));
        assert_eq!(
            worker.iter().map(statement).collect::<Vec<_>>(),
            [
                ("sqs:SendMessage", arn("sqs", "orders")),
                ("sns:Publish", "arn:aws-cn:sns:cn-north-1:123456789012:payments".to_owned()),
                ("events:PutEvents", arn("events", "event-bus/payments")),
                ("lambda:InvokeFunction", arn("lambda", "function:fulfil:live")),
                (
                    "states:StartExecution",
                    format!("{} {}", arn("states", "stateMachine:orders"), arn("states", "stateMachine:reports"))
                ),
                ("kms:Decrypt kms:GenerateDataKey", format!("{} {}", arn("kms", "key/1"), arn("kms", "key/2"))),
            ]
            .map(|(actions, resources)| (actions.to_owned(), resources))
        );
        assert_eq!(
            worker[5].condition,
            Some(
                json!({"StringEquals": {"kms:ViaService": ["sns.cn-north-1.amazonaws.com.cn", "sqs.eu-west-1.amazonaws.com"]}})
            )
        );
        let intake = intake_job_grants(&config);
        assert_eq!(
            intake.iter().map(statement).collect::<Vec<_>>(),
            [("states:DescribeExecution".to_owned(), arn("states", "execution:reports:*"))]
        );
        let shape = stack_shape(&config).unwrap();
        assert_eq!(shape.target_policies, PerRole { intake: 1, worker: 1 });
        let lines: Vec<String> = usage(&config).unwrap().iter().map(ToString::to_string).collect();
        assert!(
            lines.contains(
                &"        1 of         9  managed policies for the worker's calls to the routes' targets (\"Managed policies \
                  per role\")"
                    .to_owned()
            ),
            "{lines:#?}"
        );
        let plain = stack_shape(&with_routes(json!([{"source": "*", "handler": "log"}]))).unwrap();
        assert_eq!(plain.target_policies, PerRole { intake: 0, worker: 0 });
        assert_eq!(shape.resources - plain.resources, 2, "a managed policy for each role");
    }

    #[test]
    fn target_grants_past_a_roles_managed_policies_are_refused_in_the_stacks_words() {
        // 500 state machines that jobs start: the worker starts them, the intake reads their
        // executions; infra's `limitProblems` says this of the same configuration.
        let machines: Vec<Value> = (0..500)
            .map(|i| {
                let name = format!("{:r<80}", format!("report-{i}-"));
                json!({"stepFunctions": {"stateMachineArn": format!("arn:aws:states:eu-west-1:123456789012:stateMachine:{name}")}})
            })
            .collect();
        let config = with_routes(json!([{"source": "j*", "handlers": machines}]));
        let problems: Vec<String> = check(&config).iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            [
                "routes: the worker's calls to the routes' targets need 12 managed policies of 6,144 characters; the \
                 role has room for 9 (\"Managed policies per role\" is 10): name fewer resources",
                "routes: the intake's reads of the jobs' executions need 12 managed policies of 6,144 characters; the \
                 role has room for 10 (\"Managed policies per role\" is 10): name fewer resources",
            ]
        );
    }

    #[test]
    fn numbers_are_written_in_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(10_240), "10,240");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }

    #[test]
    fn usage_shows_each_limit_the_front_door_has() {
        let config = Config::from_json(include_str!("../../../../hookway.json")).unwrap();
        let lines: Vec<String> = usage(&config).unwrap().iter().map(ToString::to_string).collect();
        assert_eq!(
            lines[0],
            format!("{:>9} of       500  CloudFormation resources in the stack (\"Resources per stack\")", 71)
        );
        assert!(lines.iter().any(|line| line.contains("API Gateway resources in the REST API")), "{lines:#?}");
        assert!(
            lines.iter().any(|line| line.contains("intake role's inline policy (6 parameters by name)")),
            "{lines:#?}"
        );
    }
}
