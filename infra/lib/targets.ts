/**
 * The routes' AWS-native targets, and what each lets a function do: the worker may call exactly
 * the resources the routes name, with exactly the action its target makes (crates/core's
 * `config::targets`), and the intake may read the executions of the state machines that `jobs`
 * routes start, for `GET /jobs/{id}`.
 *
 * The grants grow with the configuration, so they are managed policies of their own (as the
 * listeners' queues are), outside the 10,240 characters the role's inline policies share with the
 * destinations' secrets; a stack whose routes name no target has none.
 */
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { ConfigError, type HandlerConfig, type HookwayConfig } from './config';

/** `POST /jobs` jobs' source name (crates/core's `JOBS_SOURCE`). */
export const JOBS_SOURCE = 'jobs';

/** IAM's size of a managed policy: characters, whitespace aside ("Managed policy size"). */
export const MANAGED_POLICY_CHARS = 6_144;
/** IAM's default "Managed policies per role"; the worker's role holds the listeners' one besides. */
export const MANAGED_POLICIES_PER_ROLE = 10;

/** One statement of a grant: these actions on these resources, maybe under a condition. */
export interface Grant {
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly conditions?: Record<string, Record<string, string[]>>;
}

/** Every handler of every route, with the route's source pattern. */
function handlers(settings: HookwayConfig): Array<{ source: string; handler: HandlerConfig }> {
  return (settings.routes ?? []).flatMap((route) =>
    (route.handler !== undefined ? [route.handler] : (route.handlers ?? [])).map((handler) => ({ source: route.source, handler })),
  );
}

/** The distinct values, sorted: the same grant whatever the routes' order. */
function distinct(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/** An ARN's parts, as crates/core's `Arn::parse` splits it (the schema and the check vouch for its shape). */
function arnParts(arn: string): { partition: string; service: string; region: string; account: string; resource: string } {
  const [, partition, service, region, account, ...resource] = arn.split(':');
  return { partition, service, region, account, resource: resource.join(':') };
}

/** The DNS suffix of a partition's service endpoints, as `kms:ViaService` names them. */
function urlSuffix(partition: string): string {
  return partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
}

/**
 * What the worker's role is granted for the targets the routes name: `sqs:SendMessage` on each
 * queue, `sns:Publish` on each topic, `events:PutEvents` on each bus, `lambda:InvokeFunction` on
 * each function (as named: a qualified ARN grants that version or alias only), and
 * `states:StartExecution` on each state machine; `kms:GenerateDataKey` and `kms:Decrypt` on a
 * queue's or topic's own key, only when SQS or SNS asks on the worker's behalf. Empty when the
 * routes name no target.
 */
export function workerTargetGrants(settings: HookwayConfig): Grant[] {
  const all = handlers(settings).map(({ handler }) => handler);
  const pick = (key: string, field: string) =>
    distinct(all.flatMap((handler) => (typeof handler === 'object' && key in handler ? [(handler as any)[key][field] as string] : [])));
  const grants: Grant[] = [
    { actions: ['sqs:SendMessage'], resources: pick('sqs', 'queueArn') },
    { actions: ['sns:Publish'], resources: pick('sns', 'topicArn') },
    { actions: ['events:PutEvents'], resources: pick('eventBridge', 'busArn') },
    { actions: ['lambda:InvokeFunction'], resources: pick('lambda', 'functionArn') },
    { actions: ['states:StartExecution'], resources: pick('stepFunctions', 'stateMachineArn') },
  ];
  // SQS and SNS use an encrypted queue's or topic's key for the sender, in the resource's region.
  const encrypted = all.flatMap((handler) => {
    if (typeof handler !== 'object') return [];
    const target = 'sqs' in handler ? { arn: handler.sqs.queueArn, key: handler.sqs.kmsKeyArn } : 'sns' in handler ? { arn: handler.sns.topicArn, key: handler.sns.kmsKeyArn } : undefined;
    return target?.key ? [{ ...target, key: target.key }] : [];
  });
  if (encrypted.length > 0) {
    const via = distinct(
      encrypted.map(({ arn }) => {
        const { partition, service, region } = arnParts(arn);
        return `${service}.${region}.${urlSuffix(partition)}`;
      }),
    );
    grants.push({
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: distinct(encrypted.map(({ key }) => key)),
      conditions: { StringEquals: { 'kms:ViaService': via } },
    });
  }
  return grants.filter((grant) => grant.resources.length > 0);
}

/** Whether a route's source pattern takes `POST /jobs` jobs (crates/core's `glob_matches`). */
function takesJobs(pattern: string): boolean {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`, 's').test(JOBS_SOURCE);
}

/**
 * What the intake's role is granted to answer `GET /jobs/{id}` for the jobs a state machine runs:
 * `states:DescribeExecution` on the executions of each state machine a route taking `jobs` starts
 * (`arn:…:execution:MACHINE:*`: an execution's name is the job's, known only when it starts).
 */
export function intakeJobGrants(settings: HookwayConfig): Grant[] {
  const machines = distinct(
    handlers(settings).flatMap(({ source, handler }) =>
      takesJobs(source) && typeof handler === 'object' && 'stepFunctions' in handler ? [handler.stepFunctions.stateMachineArn] : [],
    ),
  );
  const executions = machines.map((machine) => {
    const { partition, region, account, resource } = arnParts(machine);
    return `arn:${partition}:states:${region}:${account}:execution:${resource.slice('stateMachine:'.length)}:*`;
  });
  return executions.length > 0 ? [{ actions: ['states:DescribeExecution'], resources: executions }] : [];
}

/** A statement's characters as IAM counts them (whitespace aside, which JSON.stringify adds none of). */
function statementChars(grant: Grant): number {
  return JSON.stringify({ Effect: 'Allow', Action: grant.actions.length === 1 ? grant.actions[0] : grant.actions, Resource: grant.resources, Condition: grant.conditions }).length;
}

/** A policy document's characters besides its statements: `{"Version":"2012-10-17","Statement":[]}`. */
const DOCUMENT_CHARS = JSON.stringify({ Version: '2012-10-17', Statement: [] }).length;

/**
 * The grants packed into as few documents of at most `limit` characters as hold them: a grant with
 * more resources than fit in what is left of a document goes on in the next, under the same
 * actions and conditions.
 */
export function packGrants(grants: readonly Grant[], limit = MANAGED_POLICY_CHARS): Grant[][] {
  const documents: Grant[][] = [];
  let current: Grant[] = [];
  const used = () => DOCUMENT_CHARS + current.reduce((sum, grant) => sum + statementChars(grant) + 1, 0);
  for (const grant of grants) {
    let resources: string[] = [];
    for (const resource of grant.resources) {
      const next = { ...grant, resources: [...resources, resource] };
      if (used() + statementChars(next) + 1 > limit && (resources.length > 0 || current.length > 0)) {
        if (resources.length > 0) current.push({ ...grant, resources });
        documents.push(current);
        current = [];
        resources = [resource];
      } else {
        resources.push(resource);
      }
    }
    if (resources.length > 0) current.push({ ...grant, resources });
  }
  if (current.length > 0) documents.push(current);
  return documents;
}

/** What the managed policies of the routes' targets add to the stack: policies, statements, resources and their characters. */
export interface TargetPolicies {
  readonly policies: number;
  readonly statements: number;
  readonly resources: number;
  readonly resourceChars: number;
}

/** The managed policies the worker's and the intake's target grants are packed into. */
export function targetPolicies(settings: HookwayConfig): TargetPolicies {
  const documents = [...packGrants(workerTargetGrants(settings)), ...packGrants(intakeJobGrants(settings))];
  const statements = documents.flat();
  const resources = statements.flatMap((grant) => grant.resources);
  return {
    policies: documents.length,
    statements: statements.length,
    resources: resources.length,
    resourceChars: resources.reduce((sum, resource) => sum + resource.length, 0),
  };
}

/**
 * Attaches `grants` to the function's role as managed policies `<id>`, `<id>2`, … (as few as hold
 * them), in place before the function; none when there are no grants. A configuration whose
 * grants need more policies than the role can hold is refused, as `hookway config check` would.
 */
export function attachGrants(scope: Construct, id: string, fn: IFunction, grants: readonly Grant[], description: string, available: number): ManagedPolicy[] {
  const documents = packGrants(grants);
  if (documents.length > available) {
    throw new ConfigError('the configuration', [
      `routes: ${description} need ${documents.length} managed policies of ${MANAGED_POLICY_CHARS.toLocaleString('en-US')} characters; ` +
        `the role has room for ${available} ("Managed policies per role" is ${MANAGED_POLICIES_PER_ROLE}): name fewer resources`,
    ]);
  }
  return documents.map((statements, index) => {
    const policy = new ManagedPolicy(scope, index === 0 ? id : `${id}${index + 1}`, {
      description: `Hookway: ${description}${documents.length > 1 ? ` (${index + 1} of ${documents.length})` : ''}`,
      roles: [fn.role!],
      statements: statements.map(
        (grant) => new PolicyStatement({ actions: [...grant.actions], resources: [...grant.resources], conditions: grant.conditions }),
      ),
    });
    fn.node.addDependency(policy);
    return policy;
  });
}
