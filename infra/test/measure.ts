/**
 * What a synthesised template holds in each respect AWS limits, measured the way AWS counts, with
 * every value CloudFormation fills in at deploy time at its longest (limits.json's worstCase): the
 * truth infra/limits.json's predictions are held to.
 */
import { LIMITS } from '../lib/limits';

type Json = any;

/** A name CloudFormation generates: the stack's name, the logical id and 13 random characters, cut to the type's longest name. */
function generated(logicalId: string, longest: number): string {
  return 'n'.repeat(Math.min(longest, LIMITS.worstCase.stackName + 1 + logicalId.length + 1 + 13));
}

const w = LIMITS.worstCase;
const P = 'p'.repeat(w.partition);
const R = 'r'.repeat(w.region);
const A = '1'.repeat(w.account);
const U = 'u'.repeat(w.urlSuffix);

const PSEUDO: Record<string, string> = {
  'AWS::Partition': P,
  'AWS::Region': R,
  'AWS::AccountId': A,
  'AWS::URLSuffix': U,
  'AWS::StackName': 's'.repeat(w.stackName),
};

/** Per resource type: what `Ref` and `Fn::GetAtt` give, at their longest. */
const TYPES: Record<string, { ref: (id: string, r: Json) => string; arn?: (id: string) => string; attrs?: Record<string, (id: string) => string> }> = {
  'AWS::SQS::Queue': {
    ref: (id) => `https://sqs.${R}.${U}/${A}/${generated(id, 80)}`,
    arn: (id) => `arn:${P}:sqs:${R}:${A}:${generated(id, 80)}`,
    attrs: { QueueName: (id) => generated(id, 80) },
  },
  'AWS::DynamoDB::Table': { ref: (id) => generated(id, 255), arn: (id) => `arn:${P}:dynamodb:${R}:${A}:table/${generated(id, 255)}` },
  'AWS::S3::Bucket': { ref: (id) => generated(id, 63), arn: (id) => `arn:${P}:s3:::${generated(id, 63)}` },
  'AWS::Logs::LogGroup': { ref: (id) => generated(id, 512), arn: (id) => `arn:${P}:logs:${R}:${A}:log-group:${generated(id, 512)}:*` },
  'AWS::Logs::LogStream': { ref: (_id, r) => r.Properties.LogStreamName },
  'AWS::KinesisFirehose::DeliveryStream': { ref: (id) => generated(id, 64), arn: (id) => `arn:${P}:firehose:${R}:${A}:deliverystream/${generated(id, 64)}` },
  'AWS::Lambda::Function': { ref: (id) => generated(id, 64), arn: (id) => `arn:${P}:lambda:${R}:${A}:function:${generated(id, 64)}` },
  'AWS::KMS::Key': { ref: () => 'k'.repeat(36), arn: () => `arn:${P}:kms:${R}:${A}:key/${'k'.repeat(36)}` },
  // Named by the stack (names.ts), at most EventBridge's 64 characters.
  'AWS::Events::Rule': { ref: () => 'n'.repeat(64), arn: () => `arn:${P}:events:${R}:${A}:rule/${'n'.repeat(64)}` },
  'AWS::IAM::Role': { ref: (id) => generated(id, 64), arn: (id) => `arn:${P}:iam::${A}:role/${generated(id, 64)}` },
  'AWS::CloudWatch::Alarm': { ref: (id) => generated(id, 255), arn: (id) => `arn:${P}:cloudwatch:${R}:${A}:alarm:${generated(id, 255)}` },
  'AWS::CloudWatch::Dashboard': { ref: (id) => generated(id, 255) },
  'AWS::SNS::Topic': { ref: (id) => `arn:${P}:sns:${R}:${A}:${generated(id, 256)}` },
  'AWS::ApiGateway::RestApi': { ref: () => 'a'.repeat(10), attrs: { RootResourceId: () => 'a'.repeat(10) } },
  'AWS::ApiGateway::Stage': { ref: (_id, r) => r.Properties.StageName },
  'AWS::ApiGatewayV2::Api': { ref: () => 'a'.repeat(10), attrs: { ApiEndpoint: () => `https://${'a'.repeat(10)}.execute-api.${R}.${U}` } },
};

/** A template value as a string at its longest once deployed. */
export function worstCase(value: Json, template: Json): string {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  if (value.Ref !== undefined) {
    if (PSEUDO[value.Ref] !== undefined) {
      return PSEUDO[value.Ref];
    }
    const resource = template.Resources[value.Ref];
    const type = TYPES[resource?.Type];
    if (!type) {
      throw new Error(`no worst case for Ref ${value.Ref} (${resource?.Type})`);
    }
    return type.ref(value.Ref, resource);
  }
  if (value['Fn::GetAtt'] !== undefined) {
    const [id, attribute] = value['Fn::GetAtt'];
    const type = TYPES[template.Resources[id]?.Type];
    const produce = attribute === 'Arn' ? type?.arn : type?.attrs?.[attribute];
    if (!produce) {
      throw new Error(`no worst case for GetAtt ${id}.${attribute}`);
    }
    return produce(id);
  }
  if (value['Fn::Join'] !== undefined) {
    const [separator, parts] = value['Fn::Join'];
    return parts.map((part: Json) => worstCase(part, template)).join(separator);
  }
  throw new Error(`no worst case for ${JSON.stringify(value)}`);
}

/** A policy document with every value resolved at its longest. */
function resolvedDeep(value: Json, template: Json): Json {
  if (Array.isArray(value)) {
    return value.map((v) => resolvedDeep(v, template));
  }
  if (value !== null && typeof value === 'object') {
    if (value.Ref !== undefined || value['Fn::GetAtt'] !== undefined || value['Fn::Join'] !== undefined) {
      return worstCase(value, template);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolvedDeep(v, template)]));
  }
  return value;
}

/** The logical id of the Lambda function whose id starts with `prefix`. */
export function functionId(template: Json, prefix: string): string {
  const ids = Object.keys(template.Resources).filter((id) => id.startsWith(prefix) && template.Resources[id].Type === 'AWS::Lambda::Function');
  if (ids.length !== 1) {
    throw new Error(`expected one function ${prefix}*`);
  }
  return ids[0];
}

/** The characters of a role's inline policies as IAM counts them: without white space. */
export function rolePolicyChars(template: Json, fnId: string): number {
  const roleId = template.Resources[fnId].Properties.Role['Fn::GetAtt'][0];
  return Object.values<Json>(template.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((role: Json) => role.Ref === roleId))
    .reduce((sum, r) => sum + JSON.stringify(resolvedDeep(r.Properties.PolicyDocument, template)).length, 0);
}

/** The bytes of a function's resource-based policy: a statement for each of its permissions. */
export function functionPolicyBytes(template: Json, fnId: string): number {
  const permissions = Object.entries<Json>(template.Resources).filter(
    ([, r]) => r.Type === 'AWS::Lambda::Permission' && JSON.stringify(r.Properties.FunctionName).includes(`"${fnId}"`),
  );
  const statements = permissions.map(([id, r]) => {
    const p = r.Properties;
    const condition: Json = {};
    if (p.SourceArn) condition.ArnLike = { 'AWS:SourceArn': worstCase(p.SourceArn, template) };
    if (p.FunctionUrlAuthType) condition.StringEquals = { 'lambda:FunctionUrlAuthType': p.FunctionUrlAuthType };
    if (p.InvokedViaFunctionUrl) condition.Bool = { 'lambda:InvokedViaFunctionUrl': 'true' };
    return {
      // CloudFormation names each statement after the stack, the permission and a random suffix.
      Sid: generated(id, 100),
      Effect: 'Allow',
      Principal: p.Principal === '*' ? '*' : { Service: p.Principal },
      Action: p.Action,
      Resource: worstCase(p.FunctionName, template),
      Condition: condition,
    };
  });
  return JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: statements }).length;
}

/** The bytes of a function's environment: every name and value. */
export function environmentBytes(template: Json, fnId: string): number {
  const variables: Record<string, Json> = template.Resources[fnId].Properties.Environment?.Variables ?? {};
  return Object.entries(variables).reduce(
    (sum, [name, value]) => sum + name.length + (name === 'HOOKWAY_STACK' ? LIMITS.worstCase.stackName : worstCase(value, template).length),
    0,
  );
}

/** The dashboard's body, its references resolved. */
function dashboardBody(template: Json): Json {
  const [dashboard] = Object.values<Json>(template.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
  return JSON.parse(worstCase(dashboard.Properties.DashboardBody, template));
}

/** What the template holds, in each respect limits.json predicts. */
export interface Measured {
  readonly resources: number;
  readonly templateBytes: number;
  readonly restApiResources: number;
  readonly httpApiRoutes: number;
  readonly rolePolicyChars: { intake: number; worker: number };
  readonly functionPolicyBytes: { intake: number; worker: number };
  readonly environmentBytes: { intake: number; worker: number };
  readonly dashboardWidgets: number;
  readonly dashboardMetrics: number;
}

/** Measures a template as `cdk synth` writes it (JSON, one space of indentation). */
export function measure(template: Json): Measured {
  const count = (type: string) => Object.values<Json>(template.Resources).filter((r) => r.Type === type).length;
  const intake = functionId(template, 'IntakeLambdaFunction');
  const worker = functionId(template, 'WorkerLambdaFunction');
  const body = dashboardBody(template);
  return {
    resources: Object.keys(template.Resources).length,
    templateBytes: Buffer.byteLength(JSON.stringify(template, undefined, 1)),
    // The root resource counts.
    restApiResources: count('AWS::ApiGateway::Resource') + 1,
    httpApiRoutes: count('AWS::ApiGatewayV2::Route'),
    rolePolicyChars: { intake: rolePolicyChars(template, intake), worker: rolePolicyChars(template, worker) },
    functionPolicyBytes: { intake: functionPolicyBytes(template, intake), worker: functionPolicyBytes(template, worker) },
    environmentBytes: { intake: environmentBytes(template, intake), worker: environmentBytes(template, worker) },
    dashboardWidgets: body.widgets.length,
    dashboardMetrics: body.widgets.reduce((sum: number, widget: Json) => sum + (widget.properties.metrics?.length ?? 0), 0),
  };
}
