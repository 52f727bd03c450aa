//! The synthesised CloudFormation template, read with the local stack's names in place of AWS's:
//! each function, its role, and the policies attached to that role, with every intrinsic
//! resolved.
//!
//! Nothing here knows a logical id. The stack's resources are tied to the local ones by what the
//! template itself says: an output whose value is a `Ref` or `Fn::GetAtt` of a resource names
//! that resource, and the local stack has the same outputs ([`Binding::outputs`]); a function is
//! known by the crate its code is built from (`aws:asset:path`, whose `Cargo.toml` names the
//! binary) or by its role's description, which names the binary too; a resource type the stack
//! holds once (the archive's Firehose delivery stream) is bound by its type. A resource left
//! unbound — a log group, an alarm topic — resolves to `<LogicalId>` or `<LogicalId.Attribute>`,
//! which no call's resource matches.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Map, Value};

use crate::policy::{Policy, PolicyError};

/// A template that cannot be read as this check needs it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// Not a CloudFormation template.
    #[error("the template has no Resources")]
    NoResources,
    /// An intrinsic function this check does not resolve, or one malformed.
    #[error("{at}: cannot resolve {what}")]
    Intrinsic {
        /// Where in the template.
        at: String,
        /// What.
        what: String,
    },
    /// No function of the template runs this binary.
    #[error("no AWS::Lambda::Function of the template runs {0} (by its code's crate or its role's description)")]
    NoFunction(String),
    /// Several do.
    #[error("several functions of the template run {binary}: {functions:?}")]
    SeveralFunctions {
        /// The binary.
        binary: String,
        /// Their logical ids.
        functions: Vec<String>,
    },
    /// The function's role is not one of the template's.
    #[error("{0}: its Role is not a Fn::GetAtt of a role in the template")]
    ExternalRole(String),
    /// A policy.
    #[error(transparent)]
    Policy(#[from] PolicyError),
}

/// What the local stack is, in the terms of a deployed one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// `aws`.
    pub partition: String,
    /// The local stack's region.
    pub region: String,
    /// moto's account.
    pub account: String,
    /// The local stack's name, for `AWS::StackName`.
    pub stack_name: String,
    /// The local stack's outputs, by the keys of the deployed stack's (`EventsQueueUrl` → its URL).
    pub outputs: BTreeMap<String, String>,
    /// The local name of the one resource of a type (`AWS::KinesisFirehose::DeliveryStream` →
    /// `hookway-archive`), for the types no output names.
    pub singletons: BTreeMap<String, String>,
}

/// A resource of the template with its local counterpart: what `Ref` and `Fn::GetAtt` give.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Bound {
    reference: String,
    attributes: BTreeMap<String, String>,
}

/// The template, with its resources bound to the local stack's.
#[derive(Debug, Clone)]
pub struct Template {
    resources: Map<String, Value>,
    bound: BTreeMap<String, Bound>,
    binding: Binding,
}

/// The policies that apply to one role.
#[derive(Debug, Clone)]
pub struct RolePolicies {
    /// The role's logical id.
    pub role: String,
    /// Its policies: those attached to it (`AWS::IAM::Policy`, `AWS::IAM::ManagedPolicy`) and
    /// its inline ones.
    pub policies: Vec<Policy>,
    /// Managed policies it names that the template does not hold (AWS managed ones): not
    /// evaluated, so what they would allow is reported denied.
    pub unevaluated: Vec<String>,
}

impl Template {
    /// Reads `template`, binding its resources to the local stack's as `binding` describes.
    pub fn new(template: &Value, binding: Binding) -> Result<Template, TemplateError> {
        let resources =
            template.get("Resources").and_then(Value::as_object).cloned().ok_or(TemplateError::NoResources)?;
        let mut this = Template { resources, bound: BTreeMap::new(), binding };
        let outputs = template.get("Outputs").and_then(Value::as_object).cloned().unwrap_or_default();
        for (key, output) in &outputs {
            let Some(local) = this.binding.outputs.get(key).cloned() else { continue };
            let value = output.get("Value");
            if let Some(id) = value.and_then(|value| value.get("Ref")).and_then(Value::as_str) {
                this.bind(id, &local, None);
            } else if let Some([id, attribute]) = value.and_then(|value| value.get("Fn::GetAtt")).and_then(get_att) {
                this.bind(&id, &local, Some(&attribute));
            }
        }
        let singletons: Vec<(String, String)> =
            this.binding.singletons.iter().map(|(kind, name)| (kind.clone(), name.clone())).collect();
        for (kind, name) in singletons {
            let of_kind = this.of_type(&kind);
            if let [id] = of_kind.as_slice()
                && !this.bound.contains_key(id)
            {
                this.bind(id, &name, None);
            }
        }
        Ok(this)
    }

    /// The logical ids of the resources of `kind`.
    pub fn of_type(&self, kind: &str) -> Vec<String> {
        self.resources
            .iter()
            .filter(|(_, resource)| resource.get("Type").and_then(Value::as_str) == Some(kind))
            .map(|(id, _)| id.clone())
            .collect()
    }

    fn resource(&self, id: &str) -> Option<&Value> {
        self.resources.get(id)
    }

    fn properties(&self, id: &str) -> Option<&Value> {
        self.resource(id).and_then(|resource| resource.get("Properties"))
    }

    /// Binds resource `id` to the local resource `local` names: its URL, name or ARN, as the
    /// output's `Ref` or `attribute` gives it.
    fn bind(&mut self, id: &str, local: &str, attribute: Option<&str>) {
        let Some(kind) = self.resource(id).and_then(|resource| resource.get("Type")).and_then(Value::as_str) else {
            return;
        };
        let name = match attribute {
            Some("Arn") => arn_name(local),
            _ => local.rsplit('/').next().unwrap_or(local).to_owned(),
        };
        let (p, r, a) = (&self.binding.partition, &self.binding.region, &self.binding.account);
        let (reference, attributes): (String, Vec<(&str, String)>) = match kind {
            "AWS::SQS::Queue" => {
                let url = if attribute.is_none() { local.to_owned() } else { format!("<{id}.QueueUrl>") };
                let arn = format!("arn:{p}:sqs:{r}:{a}:{name}");
                (url.clone(), vec![("Arn", arn), ("QueueName", name.clone()), ("QueueUrl", url)])
            }
            "AWS::DynamoDB::Table" => (name.clone(), vec![("Arn", format!("arn:{p}:dynamodb:{r}:{a}:table/{name}"))]),
            "AWS::S3::Bucket" => (name.clone(), vec![("Arn", format!("arn:{p}:s3:::{name}"))]),
            "AWS::Lambda::Function" => (name.clone(), vec![("Arn", format!("arn:{p}:lambda:{r}:{a}:function:{name}"))]),
            "AWS::KinesisFirehose::DeliveryStream" => {
                (name.clone(), vec![("Arn", format!("arn:{p}:firehose:{r}:{a}:deliverystream/{name}"))])
            }
            "AWS::SNS::Topic" => {
                let arn = format!("arn:{p}:sns:{r}:{a}:{name}");
                (arn.clone(), vec![("TopicArn", arn), ("TopicName", name.clone())])
            }
            "AWS::SSM::Parameter" => (name.clone(), vec![]),
            _ => return,
        };
        let attributes = attributes.into_iter().map(|(key, value)| (key.to_owned(), value)).collect();
        self.bound.insert(id.to_owned(), Bound { reference, attributes });
    }

    /// The logical id of the function that runs `binary`: the one whose code is built from the
    /// crate with that binary, or else whose role's description begins `binary:`.
    pub fn function_running(&self, binary: &str, root: &Path) -> Result<String, TemplateError> {
        let functions = self.of_type("AWS::Lambda::Function");
        let by_crate: Vec<String> = functions
            .iter()
            .filter(|id| {
                let asset = self.resource(id).and_then(|resource| resource.pointer("/Metadata/aws:asset:path"));
                asset.and_then(Value::as_str).is_some_and(|path| crate_builds(&root.join(path), binary))
            })
            .cloned()
            .collect();
        let found = if by_crate.is_empty() {
            functions
                .iter()
                .filter(|id| {
                    let role = self.role_of(id).ok();
                    let description =
                        role.and_then(|role| self.properties(&role)?.get("Description")?.as_str().map(str::to_owned));
                    description.is_some_and(|text| text.starts_with(&format!("{binary}:")))
                })
                .cloned()
                .collect()
        } else {
            by_crate
        };
        match found.as_slice() {
            [] => Err(TemplateError::NoFunction(binary.to_owned())),
            [id] => Ok(id.clone()),
            _ => Err(TemplateError::SeveralFunctions { binary: binary.to_owned(), functions: found }),
        }
    }

    /// Binds function `id` to the local function `name` (when no output has).
    pub fn bind_function(&mut self, id: &str, name: &str) {
        if !self.bound.contains_key(id) {
            self.bind(id, name, None);
        }
    }

    /// The logical id of the role function `id` runs with.
    pub fn role_of(&self, function: &str) -> Result<String, TemplateError> {
        let role = self.properties(function).and_then(|properties| properties.get("Role"));
        let id = role.and_then(|role| role.get("Fn::GetAtt")).and_then(get_att).map(|[id, _]| id);
        id.filter(|id| self.resource(id).is_some()).ok_or_else(|| TemplateError::ExternalRole(function.to_owned()))
    }

    /// The logical ids of the functions that `kind` resources (`AWS::Lambda::EventSourceMapping`
    /// by `EventSourceArn`, `AWS::Lambda::EventInvokeConfig` by its on-failure destination) tie
    /// to the local resource whose ARN is `arn`: the functions Lambda acts for there.
    pub fn functions_served_by(&self, arn: &str) -> Result<BTreeSet<String>, TemplateError> {
        let mut functions = BTreeSet::new();
        for (kind, pointer) in [
            ("AWS::Lambda::EventSourceMapping", "/EventSourceArn"),
            ("AWS::Lambda::EventInvokeConfig", "/DestinationConfig/OnFailure/Destination"),
            ("AWS::Lambda::EventInvokeConfig", "/DestinationConfig/OnSuccess/Destination"),
        ] {
            for id in self.of_type(kind) {
                let Some(properties) = self.properties(&id) else { continue };
                let Some(target) = properties.pointer(pointer) else { continue };
                if self.resolve(target, &id)?.as_str() != Some(arn) {
                    continue;
                }
                let function = properties.get("FunctionName").and_then(|name| name.get("Ref")).and_then(Value::as_str);
                if let Some(function) = function {
                    functions.insert(function.to_owned());
                }
            }
        }
        Ok(functions)
    }

    /// The policies of role `role`, resolved.
    pub fn policies_of(&self, role: &str) -> Result<RolePolicies, TemplateError> {
        let refers_to_role = |roles: Option<&Value>| {
            roles
                .and_then(Value::as_array)
                .is_some_and(|roles| roles.iter().any(|entry| entry.get("Ref").and_then(Value::as_str) == Some(role)))
        };
        let mut policies = Vec::new();
        let mut attached = BTreeSet::new();
        for kind in ["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"] {
            for id in self.of_type(kind) {
                let Some(properties) = self.properties(&id) else { continue };
                if refers_to_role(properties.get("Roles")) {
                    policies.push(self.policy(&id, properties.get("PolicyDocument"), &id)?);
                    attached.insert(id);
                }
            }
        }
        let properties = self.properties(role).cloned().unwrap_or(Value::Null);
        for inline in properties.get("Policies").and_then(Value::as_array).into_iter().flatten() {
            let name = inline.get("PolicyName").and_then(Value::as_str).unwrap_or("inline");
            policies.push(self.policy(&format!("{role}/{name}"), inline.get("PolicyDocument"), role)?);
        }
        let mut unevaluated = Vec::new();
        for managed in properties.get("ManagedPolicyArns").and_then(Value::as_array).into_iter().flatten() {
            match managed.get("Ref").and_then(Value::as_str) {
                Some(id) if self.of_type("AWS::IAM::ManagedPolicy").iter().any(|m| m == id) => {
                    if attached.insert(id.to_owned()) {
                        let document = self.properties(id).and_then(|properties| properties.get("PolicyDocument"));
                        policies.push(self.policy(id, document, id)?);
                    }
                }
                _ => unevaluated.push(self.resolve(managed, role)?.as_str().unwrap_or("?").to_owned()),
            }
        }
        Ok(RolePolicies { role: role.to_owned(), policies, unevaluated })
    }

    fn policy(&self, name: &str, document: Option<&Value>, at: &str) -> Result<Policy, TemplateError> {
        let document = self.resolve(document.unwrap_or(&Value::Null), at)?;
        Ok(Policy::parse(name, &document)?)
    }

    /// `value` with every intrinsic function resolved against the local stack. `at` names where
    /// it is, for errors.
    pub fn resolve(&self, value: &Value, at: &str) -> Result<Value, TemplateError> {
        let unresolved = |what: &str| TemplateError::Intrinsic { at: at.to_owned(), what: what.to_owned() };
        match value {
            Value::Array(values) => values.iter().map(|value| self.resolve(value, at)).collect(),
            Value::Object(object) if object.len() == 1 => {
                let (function, argument) = object.iter().next().ok_or_else(|| unresolved("an empty object"))?;
                match function.as_str() {
                    "Ref" => Ok(Value::String(self.reference(argument.as_str().ok_or_else(|| unresolved("Ref"))?))),
                    "Fn::GetAtt" => {
                        let [id, attribute] = get_att(argument).ok_or_else(|| unresolved("Fn::GetAtt"))?;
                        Ok(Value::String(self.attribute(&id, &attribute)))
                    }
                    "Fn::Join" => {
                        let [separator, parts] = pair(argument).ok_or_else(|| unresolved("Fn::Join"))?;
                        let separator = separator.as_str().ok_or_else(|| unresolved("Fn::Join's separator"))?;
                        let parts = self.resolve(parts, at)?;
                        let parts: Option<Vec<&str>> = parts
                            .as_array()
                            .ok_or_else(|| unresolved("Fn::Join's list"))?
                            .iter()
                            .map(Value::as_str)
                            .collect();
                        Ok(Value::String(parts.ok_or_else(|| unresolved("Fn::Join's parts"))?.join(separator)))
                    }
                    "Fn::Select" => {
                        let [index, list] = pair(argument).ok_or_else(|| unresolved("Fn::Select"))?;
                        let index = self.resolve(index, at)?;
                        let index = index
                            .as_u64()
                            .or_else(|| index.as_str()?.parse().ok())
                            .ok_or_else(|| unresolved("Fn::Select's index"))?;
                        let list = self.resolve(list, at)?;
                        let item = list.as_array().and_then(|list| list.get(usize::try_from(index).ok()?));
                        item.cloned().ok_or_else(|| unresolved("Fn::Select's item"))
                    }
                    "Fn::Split" => {
                        let [separator, text] = pair(argument).ok_or_else(|| unresolved("Fn::Split"))?;
                        let separator = separator.as_str().ok_or_else(|| unresolved("Fn::Split's separator"))?;
                        let text = self.resolve(text, at)?;
                        let text = text.as_str().ok_or_else(|| unresolved("Fn::Split's text"))?;
                        Ok(Value::Array(text.split(separator).map(|part| Value::String(part.to_owned())).collect()))
                    }
                    "Fn::Sub" => self.substitute(argument, at),
                    "Fn::ImportValue" | "Fn::If" | "Fn::FindInMap" | "Fn::GetAZs" | "Fn::Base64" | "Fn::Cidr" => {
                        Err(unresolved(function))
                    }
                    _ => Ok(Value::Object(self.resolve_object(object, at)?)),
                }
            }
            Value::Object(object) => Ok(Value::Object(self.resolve_object(object, at)?)),
            value => Ok(value.clone()),
        }
    }

    fn resolve_object(&self, object: &Map<String, Value>, at: &str) -> Result<Map<String, Value>, TemplateError> {
        object.iter().map(|(key, value)| Ok((key.clone(), self.resolve(value, at)?))).collect()
    }

    /// `Fn::Sub`: `${Name}`, `${Name.Attribute}` and `${AWS::…}`, with the variables of its
    /// two-element form first; `${!Literal}` stays `${Literal}`.
    fn substitute(&self, argument: &Value, at: &str) -> Result<Value, TemplateError> {
        let unresolved = |what: &str| TemplateError::Intrinsic { at: at.to_owned(), what: what.to_owned() };
        let (text, variables) = match argument {
            Value::String(text) => (text.as_str(), Map::new()),
            Value::Array(parts) if parts.len() == 2 => {
                let text = parts[0].as_str().ok_or_else(|| unresolved("Fn::Sub's text"))?;
                let variables = self.resolve(&parts[1], at)?;
                (text, variables.as_object().cloned().ok_or_else(|| unresolved("Fn::Sub's variables"))?)
            }
            _ => return Err(unresolved("Fn::Sub")),
        };
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find('}').ok_or_else(|| unresolved("an unclosed ${ in Fn::Sub"))? + start;
            let name = &rest[start + 2..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str(&format!("${{{literal}}}"));
            } else if let Some(value) = variables.get(name) {
                out.push_str(value.as_str().ok_or_else(|| unresolved(name))?);
            } else if let Some((id, attribute)) = name.split_once('.') {
                out.push_str(&self.attribute(id, attribute));
            } else {
                out.push_str(&self.reference(name));
            }
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        Ok(Value::String(out))
    }

    fn reference(&self, id: &str) -> String {
        let binding = &self.binding;
        match id {
            "AWS::Partition" => binding.partition.clone(),
            "AWS::Region" => binding.region.clone(),
            "AWS::AccountId" => binding.account.clone(),
            "AWS::StackName" => binding.stack_name.clone(),
            "AWS::URLSuffix" => "amazonaws.com".to_owned(),
            "AWS::NoValue" => String::new(),
            _ => self.bound.get(id).map_or_else(|| format!("<{id}>"), |bound| bound.reference.clone()),
        }
    }

    fn attribute(&self, id: &str, attribute: &str) -> String {
        let bound = self.bound.get(id).and_then(|bound| bound.attributes.get(attribute));
        bound.cloned().unwrap_or_else(|| format!("<{id}.{attribute}>"))
    }
}

/// `["Id", "Attribute"]`, or `"Id.Attribute"`.
fn get_att(value: &Value) -> Option<[String; 2]> {
    match value {
        Value::Array(parts) if parts.len() == 2 => Some([parts[0].as_str()?.to_owned(), parts[1].as_str()?.to_owned()]),
        Value::String(text) => text.split_once('.').map(|(id, attribute)| [id.to_owned(), attribute.to_owned()]),
        _ => None,
    }
}

fn pair(value: &Value) -> Option<[&Value; 2]> {
    match value.as_array()?.as_slice() {
        [first, second] => Some([first, second]),
        _ => None,
    }
}

/// The name at the end of an ARN: after its last `:` or `/`.
fn arn_name(arn: &str) -> String {
    arn.rsplit([':', '/']).next().unwrap_or(arn).to_owned()
}

/// Whether the crate at `dir` builds `binary` (its `Cargo.toml` names it).
fn crate_builds(dir: &Path, binary: &str) -> bool {
    std::fs::read_to_string(dir.join("Cargo.toml"))
        .is_ok_and(|manifest| manifest.lines().any(|line| line.replace(' ', "") == format!("name=\"{binary}\"")))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn binding() -> Binding {
        Binding {
            partition: "aws".into(),
            region: "us-east-1".into(),
            account: "123456789012".into(),
            stack_name: "hookway".into(),
            outputs: BTreeMap::from([
                ("QueueUrl".to_owned(), "http://127.0.0.1:5000/123456789012/hookway-events".to_owned()),
                ("TableName".to_owned(), "hookway-state".to_owned()),
            ]),
            singletons: BTreeMap::from([(
                "AWS::KinesisFirehose::DeliveryStream".to_owned(),
                "hookway-archive".to_owned(),
            )]),
        }
    }

    fn template() -> Value {
        json!({
            "Resources": {
                "Queue1": {"Type": "AWS::SQS::Queue"},
                "Table1": {"Type": "AWS::DynamoDB::Table"},
                "Stream1": {"Type": "AWS::KinesisFirehose::DeliveryStream"},
                "Logs1": {"Type": "AWS::Logs::LogGroup"},
                "Role1": {"Type": "AWS::IAM::Role", "Properties": {"Description": "hookway-worker: its grants",
                    "Policies": [{"PolicyName": "inline", "PolicyDocument": {"Statement": [
                        {"Effect": "Allow", "Action": "firehose:PutRecordBatch", "Resource": {"Fn::GetAtt": ["Stream1", "Arn"]}}]}}],
                    "ManagedPolicyArns": [{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/ReadOnlyAccess"]]}]}},
                "Policy1": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Ref": "Role1"}], "PolicyDocument": {"Statement": [
                    {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": {"Fn::GetAtt": ["Queue1", "Arn"]}},
                    {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": {"Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${Table1}"}},
                    {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": {"Fn::GetAtt": ["Logs1", "Arn"]}}
                ]}}},
                "Managed1": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"Roles": [{"Ref": "Role1"}], "PolicyDocument": {"Statement": [
                    {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":sqs:",
                        {"Ref": "AWS::Region"}, ":", {"Ref": "AWS::AccountId"}, ":", {"Ref": "AWS::StackName"}, "-listen-????????"]]}}]}}},
                "Function1": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["Role1", "Arn"]}}},
                "Mapping1": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
                    "EventSourceArn": {"Fn::GetAtt": ["Queue1", "Arn"]}, "FunctionName": {"Ref": "Function1"}}}
            },
            "Outputs": {
                "QueueUrl": {"Value": {"Ref": "Queue1"}},
                "TableName": {"Value": {"Ref": "Table1"}},
                "Unbound": {"Value": {"Ref": "Logs1"}}
            }
        })
    }

    #[test]
    fn outputs_and_singletons_bind_the_stack_to_the_local_names() {
        let template = Template::new(&template(), binding()).unwrap();
        let arn = template.resolve(&json!({"Fn::GetAtt": ["Queue1", "Arn"]}), "t").unwrap();
        assert_eq!(arn, "arn:aws:sqs:us-east-1:123456789012:hookway-events");
        assert_eq!(template.resolve(&json!({"Ref": "Table1"}), "t").unwrap(), "hookway-state");
        let stream = template.resolve(&json!({"Fn::GetAtt": ["Stream1", "Arn"]}), "t").unwrap();
        assert_eq!(stream, "arn:aws:firehose:us-east-1:123456789012:deliverystream/hookway-archive");
        assert_eq!(template.resolve(&json!({"Fn::GetAtt": ["Logs1", "Arn"]}), "t").unwrap(), "<Logs1.Arn>");
    }

    #[test]
    fn intrinsics_resolve() {
        let template = Template::new(&template(), binding()).unwrap();
        let value = json!({"Fn::Select": [1, {"Fn::Split": ["/", {"Fn::Sub": ["a/${X}/${Table1}/${!Literal}", {"X": {"Ref": "AWS::Region"}}]}]}]});
        assert_eq!(template.resolve(&value, "t").unwrap(), "us-east-1");
        let value = json!({"Fn::Sub": "${Table1}/${!Literal}"});
        assert_eq!(template.resolve(&value, "t").unwrap(), "hookway-state/${Literal}");
        let error = template.resolve(&json!({"Fn::ImportValue": "x"}), "Policy1").unwrap_err();
        assert_eq!(error, TemplateError::Intrinsic { at: "Policy1".into(), what: "Fn::ImportValue".into() });
    }

    #[test]
    fn a_roles_policies_are_the_attached_the_inline_and_the_managed_ones() {
        let template = Template::new(&template(), binding()).unwrap();
        let function = template.function_running("hookway-worker", Path::new("/nonexistent")).unwrap();
        assert_eq!(function, "Function1");
        let role = template.role_of(&function).unwrap();
        let policies = template.policies_of(&role).unwrap();
        let names: Vec<&str> = policies.policies.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Policy1", "Managed1", "Role1/inline"], "a managed policy attached by its Roles too");
        assert_eq!(policies.unevaluated, ["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
        let send = |queue: &str| {
            let request =
                crate::policy::Request::new("sqs:SendMessage", format!("arn:aws:sqs:us-east-1:123456789012:{queue}"));
            crate::policy::evaluate(&policies.policies, &request)
        };
        assert!(matches!(send("hookway-listen-0a1b2c3d"), crate::policy::Decision::Allowed(_)));
        let other = send("hookway-listen-x-listen-0a1b2c3d");
        assert!(matches!(other, crate::policy::Decision::NotAllowed), "another stack's listener: {other:?}");
        assert!(matches!(
            template.function_running("hookway-intake", Path::new("/nonexistent")),
            Err(TemplateError::NoFunction(_))
        ));
        let served = template.functions_served_by("arn:aws:sqs:us-east-1:123456789012:hookway-events").unwrap();
        assert_eq!(served.into_iter().collect::<Vec<_>>(), ["Function1"]);
    }
}
