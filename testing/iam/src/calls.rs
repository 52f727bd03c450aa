//! The calls moto saw (`GET /_hookway/requests`, kept by tools/moto_server.py), and what AWS would
//! ask IAM for each: the action or actions it authorises, on which resource, with which
//! condition keys.
//!
//! The mapping is AWS's, not the API's names: a `SendMessageBatch` is authorised as
//! `sqs:SendMessage`, a `DeleteMessageBatch` as `sqs:DeleteMessage`, a `HeadObject` as
//! `s3:GetObject`, a listing as `s3:ListBucket` on the bucket with `s3:prefix`; each parameter of
//! a `GetParameters` is authorised on its own, and a decrypted SecureString also needs
//! `kms:Decrypt` of the key SSM encrypted it with, asked by SSM on the caller's behalf
//! (`kms:ViaService`) with the parameter's ARN as encryption context; a DynamoDB item call carries
//! the partition key values it names (`dynamodb:LeadingKeys`), and each part of a transaction is
//! authorised as its own action. A message sent to an SQS queue or published to an SNS topic
//! encrypted with a customer managed key also needs `kms:GenerateDataKey` and `kms:Decrypt` of
//! that key, asked by the service on the caller's behalf (`kms:ViaService`); a `PutEvents` is
//! authorised on each bus its entries name, a Lambda `Invoke` on the function as the call names it
//! (a qualified ARN with `Qualifier`), a Step Functions call on its state machine or execution.
//! An operation not listed here is an error, never a pass: the check must be taught what IAM asks
//! of it.

use serde::{Deserialize, Serialize};

use crate::policy::Request;

/// The key SSM encrypts a SecureString with when none is named (`aws/ssm`); its id is the
/// account's own, and a grant can only name it as `key/*` (or by a condition), as the stack does.
pub const SSM_DEFAULT_KEY_ID: &str = "aws-ssm-default-key";
/// A stack's ARN ends in an id CloudFormation chose; a grant names it `stack/NAME/*`.
const STACK_ID: &str = "00000000-0000-0000-0000-000000000000";

/// One distinct call, and how many times it was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Call {
    /// The SDK application name of whoever made it (`hookway-worker`), or `other`.
    pub caller: String,
    /// The service of its signature (`sqs`, `dynamodb`, `s3`, `ssm`, …).
    pub service: String,
    /// The operation (`SendMessageBatch`).
    pub operation: String,
    /// Its region.
    pub region: String,
    /// The account it acted in.
    pub account: String,
    /// How many times it was made.
    pub count: u64,
    /// SQS: the queue.
    pub queue_url: Option<String>,
    /// SQS: the queue, by name (`GetQueueUrl`, `CreateQueue`).
    pub queue_name: Option<String>,
    /// SQS: whether `CreateQueue` tags the queue it creates (AWS then asks for `sqs:TagQueue` too).
    pub tagged: Option<bool>,
    /// DynamoDB: the tables, each with the partition key values named.
    pub tables: Option<Vec<TableAccess>>,
    /// S3: the bucket.
    pub bucket: Option<String>,
    /// S3: the object.
    pub key: Option<String>,
    /// S3: the prefix listed.
    pub prefix: Option<String>,
    /// SSM: the parameters.
    pub parameters: Option<Vec<String>>,
    /// SSM: the path read (`GetParametersByPath`).
    pub path: Option<String>,
    /// SSM: whether SecureStrings were decrypted.
    pub with_decryption: Option<bool>,
    /// SSM: the type of a parameter put.
    pub parameter_type: Option<String>,
    /// SSM: the KMS key a parameter is put with, if named.
    pub key_id: Option<String>,
    /// Firehose: the delivery stream.
    pub delivery_stream: Option<String>,
    /// SQS `SendMessage`, SNS `Publish`: the KMS key the queue or topic encrypts messages with
    /// (its ARN, id or alias); the service asks KMS for it on the caller's behalf.
    pub kms_key: Option<String>,
    /// SNS: the topic.
    pub topic_arn: Option<String>,
    /// EventBridge `PutEvents`: the buses its entries name, by name or ARN.
    pub buses: Option<Vec<String>>,
    /// Step Functions: the state machine (`StartExecution`).
    pub state_machine_arn: Option<String>,
    /// Step Functions: the execution (`DescribeExecution`).
    pub execution_arn: Option<String>,
    /// Lambda: the function (a name, `name:qualifier`, or an ARN).
    pub function: Option<String>,
    /// Lambda: the version or alias of `Qualifier`.
    pub qualifier: Option<String>,
    /// CloudFormation: the stack.
    pub stack: Option<String>,
}

/// One table of a DynamoDB call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TableAccess {
    /// The table's name.
    pub name: String,
    /// The partition key values the call names; none for a scan (`dynamodb:LeadingKeys` absent).
    pub partition_keys: Option<Vec<String>>,
    /// In a transaction, the part's own action (`PutItem`, `ConditionCheckItem`).
    pub action: Option<String>,
    /// A `Query` or `Scan` of a secondary index: the index's name (the resource is then the
    /// index's ARN, `table/NAME/index/INDEX`, and the partition key values the index's own).
    pub index: Option<String>,
}

/// A call this check cannot turn into IAM requests.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// An operation the mapping does not know.
    #[error("{service}:{operation} (by {caller}): not an operation this check knows the IAM actions of")]
    UnknownOperation {
        /// Its service.
        service: String,
        /// The operation.
        operation: String,
        /// Who made it.
        caller: String,
    },
    /// An index named by an operation that reads none (only a `Query` or a `Scan` does).
    #[error("{service}:{operation} (by {caller}): names the index {index}, which only a Query or a Scan reads")]
    NotAnIndexRead {
        /// Its service.
        service: String,
        /// The operation.
        operation: String,
        /// Who made it.
        caller: String,
        /// The index named.
        index: String,
    },
    /// The log entry lacks what the operation needs.
    #[error("{service}:{operation} (by {caller}): the call log does not say {what}")]
    Missing {
        /// Its service.
        service: String,
        /// The operation.
        operation: String,
        /// Who made it.
        caller: String,
        /// What is missing.
        what: &'static str,
    },
}

impl Call {
    /// What AWS asks IAM for this call, in `partition`. Every request carries the keys every
    /// request has in AWS: `aws:SecureTransport` (the SDKs use TLS), `aws:RequestedRegion`,
    /// `aws:PrincipalAccount`.
    pub fn requests(&self, partition: &str) -> Result<Vec<Request>, CallError> {
        let requests = match self.service.as_str() {
            "sqs" => self.sqs(partition)?,
            "dynamodb" => self.dynamodb(partition)?,
            "s3" => self.s3(partition)?,
            "ssm" => self.ssm(partition)?,
            "firehose" => self.firehose(partition)?,
            "sns" => self.sns(partition)?,
            "events" => self.events(partition)?,
            "states" => self.states()?,
            "lambda" => self.lambda(partition)?,
            "cloudformation" => self.cloudformation(partition)?,
            "sts" if self.operation == "GetCallerIdentity" => Vec::new(),
            _ => return Err(self.unknown()),
        };
        Ok(requests
            .into_iter()
            .map(|request| {
                request
                    .with("aws:SecureTransport", ["true"])
                    .with("aws:RequestedRegion", [self.region.as_str()])
                    .with("aws:PrincipalAccount", [self.account.as_str()])
            })
            .collect())
    }

    fn unknown(&self) -> CallError {
        CallError::UnknownOperation {
            service: self.service.clone(),
            operation: self.operation.clone(),
            caller: self.caller.clone(),
        }
    }

    fn missing(&self, what: &'static str) -> CallError {
        CallError::Missing {
            service: self.service.clone(),
            operation: self.operation.clone(),
            caller: self.caller.clone(),
            what,
        }
    }

    fn sqs(&self, partition: &str) -> Result<Vec<Request>, CallError> {
        let action = match self.operation.as_str() {
            "SendMessage" | "SendMessageBatch" => "sqs:SendMessage",
            "ReceiveMessage" => "sqs:ReceiveMessage",
            "DeleteMessage" | "DeleteMessageBatch" => "sqs:DeleteMessage",
            "ChangeMessageVisibility" | "ChangeMessageVisibilityBatch" => "sqs:ChangeMessageVisibility",
            "GetQueueAttributes" => "sqs:GetQueueAttributes",
            "SetQueueAttributes" => "sqs:SetQueueAttributes",
            "PurgeQueue" => "sqs:PurgeQueue",
            "ListDeadLetterSourceQueues" => "sqs:ListDeadLetterSourceQueues",
            "GetQueueUrl" => "sqs:GetQueueUrl",
            "CreateQueue" => "sqs:CreateQueue",
            "DeleteQueue" => "sqs:DeleteQueue",
            "TagQueue" => "sqs:TagQueue",
            "ListQueues" => return Ok(vec![Request::new("sqs:ListQueues", "*")]),
            _ => return Err(self.unknown()),
        };
        let name = match (&self.queue_url, &self.queue_name) {
            (Some(url), _) => url.trim_end_matches('/').rsplit('/').next().unwrap_or_default().to_owned(),
            (None, Some(name)) => name.clone(),
            (None, None) => return Err(self.missing("the queue")),
        };
        // A queue URL is https://sqs.REGION.amazonaws.com/ACCOUNT/NAME (moto's, ENDPOINT/ACCOUNT/NAME).
        let account = self
            .queue_url
            .as_deref()
            .and_then(|url| url.trim_end_matches('/').rsplit('/').nth(1))
            .filter(|account| account.chars().all(|c| c.is_ascii_digit()))
            .unwrap_or(&self.account);
        let arn = format!("arn:{partition}:sqs:{}:{account}:{name}", self.region);
        if action == "sqs:CreateQueue" && self.tagged == Some(true) {
            return Ok(vec![Request::new(action, arn.clone()), Request::new("sqs:TagQueue", arn)]);
        }
        let mut requests = vec![Request::new(action, arn)];
        if action == "sqs:SendMessage" {
            requests.extend(self.message_key(partition, "sqs", &self.region, account));
        }
        Ok(requests)
    }

    /// What SQS or SNS (`via`) asks KMS for on the caller's behalf to send it a message, when the
    /// queue or topic (in `region` and `account`) is encrypted with [`Call::kms_key`]: a data key,
    /// and its decryption. None for an AWS managed key (`alias/aws/sqs`): its key policy lets the
    /// account's callers use it through the service, whatever their own policies say.
    fn message_key(&self, partition: &str, via: &str, region: &str, account: &str) -> Vec<Request> {
        let key = match self.kms_key.as_deref() {
            None => return Vec::new(),
            Some(key) if key.starts_with("alias/aws/") => return Vec::new(),
            Some(key) if key.starts_with("arn:") => key.to_owned(),
            Some(alias) if alias.starts_with("alias/") => format!("arn:{partition}:kms:{region}:{account}:{alias}"),
            Some(id) => format!("arn:{partition}:kms:{region}:{account}:key/{id}"),
        };
        let suffix = if partition == "aws-cn" { "amazonaws.com.cn" } else { "amazonaws.com" };
        ["kms:GenerateDataKey", "kms:Decrypt"]
            .into_iter()
            .map(|action| {
                Request::new(action, key.clone())
                    .with("kms:ViaService", [format!("{via}.{region}.{suffix}")])
                    .with("kms:CallerAccount", [self.account.as_str()])
            })
            .collect()
    }

    fn sns(&self, partition: &str) -> Result<Vec<Request>, CallError> {
        if !matches!(self.operation.as_str(), "Publish" | "PublishBatch") {
            return Err(self.unknown());
        }
        let topic = self.topic_arn.as_deref().ok_or_else(|| self.missing("the topic"))?;
        // arn:PARTITION:sns:REGION:ACCOUNT:NAME: the key is the topic's, in its region and account.
        let parts: Vec<&str> = topic.split(':').collect();
        let (region, account) = match parts.as_slice() {
            [_, _, _, region, account, _] => (*region, *account),
            _ => return Err(self.missing("the topic's ARN")),
        };
        let mut requests = vec![Request::new("sns:Publish", topic)];
        requests.extend(self.message_key(partition, "sns", region, account));
        Ok(requests)
    }

    fn events(&self, partition: &str) -> Result<Vec<Request>, CallError> {
        if self.operation != "PutEvents" {
            return Err(self.unknown());
        }
        let buses = self.buses.as_deref().ok_or_else(|| self.missing("the buses"))?;
        Ok(buses
            .iter()
            .map(|bus| match bus.starts_with("arn:") {
                true => Request::new("events:PutEvents", bus.as_str()),
                false => Request::new(
                    "events:PutEvents",
                    format!("arn:{partition}:events:{}:{}:event-bus/{bus}", self.region, self.account),
                ),
            })
            .collect())
    }

    fn states(&self) -> Result<Vec<Request>, CallError> {
        let (action, arn) = match self.operation.as_str() {
            "StartExecution" | "StartSyncExecution" => (
                format!("states:{}", self.operation),
                self.state_machine_arn.as_deref().ok_or_else(|| self.missing("the state machine"))?,
            ),
            "DescribeExecution" | "StopExecution" | "GetExecutionHistory" => (
                format!("states:{}", self.operation),
                self.execution_arn.as_deref().ok_or_else(|| self.missing("the execution"))?,
            ),
            _ => return Err(self.unknown()),
        };
        Ok(vec![Request::new(action, arn)])
    }

    fn dynamodb(&self, partition: &str) -> Result<Vec<Request>, CallError> {
        let tables = self.tables.as_ref().ok_or_else(|| self.missing("the table"))?;
        let action = match self.operation.as_str() {
            operation @ ("GetItem" | "PutItem" | "UpdateItem" | "DeleteItem" | "Query" | "Scan" | "BatchGetItem"
            | "BatchWriteItem" | "DescribeTable") => Some(operation),
            // Each part of a transaction is authorised as its own action.
            "TransactWriteItems" | "TransactGetItems" => None,
            _ => return Err(self.unknown()),
        };
        tables
            .iter()
            .map(|table| {
                let action = match (action, table.action.as_deref()) {
                    (Some(action), _) | (None, Some(action)) => action,
                    (None, None) => return Err(self.missing("a transaction part's action")),
                };
                let mut arn = format!("arn:{partition}:dynamodb:{}:{}:table/{}", self.region, self.account, table.name);
                match (&table.index, action) {
                    (Some(index), "Query" | "Scan") => arn = format!("{arn}/index/{index}"),
                    (Some(index), _) => {
                        return Err(CallError::NotAnIndexRead {
                            service: self.service.clone(),
                            operation: self.operation.clone(),
                            caller: self.caller.clone(),
                            index: index.clone(),
                        });
                    }
                    (None, _) => {}
                }
                let request = Request::new(format!("dynamodb:{action}"), arn);
                // AWS sends the keys of every call on items; an empty list would pass a
                // ForAllValues condition that AWS denies.
                Ok(match &table.partition_keys {
                    Some(keys) if !keys.is_empty() => request.with("dynamodb:LeadingKeys", keys.clone()),
                    Some(_) if !matches!(action, "Scan" | "DescribeTable") => {
                        return Err(self.missing("the partition key"));
                    }
                    _ => request,
                })
            })
            .collect()
    }

    fn s3(&self, partition: &str) -> Result<Vec<Request>, CallError> {
        let bucket = self.bucket.as_deref().ok_or_else(|| self.missing("the bucket"))?;
        let object = || {
            let key = self.key.as_deref().ok_or_else(|| self.missing("the key"))?;
            Ok(format!("arn:{partition}:s3:::{bucket}/{key}"))
        };
        let bucket_arn = format!("arn:{partition}:s3:::{bucket}");
        let request = match self.operation.as_str() {
            "PutObject" | "MultipartUpload" => Request::new("s3:PutObject", object()?),
            "GetObject" | "HeadObject" => Request::new("s3:GetObject", object()?),
            "DeleteObject" => Request::new("s3:DeleteObject", object()?),
            "ListObjectsV2" | "ListObjects" => {
                let request = Request::new("s3:ListBucket", bucket_arn);
                match &self.prefix {
                    Some(prefix) => request.with("s3:prefix", [prefix.as_str()]),
                    None => request,
                }
            }
            "HeadBucket" => Request::new("s3:ListBucket", bucket_arn),
            _ => return Err(self.unknown()),
        };
        Ok(vec![request])
    }

    fn ssm(&self, partition: &str) -> Result<Vec<Request>, CallError> {
        let arn = |name: &str| {
            let separator = if name.starts_with('/') { "" } else { "/" };
            format!("arn:{partition}:ssm:{}:{}:parameter{separator}{name}", self.region, self.account)
        };
        let names = || self.parameters.as_deref().ok_or_else(|| self.missing("the parameters"));
        // The key SSM asks KMS to use, on the caller's behalf, for one parameter.
        let kms = |action: &str, parameter: &str| {
            let key = match self.key_id.as_deref() {
                Some(key) if key.starts_with("arn:") => key.to_owned(),
                Some(key) if !key.starts_with("alias/") => {
                    format!("arn:{partition}:kms:{}:{}:key/{key}", self.region, self.account)
                }
                _ => format!("arn:{partition}:kms:{}:{}:key/{SSM_DEFAULT_KEY_ID}", self.region, self.account),
            };
            Request::new(action, key)
                .with("kms:ViaService", [format!("ssm.{}.amazonaws.com", self.region)])
                .with("kms:EncryptionContext:PARAMETER_ARN", [arn(parameter)])
                .with("kms:CallerAccount", [self.account.as_str()])
        };
        let decrypted = self.with_decryption == Some(true);
        let mut requests = Vec::new();
        match self.operation.as_str() {
            operation @ ("GetParameter" | "GetParameters") => {
                for name in names()? {
                    requests.push(Request::new(format!("ssm:{operation}"), arn(name)));
                    if decrypted {
                        requests.push(kms("kms:Decrypt", name));
                    }
                }
            }
            "PutParameter" => {
                for name in names()? {
                    requests.push(Request::new("ssm:PutParameter", arn(name)));
                    if self.parameter_type.as_deref() == Some("SecureString") {
                        requests.push(kms("kms:Encrypt", name));
                    }
                }
            }
            "DeleteParameter" | "DeleteParameters" => {
                requests.extend(names()?.iter().map(|name| Request::new("ssm:DeleteParameter", arn(name))));
            }
            "GetParametersByPath" => {
                let path = self.path.as_deref().ok_or_else(|| self.missing("the path"))?;
                requests.push(Request::new("ssm:GetParametersByPath", arn(path)));
            }
            "DescribeParameters" => requests.push(Request::new("ssm:DescribeParameters", "*")),
            _ => return Err(self.unknown()),
        }
        Ok(requests)
    }

    fn firehose(&self, partition: &str) -> Result<Vec<Request>, CallError> {
        let action = match self.operation.as_str() {
            operation @ ("PutRecord" | "PutRecordBatch" | "DescribeDeliveryStream") => operation,
            _ => return Err(self.unknown()),
        };
        let stream = self.delivery_stream.as_deref().ok_or_else(|| self.missing("the delivery stream"))?;
        let arn = format!("arn:{partition}:firehose:{}:{}:deliverystream/{stream}", self.region, self.account);
        Ok(vec![Request::new(format!("firehose:{action}"), arn)])
    }

    fn lambda(&self, partition: &str) -> Result<Vec<Request>, CallError> {
        if self.operation != "Invoke" {
            return Err(self.unknown());
        }
        let function = self.function.as_deref().ok_or_else(|| self.missing("the function"))?;
        let mut arn = match function.starts_with("arn:") {
            true => function.to_owned(),
            false => format!("arn:{partition}:lambda:{}:{}:function:{function}", self.region, self.account),
        };
        // IAM authorises the ARN the call names: with `Qualifier`, the version's or alias's.
        if let Some(qualifier) = &self.qualifier {
            arn = format!("{arn}:{qualifier}");
        }
        Ok(vec![Request::new("lambda:InvokeFunction", arn)])
    }

    fn cloudformation(&self, partition: &str) -> Result<Vec<Request>, CallError> {
        if self.operation != "DescribeStacks" {
            return Err(self.unknown());
        }
        let stack = self.stack.as_deref().ok_or_else(|| self.missing("the stack"))?;
        let arn = format!("arn:{partition}:cloudformation:{}:{}:stack/{stack}/{STACK_ID}", self.region, self.account);
        Ok(vec![Request::new("cloudformation:DescribeStacks", arn)])
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn call(entry: serde_json::Value) -> Call {
        let mut base =
            json!({"caller": "hookway-worker", "region": "us-east-1", "account": "123456789012", "count": 1});
        base.as_object_mut().unwrap().extend(entry.as_object().unwrap().clone());
        serde_json::from_value(base).unwrap()
    }

    fn described(call: &Call) -> Vec<String> {
        call.requests("aws")
            .unwrap()
            .iter()
            .map(|request| {
                let mut request = request.clone();
                for global in ["aws:securetransport", "aws:requestedregion", "aws:principalaccount"] {
                    request.context.remove(global);
                }
                request.to_string()
            })
            .collect()
    }

    #[test]
    fn batches_are_authorised_as_their_single_actions() {
        let send = call(json!({"service": "sqs", "operation": "SendMessageBatch",
                                "queueUrl": "http://127.0.0.1:5000/123456789012/hookway-events"}));
        assert_eq!(described(&send), ["sqs:SendMessage on arn:aws:sqs:us-east-1:123456789012:hookway-events"]);
        let delete = call(json!({"service": "sqs", "operation": "DeleteMessageBatch",
                                  "queueUrl": "https://sqs.us-east-1.amazonaws.com/210987654321/q"}));
        assert_eq!(described(&delete), ["sqs:DeleteMessage on arn:aws:sqs:us-east-1:210987654321:q"]);
    }

    #[test]
    fn a_queue_created_with_tags_is_also_tagged() {
        let create = call(json!({"service": "sqs", "operation": "CreateQueue", "queueName": "hookway-listen-0a1b2c3d",
                                  "tagged": true}));
        assert_eq!(
            described(&create),
            [
                "sqs:CreateQueue on arn:aws:sqs:us-east-1:123456789012:hookway-listen-0a1b2c3d",
                "sqs:TagQueue on arn:aws:sqs:us-east-1:123456789012:hookway-listen-0a1b2c3d"
            ]
        );
        let untagged = call(json!({"service": "sqs", "operation": "CreateQueue", "queueName": "q"}));
        assert_eq!(described(&untagged), ["sqs:CreateQueue on arn:aws:sqs:us-east-1:123456789012:q"]);
    }

    #[test]
    fn dynamodb_calls_carry_their_leading_keys_and_a_transaction_its_parts() {
        let get = call(json!({"service": "dynamodb", "operation": "BatchGetItem",
                               "tables": [{"name": "hookway-state", "partitionKeys": ["event#a", "event#b"]}]}));
        assert_eq!(
            described(&get),
            [
                "dynamodb:BatchGetItem on arn:aws:dynamodb:us-east-1:123456789012:table/hookway-state with dynamodb:leadingkeys=event#a|event#b"
            ]
        );
        let scan = call(json!({"service": "dynamodb", "operation": "Scan", "tables": [{"name": "t"}]}));
        assert_eq!(described(&scan), ["dynamodb:Scan on arn:aws:dynamodb:us-east-1:123456789012:table/t"]);
        let transaction = call(json!({"service": "dynamodb", "operation": "TransactWriteItems", "tables": [
            {"name": "t", "partitionKeys": ["a"], "action": "ConditionCheckItem"},
            {"name": "t", "partitionKeys": ["b"], "action": "PutItem"}]}));
        assert_eq!(
            described(&transaction),
            [
                "dynamodb:ConditionCheckItem on arn:aws:dynamodb:us-east-1:123456789012:table/t with dynamodb:leadingkeys=a",
                "dynamodb:PutItem on arn:aws:dynamodb:us-east-1:123456789012:table/t with dynamodb:leadingkeys=b"
            ]
        );
    }

    #[test]
    fn a_query_of_an_index_is_authorised_on_the_index_with_the_key_it_names() {
        let query = call(json!({"service": "dynamodb", "operation": "Query", "tables": [
            {"name": "Hookway-StateTable-1", "partitionKeys": ["https://billing.example.com/hooks"], "index": "parked"}]}));
        assert_eq!(
            described(&query),
            ["dynamodb:Query on arn:aws:dynamodb:us-east-1:123456789012:table/Hookway-StateTable-1/index/parked \
                 with dynamodb:leadingkeys=https://billing.example.com/hooks"]
        );
        let table = call(json!({"service": "dynamodb", "operation": "Query",
                                 "tables": [{"name": "t", "partitionKeys": ["job#1"]}]}));
        assert_eq!(
            described(&table),
            ["dynamodb:Query on arn:aws:dynamodb:us-east-1:123456789012:table/t with dynamodb:leadingkeys=job#1"]
        );
        // Only a read of an index names one; anything else naming one is a log this check misreads.
        let put = call(json!({"service": "dynamodb", "operation": "PutItem",
                               "tables": [{"name": "t", "partitionKeys": ["a"], "index": "parked"}]}));
        assert!(matches!(put.requests("aws"), Err(CallError::NotAnIndexRead { .. })));
    }

    #[test]
    fn s3_objects_and_listings() {
        let head = call(json!({"service": "s3", "operation": "HeadObject", "bucket": "b", "key": "bodies/x"}));
        assert_eq!(described(&head), ["s3:GetObject on arn:aws:s3:::b/bodies/x"]);
        let list = call(json!({"service": "s3", "operation": "ListObjectsV2", "bucket": "b", "prefix": "events/"}));
        assert_eq!(described(&list), ["s3:ListBucket on arn:aws:s3:::b with s3:prefix=events/"]);
    }

    #[test]
    fn a_decrypted_parameter_also_needs_its_key_through_ssm() {
        let get = call(json!({"service": "ssm", "operation": "GetParameters", "withDecryption": true,
                               "parameters": ["/hookway/a", "/hookway/b"]}));
        let get = described(&get);
        assert_eq!(get.len(), 4);
        assert_eq!(get[0], "ssm:GetParameters on arn:aws:ssm:us-east-1:123456789012:parameter/hookway/a");
        assert_eq!(
            get[1],
            format!(
                "kms:Decrypt on arn:aws:kms:us-east-1:123456789012:key/{SSM_DEFAULT_KEY_ID} with kms:calleraccount=123456789012, \
                 kms:encryptioncontext:parameter_arn=arn:aws:ssm:us-east-1:123456789012:parameter/hookway/a, \
                 kms:viaservice=ssm.us-east-1.amazonaws.com"
            )
        );
        let put = call(
            json!({"service": "ssm", "operation": "PutParameter", "parameterType": "SecureString", "parameters": ["plain"]}),
        );
        let put = described(&put);
        assert!(put[0].ends_with(":parameter/plain") && put[1].starts_with("kms:Encrypt on "), "{put:?}");
    }

    #[test]
    fn firehose_lambda_and_cloudformation() {
        let put =
            call(json!({"service": "firehose", "operation": "PutRecordBatch", "deliveryStream": "hookway-archive"}));
        assert_eq!(
            described(&put),
            ["firehose:PutRecordBatch on arn:aws:firehose:us-east-1:123456789012:deliverystream/hookway-archive"]
        );
        let invoke = call(json!({"service": "lambda", "operation": "Invoke", "function": "hookway-worker"}));
        assert_eq!(
            described(&invoke),
            ["lambda:InvokeFunction on arn:aws:lambda:us-east-1:123456789012:function:hookway-worker"]
        );
        let describe = call(json!({"service": "cloudformation", "operation": "DescribeStacks", "stack": "Hookway"}));
        assert!(described(&describe)[0].starts_with(
            "cloudformation:DescribeStacks on arn:aws:cloudformation:us-east-1:123456789012:stack/Hookway/"
        ));
    }

    #[test]
    fn a_message_to_an_encrypted_queue_or_topic_also_needs_its_key_through_the_service() {
        let key = "arn:aws:kms:eu-west-1:210987654321:key/k1";
        let send = call(json!({"service": "sqs", "operation": "SendMessage", "region": "eu-west-1",
                                "queueUrl": "https://sqs.eu-west-1.amazonaws.com/210987654321/orders", "kmsKey": key}));
        assert_eq!(
            described(&send),
            [
                "sqs:SendMessage on arn:aws:sqs:eu-west-1:210987654321:orders".to_owned(),
                format!(
                    "kms:GenerateDataKey on {key} with kms:calleraccount=123456789012, kms:viaservice=sqs.eu-west-1.amazonaws.com"
                ),
                format!(
                    "kms:Decrypt on {key} with kms:calleraccount=123456789012, kms:viaservice=sqs.eu-west-1.amazonaws.com"
                ),
            ]
        );
        // A key id is the key's ARN in the topic's region and account; an AWS managed key asks nothing of IAM.
        let publish = call(json!({"service": "sns", "operation": "Publish", "kmsKey": "k2",
                                   "topicArn": "arn:aws:sns:us-west-2:210987654321:payments"}));
        let publish = described(&publish);
        assert_eq!(publish[0], "sns:Publish on arn:aws:sns:us-west-2:210987654321:payments");
        assert!(
            publish[1].starts_with("kms:GenerateDataKey on arn:aws:kms:us-west-2:210987654321:key/k2 "),
            "{publish:?}"
        );
        assert!(publish[2].ends_with("kms:viaservice=sns.us-west-2.amazonaws.com"), "{publish:?}");
        let managed = call(json!({"service": "sqs", "operation": "SendMessageBatch", "kmsKey": "alias/aws/sqs",
                                   "queueUrl": "http://127.0.0.1:5000/123456789012/q"}));
        assert_eq!(described(&managed), ["sqs:SendMessage on arn:aws:sqs:us-east-1:123456789012:q"]);
        let plain =
            call(json!({"service": "sns", "operation": "Publish", "topicArn": "arn:aws:sns:us-east-1:123456789012:t"}));
        assert_eq!(described(&plain), ["sns:Publish on arn:aws:sns:us-east-1:123456789012:t"]);
    }

    #[test]
    fn a_put_events_is_authorised_on_each_bus_and_step_functions_on_the_machine_or_execution() {
        let put = call(json!({"service": "events", "operation": "PutEvents",
                               "buses": ["arn:aws:events:eu-west-1:123456789012:event-bus/payments", "default"]}));
        assert_eq!(
            described(&put),
            [
                "events:PutEvents on arn:aws:events:eu-west-1:123456789012:event-bus/payments",
                "events:PutEvents on arn:aws:events:us-east-1:123456789012:event-bus/default"
            ]
        );
        let machine = "arn:aws:states:eu-west-1:123456789012:stateMachine:orders";
        let start = call(json!({"service": "states", "operation": "StartExecution", "stateMachineArn": machine}));
        assert_eq!(described(&start), [format!("states:StartExecution on {machine}")]);
        let execution = "arn:aws:states:eu-west-1:123456789012:execution:orders:evt_1";
        let describe = call(json!({"service": "states", "operation": "DescribeExecution", "executionArn": execution}));
        assert_eq!(described(&describe), [format!("states:DescribeExecution on {execution}")]);
        let without = call(json!({"service": "states", "operation": "StartExecution"}));
        assert!(matches!(without.requests("aws"), Err(CallError::Missing { what: "the state machine", .. })));
    }

    #[test]
    fn an_invoke_is_authorised_on_the_function_as_the_call_names_it() {
        let arn = "arn:aws:lambda:eu-west-1:210987654321:function:fulfil";
        let by_arn = call(json!({"service": "lambda", "operation": "Invoke", "function": arn}));
        assert_eq!(described(&by_arn), [format!("lambda:InvokeFunction on {arn}")]);
        let aliased = call(json!({"service": "lambda", "operation": "Invoke", "function": arn, "qualifier": "live"}));
        assert_eq!(described(&aliased), [format!("lambda:InvokeFunction on {arn}:live")]);
        let by_name = call(json!({"service": "lambda", "operation": "Invoke", "function": "fulfil:7"}));
        assert_eq!(
            described(&by_name),
            ["lambda:InvokeFunction on arn:aws:lambda:us-east-1:123456789012:function:fulfil:7"]
        );
    }

    #[test]
    fn an_unknown_operation_is_an_error() {
        let unknown = call(json!({"service": "sqs", "operation": "AddPermission", "queueUrl": "http://h/1/q"}));
        assert!(matches!(unknown.requests("aws"), Err(CallError::UnknownOperation { .. })));
        let unknown = call(json!({"service": "sns", "operation": "Subscribe"}));
        assert!(matches!(unknown.requests("aws"), Err(CallError::UnknownOperation { .. })));
    }
}
