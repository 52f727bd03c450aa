//! Every call of a run, replayed against the policy of whoever makes it in AWS: a function's calls
//! against its role, Lambda's own calls for a function (its event source mapping's polls and
//! deletes, its on-failure destination's send) against that function's role, and the operator
//! commands' calls against the operator policy. What would be denied is reported with its caller,
//! action, resource and condition keys; what is granted and no call used is listed, grant by grant.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use crate::calls::{Call, CallError};
use crate::policy::{
    Actions, Decision, Effect, Policy, Request, Resources, StatementRef, action_matches, evaluate, resource_matches,
};
use crate::template::{Template, TemplateError};

/// Who a caller (an SDK application name in moto's log) is in AWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// A function, running the binary of this name: its role.
    Function,
    /// Lambda's own service acting for a function (the event source mapping, a destination): the
    /// role of the function the template ties the resource to.
    LambdaService,
    /// The operator commands: the operator policy.
    Operator,
    /// Not checked, for this reason (what CloudFormation does in AWS, a test's own client).
    Unchecked(&'static str),
}

/// The principal a call is checked as: a role of the template, or the operator.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Principal {
    /// The role of the function running this binary.
    Function(String),
    /// The operator policy.
    Operator,
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Principal::Function(binary) => write!(f, "{binary}"),
            Principal::Operator => write!(f, "operator"),
        }
    }
}

/// The check cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// The template.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// A call.
    #[error(transparent)]
    Call(#[from] CallError),
    /// A caller nobody said how to check.
    #[error("{caller} made {count} call(s) ({example}), and nothing says whose permissions they are made with")]
    UnknownCaller {
        /// Its name.
        caller: String,
        /// How many calls.
        count: u64,
        /// One of them.
        example: String,
    },
    /// Lambda acted on a resource no function of the template is tied to.
    #[error(
        "Lambda's {operation} on {resource}: no event source mapping or destination of the template ties it to a function"
    )]
    NoServedFunction {
        /// The call.
        operation: String,
        /// Its resource.
        resource: String,
    },
    /// Lambda acted on a resource several functions are tied to, whose calls cannot be told apart.
    #[error("Lambda's {operation} on {resource}: several functions are tied to it ({functions:?})")]
    SeveralServedFunctions {
        /// The call.
        operation: String,
        /// Its resource.
        resource: String,
        /// Their logical ids.
        functions: Vec<String>,
    },
    /// The operator commands made calls, and no operator policy was given.
    #[error("the operator commands made calls, and there is no operator policy to check them against")]
    NoOperatorPolicy,
}

/// One action of one statement, on one of its resources: the unit a grant is used or not in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Grant {
    /// Whose.
    pub principal: Principal,
    /// The policy (its logical id, or the operator policy's file).
    pub policy: String,
    /// The statement's index in it.
    pub statement: usize,
    /// The action, as the statement names it (`NotAction …` for a statement that excludes).
    pub action: String,
    /// The resource, resolved against the local stack.
    pub resource: String,
    /// Its conditions, as written (`ForAllValues:StringLike dynamodb:LeadingKeys [job#*]`).
    pub conditions: Vec<String>,
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} on {} ({} statement {})",
            self.principal, self.action, self.resource, self.policy, self.statement
        )?;
        if !self.conditions.is_empty() {
            write!(f, " when {}", self.conditions.join(" and "))?;
        }
        Ok(())
    }
}

/// A call the policy would refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// Who made it (its SDK application name).
    pub caller: String,
    /// Whose permissions it is made with.
    pub principal: Principal,
    /// The role (its logical id) or the operator policy.
    pub policies: String,
    /// The operation, as the API names it.
    pub operation: String,
    /// What IAM is asked.
    pub request: Request,
    /// Why: the explicit deny, or that nothing allows it.
    pub why: String,
    /// How many times it was made.
    pub count: u64,
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}) would be denied {} ({}, {} time(s)): {}",
            self.caller, self.policies, self.request, self.operation, self.count, self.why
        )
    }
}

/// A reason a grant stands though the run did not use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reason {
    /// Whose grant: a function's binary name, or `operator`.
    pub principal: &'static str,
    /// The action, as the statement names it.
    pub action: &'static str,
    /// A part of the resolved resource that picks the grant out (`""`: any of that action's).
    pub resource: &'static str,
    /// Why it is granted.
    pub why: &'static str,
}

impl Reason {
    fn explains(&self, grant: &Grant) -> bool {
        self.principal == grant.principal.to_string()
            && self.action.eq_ignore_ascii_case(&grant.action)
            && grant.resource.contains(self.resource)
    }
}

/// What the check found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Calls checked, and requests made of IAM for them.
    pub checked: u64,
    /// Requests made of IAM.
    pub requests: u64,
    /// What would be denied.
    pub denials: Vec<Denial>,
    /// Every grant of the principals checked, and whether a call used it.
    pub grants: BTreeMap<Grant, bool>,
    /// Calls not checked, by caller: how many, and why not.
    pub unchecked: BTreeMap<String, (u64, &'static str)>,
    /// Managed policies a role names that the template does not hold: not evaluated.
    pub unevaluated: Vec<String>,
}

impl Report {
    /// The grants no call used.
    pub fn unused(&self) -> impl Iterator<Item = &Grant> {
        self.grants.iter().filter(|(_, used)| !**used).map(|(grant, _)| grant)
    }

    /// The unused grants no reason explains, and the reasons that explain no unused grant (a
    /// grant the run did use, or that is no longer there).
    pub fn unexplained<'a>(&'a self, reasons: &'a [Reason]) -> (Vec<&'a Grant>, Vec<&'a Reason>) {
        let unused: Vec<&Grant> = self.unused().collect();
        let unexplained = unused.iter().filter(|grant| !reasons.iter().any(|r| r.explains(grant))).copied().collect();
        let stale = reasons.iter().filter(|reason| !unused.iter().any(|grant| reason.explains(grant))).collect();
        (unexplained, stale)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} distinct call(s) checked, {} IAM request(s)", self.checked, self.requests)?;
        for (caller, (count, why)) in &self.unchecked {
            writeln!(f, "not checked: {count} call(s) by {caller}: {why}")?;
        }
        for policy in &self.unevaluated {
            writeln!(f, "not evaluated (not in the template): {policy}")?;
        }
        if self.denials.is_empty() {
            writeln!(f, "no call would be denied")?;
        }
        for denial in &self.denials {
            writeln!(f, "DENIED: {denial}")?;
        }
        let unused: Vec<&Grant> = self.unused().collect();
        writeln!(f, "{} of {} grant(s) used; unused:", self.grants.len() - unused.len(), self.grants.len())?;
        for grant in unused {
            writeln!(f, "  {grant}")?;
        }
        Ok(())
    }
}

/// The policies of one principal, and the role they are of.
#[derive(Debug, Clone)]
struct Subject {
    name: String,
    policies: Vec<Policy>,
}

/// The principals' policies, read from the template (or the operator policy) on first use.
struct Subjects<'a> {
    root: &'a Path,
    operator: Option<&'a Policy>,
    read: BTreeMap<Principal, Subject>,
    unevaluated: Vec<String>,
}

impl Subjects<'_> {
    fn get(&mut self, principal: &Principal, template: &Template) -> Result<&Subject, CheckError> {
        let Subjects { root, operator, read, unevaluated } = self;
        match read.entry(principal.clone()) {
            Entry::Occupied(entry) => Ok(entry.into_mut()),
            Entry::Vacant(entry) => {
                let subject = match principal {
                    Principal::Operator => Subject {
                        name: "operator policy".to_owned(),
                        policies: vec![operator.ok_or(CheckError::NoOperatorPolicy)?.clone()],
                    },
                    Principal::Function(binary) => {
                        let role = template.role_of(&template.function_running(binary, root)?)?;
                        let policies = template.policies_of(&role)?;
                        unevaluated.extend(policies.unevaluated.iter().map(|arn| format!("{arn} (role {role})")));
                        Subject { name: format!("role {role}"), policies: policies.policies }
                    }
                };
                Ok(entry.insert(subject))
            }
        }
    }
}

/// Checks `calls` against `template` (bound to the local stack) and `operator`'s policy; `callers`
/// says who each caller is, and `root` is where the template's code paths are relative to.
pub fn check(
    template: &mut Template,
    root: &Path,
    operator: Option<&Policy>,
    callers: &[(&str, Caller)],
    calls: &[Call],
    partition: &str,
) -> Result<Report, CheckError> {
    // Functions first: bound to their local names, the others' policies resolve their ARNs.
    let mut functions = BTreeMap::new();
    for (caller, kind) in callers {
        if *kind == Caller::Function {
            let id = template.function_running(caller, root)?;
            template.bind_function(&id, caller);
            functions.insert(id, caller.to_string());
        }
    }
    let template = &*template;
    let mut report = Report::default();
    let mut subjects = Subjects { root, operator, read: BTreeMap::new(), unevaluated: Vec::new() };
    let mut used: BTreeSet<(Principal, usize, usize, usize, usize)> = BTreeSet::new();
    for call in calls {
        let kind = callers.iter().find(|(name, _)| *name == call.caller).map(|(_, kind)| *kind);
        let requests = match kind {
            Some(Caller::Unchecked(why)) => {
                report.unchecked.entry(call.caller.clone()).or_insert((0, why)).0 += call.count;
                continue;
            }
            None => {
                let count = calls.iter().filter(|c| c.caller == call.caller).map(|c| c.count).sum();
                let example = format!("{}:{}", call.service, call.operation);
                return Err(CheckError::UnknownCaller { caller: call.caller.clone(), count, example });
            }
            Some(_) => call.requests(partition)?,
        };
        report.checked += 1;
        for request in requests {
            report.requests += 1;
            let principal = match kind {
                Some(Caller::Operator) => Principal::Operator,
                Some(Caller::LambdaService) => {
                    Principal::Function(served_function(template, &functions, call, &request)?)
                }
                _ => Principal::Function(call.caller.clone()),
            };
            let subject = subjects.get(&principal, template)?;
            match evaluate(&subject.policies, &request) {
                Decision::Allowed(statements) => {
                    for at in statements {
                        for (action, resource) in used_entries(&subject.policies, at, &request) {
                            used.insert((principal.clone(), at.policy, at.statement, action, resource));
                        }
                    }
                }
                decision => {
                    // The same request in several calls (a parameter read with others) is one denial.
                    let same = report.denials.iter_mut().find(|denial| {
                        denial.caller == call.caller && denial.principal == principal && denial.request == request
                    });
                    if let Some(denial) = same {
                        denial.count += call.count;
                        continue;
                    }
                    let why = match decision {
                        Decision::Denied(at) => format!("explicitly denied by {}", describe(&subject.policies, at)),
                        _ => format!("no statement of {} allows it", names(&subject.policies)),
                    };
                    report.denials.push(Denial {
                        caller: call.caller.clone(),
                        principal: principal.clone(),
                        policies: subject.name.clone(),
                        operation: format!("{}:{}", call.service, call.operation),
                        request,
                        why,
                        count: call.count,
                    });
                }
            }
        }
    }

    for (principal, subject) in &subjects.read {
        for (p, policy) in subject.policies.iter().enumerate() {
            for (s, statement) in policy.statements.iter().enumerate() {
                if statement.effect != Effect::Allow {
                    continue;
                }
                let conditions: Vec<String> = statement
                    .conditions
                    .iter()
                    .map(|c| format!("{} {} [{}]", c.operator, c.key, c.values.join(", ")))
                    .collect();
                for (a, action) in entries(&statement.actions).iter().enumerate() {
                    for (r, resource) in resource_entries(&statement.resources).iter().enumerate() {
                        let grant = Grant {
                            principal: principal.clone(),
                            policy: policy.name.clone(),
                            statement: s,
                            action: action.clone(),
                            resource: resource.clone(),
                            conditions: conditions.clone(),
                        };
                        report.grants.insert(grant, used.contains(&(principal.clone(), p, s, a, r)));
                    }
                }
            }
        }
    }
    report.unevaluated = subjects.unevaluated;
    Ok(report)
}

/// The function Lambda acts for when it makes `request`: the one whose event source mapping or
/// destination is the request's resource.
fn served_function(
    template: &Template,
    functions: &BTreeMap<String, String>,
    call: &Call,
    request: &Request,
) -> Result<String, CheckError> {
    let served: Vec<String> = template.functions_served_by(&request.resource)?.into_iter().collect();
    let no_function =
        || CheckError::NoServedFunction { operation: call.operation.clone(), resource: request.resource.clone() };
    match served.as_slice() {
        [] => Err(no_function()),
        [id] => functions.get(id).cloned().ok_or_else(no_function),
        _ => Err(CheckError::SeveralServedFunctions {
            operation: call.operation.clone(),
            resource: request.resource.clone(),
            functions: served,
        }),
    }
}

/// The action and resource entries of the statement at `at` that `request` matched.
fn used_entries(policies: &[Policy], at: StatementRef, request: &Request) -> Vec<(usize, usize)> {
    let statement = &policies[at.policy].statements[at.statement];
    let actions: Vec<usize> = match &statement.actions {
        Actions::Only(patterns) => {
            (0..patterns.len()).filter(|&i| action_matches(&patterns[i], &request.action)).collect()
        }
        Actions::AllBut(_) => vec![0],
    };
    let resources: Vec<usize> = match &statement.resources {
        Resources::Only(patterns) => {
            (0..patterns.len()).filter(|&i| resource_matches(&patterns[i], &request.resource)).collect()
        }
        Resources::AllBut(_) => vec![0],
    };
    actions.iter().flat_map(|&a| resources.iter().map(move |&r| (a, r))).collect()
}

fn entries(actions: &Actions) -> Vec<String> {
    match actions {
        Actions::Only(actions) => actions.clone(),
        Actions::AllBut(actions) => vec![format!("NotAction {}", actions.join(", "))],
    }
}

fn resource_entries(resources: &Resources) -> Vec<String> {
    match resources {
        Resources::Only(resources) => resources.clone(),
        Resources::AllBut(resources) => vec![format!("NotResource {}", resources.join(", "))],
    }
}

fn describe(policies: &[Policy], at: StatementRef) -> String {
    let policy = &policies[at.policy];
    let sid = policy.statements[at.statement].sid.as_deref().map(|sid| format!(" ({sid})")).unwrap_or_default();
    format!("{} statement {}{sid}", policy.name, at.statement)
}

fn names(policies: &[Policy]) -> String {
    let names: Vec<&str> = policies.iter().map(|policy| policy.name.as_str()).collect();
    if names.is_empty() { "its (no) policies".to_owned() } else { names.join(", ") }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::template::Binding;

    const QUEUE_URL: &str = "http://127.0.0.1:5000/123456789012/hookway-events";
    const DLQ_URL: &str = "http://127.0.0.1:5000/123456789012/hookway-jobs-dlq";
    const CALLERS: &[(&str, Caller)] = &[
        ("hookway-worker", Caller::Function),
        ("lambda-service", Caller::LambdaService),
        ("hookway-cli", Caller::Operator),
        ("other", Caller::Unchecked("the test's own")),
    ];

    /// A worker whose role may send to the events queue and, through Lambda, consume it and send
    /// failed jobs to the jobs DLQ.
    fn template() -> Template {
        let template = json!({
            "Resources": {
                "Events": {"Type": "AWS::SQS::Queue"},
                "JobsDlq": {"Type": "AWS::SQS::Queue"},
                "Role": {"Type": "AWS::IAM::Role", "Properties": {"Description": "hookway-worker: grants"}},
                "Policy": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Ref": "Role"}], "PolicyDocument": {"Statement": [
                    {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueUrl"],
                     "Resource": {"Fn::GetAtt": ["Events", "Arn"]}},
                    {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": [
                        {"Fn::GetAtt": ["Events", "Arn"]}, {"Fn::GetAtt": ["JobsDlq", "Arn"]}]}
                ]}}},
                "Worker": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}}},
                "Mapping": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
                    "EventSourceArn": {"Fn::GetAtt": ["Events", "Arn"]}, "FunctionName": {"Ref": "Worker"}}},
                "Async": {"Type": "AWS::Lambda::EventInvokeConfig", "Properties": {"FunctionName": {"Ref": "Worker"},
                    "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": ["JobsDlq", "Arn"]}}}}}
            },
            "Outputs": {"EventsQueueUrl": {"Value": {"Ref": "Events"}}, "JobsDeadLetterQueueUrl": {"Value": {"Ref": "JobsDlq"}}}
        });
        let binding = Binding {
            partition: "aws".into(),
            region: "us-east-1".into(),
            account: "123456789012".into(),
            stack_name: "hookway".into(),
            outputs: BTreeMap::from([
                ("EventsQueueUrl".to_owned(), QUEUE_URL.to_owned()),
                ("JobsDeadLetterQueueUrl".to_owned(), DLQ_URL.to_owned()),
            ]),
            singletons: BTreeMap::new(),
        };
        Template::new(&template, binding).unwrap()
    }

    fn call(caller: &str, operation: &str, queue: &str) -> Call {
        serde_json::from_value(
            json!({"caller": caller, "service": "sqs", "operation": operation, "region": "us-east-1",
            "account": "123456789012", "count": 2, "queueUrl": queue}),
        )
        .unwrap()
    }

    fn operator() -> Policy {
        let document: Value = json!({"Statement": [{"Effect": "Allow", "Action": "sqs:ReceiveMessage",
            "Resource": "arn:aws:sqs:us-east-1:123456789012:hookway-*"}]});
        Policy::parse("operator-policy.json", &document).unwrap()
    }

    fn run(calls: &[Call]) -> Result<Report, CheckError> {
        check(&mut template(), Path::new("/nonexistent"), Some(&operator()), CALLERS, calls, "aws")
    }

    #[test]
    fn lambdas_own_calls_are_checked_against_the_role_of_the_function_it_serves() {
        let calls = [
            call("lambda-service", "ReceiveMessage", QUEUE_URL),
            call("lambda-service", "DeleteMessageBatch", QUEUE_URL),
            call("lambda-service", "SendMessage", DLQ_URL),
            call("hookway-worker", "SendMessageBatch", QUEUE_URL),
            call("hookway-cli", "ReceiveMessage", DLQ_URL),
            call("other", "PurgeQueue", QUEUE_URL),
        ];
        let report = run(&calls).unwrap();
        assert!(report.denials.is_empty(), "{report}");
        assert_eq!((report.checked, report.requests), (5, 5));
        assert_eq!(report.unchecked["other"], (2, "the test's own"));
        let unused: Vec<String> =
            report.unused().map(|grant| format!("{} {}", grant.principal, grant.action)).collect();
        assert_eq!(unused, ["hookway-worker sqs:GetQueueUrl"], "{report}");
    }

    #[test]
    fn a_denial_names_the_caller_action_resource_and_condition_keys() {
        let report = run(&[call("hookway-worker", "DeleteMessage", DLQ_URL)]).unwrap();
        let [denial] = report.denials.as_slice() else { panic!("{report}") };
        let said = denial.to_string();
        for part in [
            "hookway-worker (role Role)",
            "sqs:DeleteMessage on arn:aws:sqs:us-east-1:123456789012:hookway-jobs-dlq",
            "aws:securetransport=true",
            "(sqs:DeleteMessage, 2 time(s))",
            "no statement of Policy allows it",
        ] {
            assert!(said.contains(part), "{part:?} in {said}");
        }
    }

    #[test]
    fn an_unknown_caller_or_a_call_lambda_makes_for_no_function_is_an_error() {
        let unknown = run(&[call("hookway-other", "SendMessage", QUEUE_URL)]);
        assert!(
            matches!(unknown, Err(CheckError::UnknownCaller { ref caller, count: 2, .. }) if caller == "hookway-other")
        );
        let stray = run(&[call("lambda-service", "ReceiveMessage", "http://127.0.0.1:5000/123456789012/elsewhere")]);
        assert!(matches!(stray, Err(CheckError::NoServedFunction { .. })), "{stray:?}");
    }

    #[test]
    fn a_query_of_an_index_is_allowed_by_a_grant_on_that_index_only() {
        // The stack's grant: the table's ARN joined with /index/parked, as the CDK writes it.
        let document = json!({
            "Resources": {
                "Table": {"Type": "AWS::DynamoDB::Table"},
                "Role": {"Type": "AWS::IAM::Role", "Properties": {"Description": "hookway-worker: grants"}},
                "Policy": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Ref": "Role"}], "PolicyDocument": {"Statement": [
                    {"Effect": "Allow", "Action": "dynamodb:Query",
                     "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": ["Table", "Arn"]}, "/index/parked"]]}}
                ]}}},
                "Worker": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}}}
            },
            "Outputs": {"TableName": {"Value": {"Ref": "Table"}}}
        });
        let binding = Binding {
            partition: "aws".into(),
            region: "us-east-1".into(),
            account: "123456789012".into(),
            stack_name: "hookway".into(),
            outputs: BTreeMap::from([("TableName".to_owned(), "hookway-state".to_owned())]),
            singletons: BTreeMap::new(),
        };
        let query = |index: Option<&str>| -> Call {
            serde_json::from_value(json!({"caller": "hookway-worker", "service": "dynamodb", "operation": "Query",
                "region": "us-east-1", "account": "123456789012", "count": 1,
                "tables": [{"name": "hookway-state", "partitionKeys": ["https://a.example.com/in"], "index": index}]}))
            .unwrap()
        };
        let checked = |calls: &[Call]| {
            let mut template = Template::new(&document, binding.clone()).unwrap();
            check(&mut template, Path::new("/nonexistent"), None, CALLERS, calls, "aws").unwrap()
        };

        let report = checked(&[query(Some("parked"))]);
        assert!(report.denials.is_empty(), "{report}");
        assert_eq!(report.unused().count(), 0, "{report}");

        // The table itself, or another index, is not what the grant names.
        for index in [None, Some("other")] {
            let report = checked(&[query(index)]);
            let [denial] = report.denials.as_slice() else { panic!("{report}") };
            let expected = match index {
                None => "dynamodb:Query on arn:aws:dynamodb:us-east-1:123456789012:table/hookway-state ".to_owned(),
                Some(index) => format!(
                    "dynamodb:Query on arn:aws:dynamodb:us-east-1:123456789012:table/hookway-state/index/{index} "
                ),
            };
            assert!(denial.to_string().contains(&expected), "{denial}");
        }
    }

    #[test]
    fn unused_grants_need_a_reason_and_a_reason_needs_an_unused_grant() {
        let report = run(&[call("lambda-service", "ReceiveMessage", QUEUE_URL)]).unwrap();
        let reasons = [
            Reason { principal: "hookway-worker", action: "sqs:GetQueueUrl", resource: "", why: "the CDK grants it" },
            Reason { principal: "hookway-worker", action: "sqs:ReceiveMessage", resource: "", why: "stale" },
            Reason {
                principal: "hookway-worker",
                action: "sqs:SendMessage",
                resource: "jobs-dlq",
                why: "failures only",
            },
        ];
        let (unexplained, stale) = report.unexplained(&reasons);
        let unexplained: Vec<String> = unexplained.iter().map(|g| format!("{} {}", g.action, g.resource)).collect();
        assert_eq!(
            unexplained,
            [
                "sqs:DeleteMessage arn:aws:sqs:us-east-1:123456789012:hookway-events",
                "sqs:SendMessage arn:aws:sqs:us-east-1:123456789012:hookway-events"
            ]
        );
        assert_eq!(stale, [&reasons[1]]);
    }
}
