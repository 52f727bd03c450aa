//! Identity-based policy evaluation, as IAM does it for one principal's policies: an explicit
//! `Deny` wins, then any `Allow`, and otherwise the request is denied implicitly.
//!
//! A statement applies when its `Action` (or `NotAction`), its `Resource` (or `NotResource`) and
//! every condition match. Actions match case-insensitively with `*` and `?`; resources match as ARNs,
//! case-sensitively, with wildcards inside the colon-separated parts (a `*` that ends its part may
//! run on past colons), as `ArnLike` does. Conditions are AND-ed across operators and keys and OR-ed across one key's
//! values; a negated operator is a NOR of its values. A key absent from the request fails a
//! positive operator, passes a negated one, passes with `...IfExists`, and passes
//! `ForAllValues:` (which holds of an empty set) while failing `ForAnyValue:` — the reason
//! `ForAllValues` on `dynamodb:LeadingKeys` allows a `Scan`, which names no key. Operators this
//! evaluator does not know are an error when the policy is read, never a silent pass.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

/// A policy that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Not the shape of a policy document.
    #[error("{policy}: {reason}")]
    Malformed {
        /// Which policy.
        policy: String,
        /// What is wrong.
        reason: String,
    },
    /// A condition operator this evaluator does not implement.
    #[error("{policy}: the condition operator {operator} is not evaluated here")]
    UnknownOperator {
        /// Which policy.
        policy: String,
        /// The operator.
        operator: String,
    },
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Grants what it matches.
    Allow,
    /// Refuses what it matches, whatever else allows it.
    Deny,
}

/// A statement's actions: `Action` or `NotAction`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actions {
    /// These actions.
    Only(Vec<String>),
    /// Every action but these.
    AllBut(Vec<String>),
}

/// A statement's resources: `Resource` or `NotResource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resources {
    /// These resources.
    Only(Vec<String>),
    /// Every resource but these.
    AllBut(Vec<String>),
}

/// How a condition's values are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparison {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    Arn,
    Bool,
    NumericEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    Null,
}

/// `ForAllValues:` or `ForAnyValue:`, for keys with several values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetQualifier {
    ForAllValues,
    ForAnyValue,
}

/// One key of one operator of a `Condition` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The operator as written, e.g. `ForAllValues:StringLike`.
    pub operator: String,
    /// The condition key, e.g. `dynamodb:LeadingKeys`.
    pub key: String,
    /// The values the policy names.
    pub values: Vec<String>,
    comparison: Comparison,
    negated: bool,
    if_exists: bool,
    qualifier: Option<SetQualifier>,
}

/// One statement of a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Its `Sid`, if it has one.
    pub sid: Option<String>,
    /// `Allow` or `Deny`.
    pub effect: Effect,
    /// What it is about.
    pub actions: Actions,
    /// On what.
    pub resources: Resources,
    /// When.
    pub conditions: Vec<Condition>,
}

/// A policy document, named for the report (its logical id in the template, or its file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Where it comes from.
    pub name: String,
    /// Its statements, in order.
    pub statements: Vec<Statement>,
}

/// What IAM is asked: may this principal do `action` on `resource`, given `context`?
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `service:Action`, e.g. `sqs:SendMessage`.
    pub action: String,
    /// The resource's ARN, or `*` for an action that takes none.
    pub resource: String,
    /// The condition keys and their values, keys in lower case (IAM's keys are case-insensitive).
    pub context: BTreeMap<String, Vec<String>>,
}

impl Request {
    /// A request without condition keys.
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Request {
        Request { action: action.into(), resource: resource.into(), context: BTreeMap::new() }
    }

    /// The request with `key` set to `values`.
    pub fn with(mut self, key: &str, values: impl IntoIterator<Item = impl Into<String>>) -> Request {
        self.context.insert(key.to_ascii_lowercase(), values.into_iter().map(Into::into).collect());
        self
    }
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} on {}", self.action, self.resource)?;
        if !self.context.is_empty() {
            let keys: Vec<String> =
                self.context.iter().map(|(key, values)| format!("{key}={}", values.join("|"))).collect();
            write!(f, " with {}", keys.join(", "))?;
        }
        Ok(())
    }
}

/// A statement, by its policy and position, as the report names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StatementRef {
    /// The policy's index among those evaluated.
    pub policy: usize,
    /// The statement's index in its policy.
    pub statement: usize,
}

/// IAM's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Allowed by these statements (every one that matches).
    Allowed(Vec<StatementRef>),
    /// Refused by an explicit `Deny`.
    Denied(StatementRef),
    /// No statement allows it.
    NotAllowed,
}

impl Policy {
    /// Reads a policy document (`{"Version": ..., "Statement": [...]}`) whose intrinsics are
    /// resolved: every value a string (or a list of strings, a number or a boolean).
    pub fn parse(name: &str, document: &Value) -> Result<Policy, PolicyError> {
        let malformed = |reason: &str| PolicyError::Malformed { policy: name.to_owned(), reason: reason.to_owned() };
        let statements = match document.get("Statement") {
            Some(Value::Array(statements)) => statements.iter().collect(),
            Some(statement @ Value::Object(_)) => vec![statement],
            _ => return Err(malformed("no Statement")),
        };
        let statements = statements
            .into_iter()
            .enumerate()
            .map(|(index, statement)| {
                Statement::parse(statement).map_err(|error| match error {
                    StatementError::Malformed(reason) => malformed(&format!("statement {index}: {reason}")),
                    StatementError::Operator(operator) => {
                        PolicyError::UnknownOperator { policy: name.to_owned(), operator }
                    }
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Policy { name: name.to_owned(), statements })
    }
}

enum StatementError {
    Malformed(String),
    Operator(String),
}

impl Statement {
    fn parse(statement: &Value) -> Result<Statement, StatementError> {
        let malformed = |reason: &str| StatementError::Malformed(reason.to_owned());
        let effect = match statement.get("Effect").and_then(Value::as_str) {
            Some("Allow") => Effect::Allow,
            Some("Deny") => Effect::Deny,
            _ => return Err(malformed("Effect is neither Allow nor Deny")),
        };
        let actions = match (statement.get("Action"), statement.get("NotAction")) {
            (Some(actions), None) => Actions::Only(strings(actions).ok_or_else(|| malformed("Action"))?),
            (None, Some(actions)) => Actions::AllBut(strings(actions).ok_or_else(|| malformed("NotAction"))?),
            _ => return Err(malformed("one of Action and NotAction")),
        };
        let resources = match (statement.get("Resource"), statement.get("NotResource")) {
            (Some(resources), None) => Resources::Only(strings(resources).ok_or_else(|| malformed("Resource"))?),
            (None, Some(resources)) => Resources::AllBut(strings(resources).ok_or_else(|| malformed("NotResource"))?),
            _ => return Err(malformed("one of Resource and NotResource")),
        };
        let mut conditions = Vec::new();
        if let Some(block) = statement.get("Condition") {
            let block = block.as_object().ok_or_else(|| malformed("Condition is not an object"))?;
            for (operator, keys) in block {
                let keys = keys.as_object().ok_or_else(|| malformed("a condition operator's keys"))?;
                for (key, values) in keys {
                    let values = strings(values).ok_or_else(|| malformed("a condition's values"))?;
                    conditions
                        .push(Condition::new(operator, key, values).ok_or(StatementError::Operator(operator.clone()))?);
                }
            }
        }
        Ok(Statement {
            sid: statement.get("Sid").and_then(Value::as_str).map(str::to_owned),
            effect,
            actions,
            resources,
            conditions,
        })
    }

    /// Whether the statement applies to `request`.
    pub fn matches(&self, request: &Request) -> bool {
        self.matches_action(&request.action)
            && self.matches_resource(&request.resource)
            && self.conditions.iter().all(|condition| condition.holds(&request.context))
    }

    fn matches_action(&self, action: &str) -> bool {
        match &self.actions {
            Actions::Only(patterns) => patterns.iter().any(|pattern| action_matches(pattern, action)),
            Actions::AllBut(patterns) => !patterns.iter().any(|pattern| action_matches(pattern, action)),
        }
    }

    fn matches_resource(&self, resource: &str) -> bool {
        match &self.resources {
            Resources::Only(patterns) => patterns.iter().any(|pattern| resource_matches(pattern, resource)),
            Resources::AllBut(patterns) => !patterns.iter().any(|pattern| resource_matches(pattern, resource)),
        }
    }
}

impl Condition {
    fn new(operator: &str, key: &str, values: Vec<String>) -> Option<Condition> {
        let (qualifier, rest) = if let Some(rest) = operator.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else if let Some(rest) = operator.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else {
            (None, operator)
        };
        let (rest, if_exists) = match rest.strip_suffix("IfExists") {
            Some(rest) if rest != "Null" => (rest, true),
            _ => (rest, false),
        };
        let (comparison, negated) = match rest {
            "StringEquals" => (Comparison::StringEquals, false),
            "StringNotEquals" => (Comparison::StringEquals, true),
            "StringEqualsIgnoreCase" => (Comparison::StringEqualsIgnoreCase, false),
            "StringNotEqualsIgnoreCase" => (Comparison::StringEqualsIgnoreCase, true),
            "StringLike" => (Comparison::StringLike, false),
            "StringNotLike" => (Comparison::StringLike, true),
            "ArnEquals" | "ArnLike" => (Comparison::Arn, false),
            "ArnNotEquals" | "ArnNotLike" => (Comparison::Arn, true),
            "Bool" => (Comparison::Bool, false),
            "NumericEquals" => (Comparison::NumericEquals, false),
            "NumericNotEquals" => (Comparison::NumericEquals, true),
            "NumericLessThan" => (Comparison::NumericLessThan, false),
            "NumericLessThanEquals" => (Comparison::NumericLessThanEquals, false),
            "NumericGreaterThan" => (Comparison::NumericGreaterThan, false),
            "NumericGreaterThanEquals" => (Comparison::NumericGreaterThanEquals, false),
            "Null" if qualifier.is_none() => (Comparison::Null, false),
            _ => return None,
        };
        Some(Condition {
            operator: operator.to_owned(),
            key: key.to_owned(),
            values,
            comparison,
            negated,
            if_exists,
            qualifier,
        })
    }

    /// Whether the condition holds for a request with `context`.
    pub fn holds(&self, context: &BTreeMap<String, Vec<String>>) -> bool {
        let present = context.get(&self.key.to_ascii_lowercase()).filter(|values| !values.is_empty());
        if self.comparison == Comparison::Null {
            let absent = present.is_none();
            return self.values.iter().any(|value| value.eq_ignore_ascii_case(&absent.to_string()));
        }
        let Some(values) = present else {
            return match self.qualifier {
                Some(SetQualifier::ForAllValues) => true,
                Some(SetQualifier::ForAnyValue) => false,
                None => self.if_exists || self.negated,
            };
        };
        let holds_for = |value: &String| {
            let matched = self.values.iter().any(|policy| self.compare(policy, value));
            matched != self.negated
        };
        match self.qualifier {
            Some(SetQualifier::ForAllValues) => values.iter().all(holds_for),
            Some(SetQualifier::ForAnyValue) | None => values.iter().any(holds_for),
        }
    }

    fn compare(&self, policy: &str, value: &str) -> bool {
        let numbers = || Some((policy.parse::<f64>().ok()?, value.parse::<f64>().ok()?));
        match self.comparison {
            Comparison::StringEquals => policy == value,
            Comparison::StringEqualsIgnoreCase => policy.to_lowercase() == value.to_lowercase(),
            Comparison::StringLike => glob(policy.as_bytes(), value.as_bytes()),
            Comparison::Arn => arn_like(policy, value),
            Comparison::Bool => policy.eq_ignore_ascii_case(value),
            Comparison::NumericEquals => numbers().is_some_and(|(p, v)| v == p),
            Comparison::NumericLessThan => numbers().is_some_and(|(p, v)| v < p),
            Comparison::NumericLessThanEquals => numbers().is_some_and(|(p, v)| v <= p),
            Comparison::NumericGreaterThan => numbers().is_some_and(|(p, v)| v > p),
            Comparison::NumericGreaterThanEquals => numbers().is_some_and(|(p, v)| v >= p),
            Comparison::Null => false,
        }
    }
}

/// Evaluates `request` against `policies` together, as IAM evaluates a principal's identity
/// policies: an explicit deny, else the allows, else an implicit deny.
pub fn evaluate(policies: &[Policy], request: &Request) -> Decision {
    let mut allowed = Vec::new();
    for (p, policy) in policies.iter().enumerate() {
        for (s, statement) in policy.statements.iter().enumerate() {
            if !statement.matches(request) {
                continue;
            }
            let at = StatementRef { policy: p, statement: s };
            match statement.effect {
                Effect::Deny => return Decision::Denied(at),
                Effect::Allow => allowed.push(at),
            }
        }
    }
    if allowed.is_empty() { Decision::NotAllowed } else { Decision::Allowed(allowed) }
}

/// A JSON value as a list of strings: a string, a list of them, or numbers and booleans (which
/// IAM reads as their text).
fn strings(value: &Value) -> Option<Vec<String>> {
    let one = |value: &Value| match value {
        Value::String(text) => Some(text.clone()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    };
    match value {
        Value::Array(values) => values.iter().map(one).collect(),
        value => one(value).map(|value| vec![value]),
    }
}

/// An action pattern (`sqs:Send*`) against an action, case-insensitively.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    glob(pattern.to_ascii_lowercase().as_bytes(), action.to_ascii_lowercase().as_bytes())
}

/// A `Resource` pattern against a resource: `*` is every resource; an ARN is compared part by part.
pub fn resource_matches(pattern: &str, resource: &str) -> bool {
    pattern == "*" || arn_like(pattern, resource)
}

/// `ArnLike`, and a `Resource` against an ARN, as IAM matches them: `*` and `?` within the
/// colon-separated parts, except that a `*` ending its part (or the whole pattern) may run on
/// past colons (`arn:aws:sqs:*` is every queue). What is not an ARN is compared as a glob.
pub fn arn_like(pattern: &str, arn: &str) -> bool {
    if !pattern.starts_with("arn:") || !arn.starts_with("arn:") {
        return glob(pattern.as_bytes(), arn.as_bytes());
    }
    let (pattern, text) = (pattern.as_bytes(), arn.as_bytes());
    // matches[p][t]: pattern[p..] matches text[t..].
    let mut matches = vec![vec![false; text.len() + 1]; pattern.len() + 1];
    matches[pattern.len()][text.len()] = true;
    for p in (0..pattern.len()).rev() {
        for t in (0..=text.len()).rev() {
            matches[p][t] = match pattern[p] {
                b'*' => {
                    let spans = pattern.get(p + 1).is_none_or(|&next| next == b':');
                    matches[p + 1][t] || (t < text.len() && (spans || text[t] != b':') && matches[p][t + 1])
                }
                b'?' => t < text.len() && text[t] != b':' && matches[p + 1][t + 1],
                c => t < text.len() && text[t] == c && matches[p + 1][t + 1],
            };
        }
    }
    matches[0][0]
}

/// `*` (any run of characters, none included) and `?` (one character), case-sensitively.
pub fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn policy(statements: Value) -> Vec<Policy> {
        vec![Policy::parse("test", &json!({"Version": "2012-10-17", "Statement": statements})).unwrap()]
    }

    const TABLE: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/state";

    #[test]
    fn wildcards_match_within_a_part_and_a_star_matches_nothing_too() {
        assert!(glob(b"job#*", b"job#"));
        assert!(glob(b"a?c*", b"abcdef"));
        assert!(!glob(b"a?c", b"ac"));
        assert!(glob(b"*/bodies/*", b"bucket/bodies/x/y"));
        assert!(action_matches("SQS:send*", "sqs:SendMessage"));
        assert!(!action_matches("sqs:Send*", "sqs:ReceiveMessage"));
        assert!(arn_like("arn:aws:sqs:*:123456789012:hookway-*", "arn:aws:sqs:us-east-1:123456789012:hookway-events"));
        assert!(arn_like("arn:aws:sqs:*", "arn:aws:sqs:us-east-1:123456789012:q"), "a star ending its part runs on");
        assert!(!arn_like("arn:aws:sqs:us-*-1:1:q", "arn:aws:sqs:us-east:x-1:1:q"), "one inside its part stays there");
        assert!(arn_like("arn:aws:sqs:us-?ast-1:1:q", "arn:aws:sqs:us-east-1:1:q"));
        assert!(!arn_like("arn:aws:sqs:us-east-1:1:q", "arn:aws:sqs:us-east-1:1:q2"));
        // A listener's queue: the stack's name and eight characters, not another stack's queue.
        let listen = "arn:aws:sqs:us-east-1:1:hw-listen-????????";
        assert!(arn_like(listen, "arn:aws:sqs:us-east-1:1:hw-listen-0a1b2c3d"));
        assert!(!arn_like(listen, "arn:aws:sqs:us-east-1:1:hw-listen-x-listen-0a1b2c3d"));
        assert!(!arn_like(listen, "arn:aws:sqs:us-east-1:1:hw-listen-0a1b2c3"));
        assert!(arn_like(
            "arn:aws:logs:us-east-1:1:log-group:g:*",
            "arn:aws:logs:us-east-1:1:log-group:g:log-stream:s"
        ));
        assert!(!resource_matches("arn:aws:s3:::bucket/bodies/*", "arn:aws:s3:::bucket/events/x"));
        assert!(resource_matches("*", "anything"));
    }

    #[test]
    fn a_deny_wins_over_an_allow_and_nothing_allowed_is_denied() {
        let policies = policy(json!([
            {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "sqs:DeleteMessage", "Resource": "arn:aws:sqs:*:*:events"}
        ]));
        let allowed = evaluate(&policies, &Request::new("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:events"));
        assert_eq!(allowed, Decision::Allowed(vec![StatementRef { policy: 0, statement: 0 }]));
        let denied = evaluate(&policies, &Request::new("sqs:DeleteMessage", "arn:aws:sqs:us-east-1:1:events"));
        assert_eq!(denied, Decision::Denied(StatementRef { policy: 0, statement: 1 }));
        assert_eq!(evaluate(&policies, &Request::new("s3:GetObject", "arn:aws:s3:::b/k")), Decision::NotAllowed);
    }

    #[test]
    fn not_action_and_not_resource_match_everything_else() {
        let policies =
            policy(json!([{"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::secret/*"}]));
        assert!(matches!(evaluate(&policies, &Request::new("s3:GetObject", "arn:aws:s3:::b/k")), Decision::Allowed(_)));
        assert_eq!(evaluate(&policies, &Request::new("iam:PassRole", "*")), Decision::NotAllowed);
        assert_eq!(evaluate(&policies, &Request::new("s3:GetObject", "arn:aws:s3:::secret/k")), Decision::NotAllowed);
    }

    #[test]
    fn leading_keys_for_all_values_allow_only_job_records_and_a_scan_names_none() {
        let policies =
            policy(json!([{"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Scan"], "Resource": TABLE,
            "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["job#*"]}}}]));
        let get = |key: &str| Request::new("dynamodb:GetItem", TABLE).with("dynamodb:LeadingKeys", [key]);
        assert!(matches!(evaluate(&policies, &get("job#1")), Decision::Allowed(_)));
        assert_eq!(evaluate(&policies, &get("event#github#1")), Decision::NotAllowed);
        let both = Request::new("dynamodb:GetItem", TABLE).with("dynamodb:LeadingKeys", ["job#1", "circuit#x"]);
        assert_eq!(evaluate(&policies, &both), Decision::NotAllowed, "every value must match");
        let scan = Request::new("dynamodb:Scan", TABLE);
        assert!(matches!(evaluate(&policies, &scan), Decision::Allowed(_)), "an empty set satisfies ForAllValues");
    }

    #[test]
    fn for_any_value_needs_one_match_and_fails_without_the_key() {
        let policies = policy(json!([{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": TABLE,
            "Condition": {"ForAnyValue:StringEquals": {"dynamodb:LeadingKeys": ["a", "b"]}}}]));
        let with = |keys: &[&str]| Request::new("dynamodb:GetItem", TABLE).with("dynamodb:LeadingKeys", keys.to_vec());
        assert!(matches!(evaluate(&policies, &with(&["z", "b"])), Decision::Allowed(_)));
        assert_eq!(evaluate(&policies, &with(&["z"])), Decision::NotAllowed);
        assert_eq!(evaluate(&policies, &Request::new("dynamodb:GetItem", TABLE)), Decision::NotAllowed);
    }

    #[test]
    fn kms_through_ssm_for_named_parameters_only() {
        let parameter = "arn:aws:ssm:us-east-1:1:parameter/hookway/github/secret";
        let policies =
            policy(json!([{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:us-east-1:1:key/*",
            "Condition": {"StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com",
                                           "kms:EncryptionContext:PARAMETER_ARN": [parameter]}}}]));
        let decrypt = |via: &str, arn: &str| {
            Request::new("kms:Decrypt", "arn:aws:kms:us-east-1:1:key/k")
                .with("kms:ViaService", [via])
                .with("kms:EncryptionContext:PARAMETER_ARN", [arn])
        };
        assert!(matches!(
            evaluate(&policies, &decrypt("ssm.us-east-1.amazonaws.com", parameter)),
            Decision::Allowed(_)
        ));
        assert_eq!(evaluate(&policies, &decrypt("s3.us-east-1.amazonaws.com", parameter)), Decision::NotAllowed);
        assert_eq!(
            evaluate(&policies, &decrypt("ssm.us-east-1.amazonaws.com", &format!("{parameter}2"))),
            Decision::NotAllowed
        );
        assert_eq!(
            evaluate(&policies, &Request::new("kms:Decrypt", "arn:aws:kms:us-east-1:1:key/k")),
            Decision::NotAllowed,
            "a key the request lacks fails a positive operator"
        );
    }

    #[test]
    fn negated_operators_are_a_nor_and_pass_without_the_key_if_exists_passes_without_it() {
        let policies = policy(json!([
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
             "Condition": {"StringNotLike": {"s3:prefix": ["secret/*", "private/*"]}}},
            {"Effect": "Deny", "Action": "s3:ListBucket", "Resource": "*",
             "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}}}
        ]));
        let list = |prefix: Option<&str>| {
            let request = Request::new("s3:ListBucket", "arn:aws:s3:::b").with("aws:SecureTransport", ["true"]);
            match prefix {
                Some(prefix) => request.with("s3:prefix", [prefix]),
                None => request,
            }
        };
        assert!(matches!(evaluate(&policies, &list(Some("events/"))), Decision::Allowed(_)));
        assert_eq!(evaluate(&policies, &list(Some("private/x"))), Decision::NotAllowed);
        assert!(matches!(evaluate(&policies, &list(None)), Decision::Allowed(_)), "a negated operator without its key");
        let plain = Request::new("s3:ListBucket", "arn:aws:s3:::b");
        assert!(
            matches!(evaluate(&policies, &plain), Decision::Denied(_)),
            "BoolIfExists holds without the key: the deny applies"
        );
    }

    #[test]
    fn arn_conditions_null_and_numbers() {
        let policies = policy(json!([{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*", "Condition": {
            "ArnLike": {"aws:SourceArn": "arn:aws:lambda:*:1:function:hookway-*"},
            "Null": {"aws:SourceVpc": "true"},
            "NumericLessThanEquals": {"s3:max-keys": "1000"}}}]));
        let send = |source: &str, keys: &str| {
            Request::new("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q")
                .with("aws:SourceArn", [source])
                .with("s3:max-keys", [keys])
        };
        assert!(matches!(
            evaluate(&policies, &send("arn:aws:lambda:us-east-1:1:function:hookway-worker", "10")),
            Decision::Allowed(_)
        ));
        assert_eq!(evaluate(&policies, &send("arn:aws:lambda:us-east-1:1:function:other", "10")), Decision::NotAllowed);
        assert_eq!(
            evaluate(&policies, &send("arn:aws:lambda:us-east-1:1:function:hookway-worker", "1001")),
            Decision::NotAllowed
        );
        let in_vpc = send("arn:aws:lambda:us-east-1:1:function:hookway-worker", "1").with("aws:SourceVpc", ["vpc-1"]);
        assert_eq!(evaluate(&policies, &in_vpc), Decision::NotAllowed);
    }

    #[test]
    fn an_operator_it_does_not_know_is_an_error_not_a_pass() {
        let document = json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]});
        assert_eq!(
            Policy::parse("p", &document),
            Err(PolicyError::UnknownOperator { policy: "p".into(), operator: "IpAddress".into() })
        );
        let document = json!({"Statement": [{"Effect": "Allow", "Resource": "*"}]});
        assert!(matches!(Policy::parse("p", &document), Err(PolicyError::Malformed { .. })));
    }
}
