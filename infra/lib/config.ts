/**
 * hookway.json, as the stack reads it.
 *
 * The Rust types in crates/core/src/config are the contract, and hookway.schema.json is generated
 * from them (`make schema`). The stack validates the file against that schema, which also supplies
 * every default, so TypeScript keeps no second copy of the defaults or the ranges that could drift.
 * The Lambdas receive the file itself, byte for byte, in their package (`hookway.json` beside
 * `bootstrap`), and check it again, fully, when they start.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

export interface ApiConfig {
  readonly stageName: string;
  readonly throttlingRateLimit: number;
  readonly throttlingBurstLimit: number;
}

export interface IntakeConfig {
  readonly maxBodyBytes: number;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** Deprecated (`webhooks.endpoint: "function-url"` replaces it): a Function URL beside the REST API's routes. */
  readonly functionUrl: boolean;
  /** Concurrency reserved for the intake; `null`: none, the account's unreserved pool. */
  readonly reservedConcurrency: number | null;
}

/** A token bucket: `rate` requests a second on average, `burst` at once. */
export interface ThrottleConfig {
  readonly rate: number;
  readonly burst: number;
}

export interface WorkerConfig {
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  readonly maxConcurrency: number;
  readonly idempotencyTtlDays: number;
  readonly replayWindowDays: number;
}

export interface QueueConfig {
  readonly maxReceiveCount: number;
  readonly retentionDays: number;
}

export interface ArchiveConfig {
  readonly retentionDays: number;
  /** `firehose`: the worker puts events into a Firehose stream that writes them under `events/_stream/`; `worker`: one S3 object per batch. */
  readonly writer: 'firehose' | 'worker';
}

/** The state table's billing: on demand, or provisioned capacity kept near a target by auto scaling. */
export interface StateConfig {
  readonly billing: 'on-demand' | 'provisioned';
  readonly readCapacity: CapacityRange;
  readonly writeCapacity: CapacityRange;
  readonly targetUtilizationPercent: number;
}

/** The least and the most capacity units auto scaling may provision. */
export interface CapacityRange {
  readonly min: number;
  readonly max: number;
}

export interface JobsConfig {
  readonly retryAttempts: number;
  readonly maxEventAgeSeconds: number;
  /** The usage plan's throttle, and POST /jobs's own: the cap on the worker's job invocations. */
  readonly throttle: ThrottleConfig;
  /** The usage plan's quota, per API key. */
  readonly quota: { readonly limit: number; readonly period: 'DAY' | 'WEEK' | 'MONTH' };
}

export interface AlarmsConfig {
  readonly oldestMessageAgeSeconds: number;
  readonly visibleMessages: number;
  readonly failureRatePercent: number;
  readonly failureRateMinEvents: number;
  readonly signatureRejections: number;
  readonly runbookUrl: string;
  /** Also post every alarm in this Slack channel, through AWS Chatbot. */
  readonly slack?: SlackConfig;
}

export interface SlackConfig {
  readonly workspaceId: string;
  readonly channelId: string;
}

/** One webhook sender; the stack needs its name (its API resource), its throttle and where its secrets are. */
export interface SourceConfig {
  readonly name: string;
  readonly scheme: string;
  readonly secretParameters: readonly string[];
  /** The SSM parameter holding a GET handshake's verify token (Meta), which the intake reads too. */
  readonly verifyTokenParameter?: string;
  /** Its own resource (REST) or routes (HTTP API) with this throttle; without it, `/webhooks/{source}` and the API's default throttle. */
  readonly throttle?: ThrottleConfig;
}

/** A route; the stack needs its source (whether it takes jobs) and its handlers' secrets and resources. */
export interface RouteConfig {
  /** A source's name, `jobs`, or a pattern where `*` matches anything. */
  readonly source: string;
  readonly handler?: HandlerConfig;
  readonly handlers?: readonly HandlerConfig[];
}

/** `"log"`, `{"custom": name}`, `{"forward": {...}}`, or an AWS-native target naming its resource by ARN. */
export type HandlerConfig =
  | string
  | { readonly custom: string }
  | { readonly forward: ForwardConfig }
  | { readonly sqs: SqsTarget }
  | { readonly sns: SnsTarget }
  | { readonly eventBridge: EventBridgeTarget }
  | { readonly lambda: LambdaTarget }
  | { readonly stepFunctions: StepFunctionsTarget };

export interface ForwardConfig {
  readonly url: string;
  readonly sign?: { readonly secretParameters: readonly string[] };
  readonly authorization?: { readonly parameter: string };
}

/** `SendMessage` to a queue; `kmsKeyArn`: its customer managed key, if it has one. */
export interface SqsTarget {
  readonly queueArn: string;
  readonly messageGroupPointer?: string;
  readonly kmsKeyArn?: string;
}

/** `Publish` to a topic; `kmsKeyArn`: its customer managed key, if it has one. */
export interface SnsTarget {
  readonly topicArn: string;
  readonly messageGroupPointer?: string;
  readonly kmsKeyArn?: string;
}

/** `PutEvents` on a bus. */
export interface EventBridgeTarget {
  readonly busArn: string;
  readonly detailType: string;
  readonly source: string;
}

/** `Invoke` a function (a version or alias may follow its name). */
export interface LambdaTarget {
  readonly functionArn: string;
  readonly invocationType: 'Event' | 'RequestResponse';
  readonly timeoutSeconds: number;
}

/** `StartExecution` of a state machine. */
export interface StepFunctionsTarget {
  readonly stateMachineArn: string;
}

/** What serves `/webhooks/*`: the REST API, an HTTP API, or the intake's Function URL. */
export type WebhookEndpoint = 'rest' | 'http-api' | 'function-url';

/** Which front door serves `/webhooks/*`, and what guards it besides each source's throttle. */
export interface WebhooksConfig {
  readonly endpoint: WebhookEndpoint;
  /** A WAF web ACL with a per-IP rate rule on the REST API; none when absent. */
  readonly waf?: { readonly ratePer5Minutes: number };
}

/** The settings the stack sizes and wires the AWS resources with, every default filled in. */

export interface HookwayConfig {
  readonly api: ApiConfig;
  readonly webhooks: WebhooksConfig;
  readonly intake: IntakeConfig;
  readonly worker: WorkerConfig;
  readonly queue: QueueConfig;
  readonly jobs: JobsConfig;
  readonly archive: ArchiveConfig;
  readonly state: StateConfig;
  readonly alarms: AlarmsConfig;
  readonly logRetentionDays: number;
  /** Active AWS X-Ray tracing of the API and both functions. */
  readonly tracing: boolean;
  readonly sources: readonly SourceConfig[];
  readonly routes?: readonly RouteConfig[];
}

/** Every SSM parameter the intake reads: the sources' secrets and their handshakes' verify tokens. */
export function sourceParameters(settings: HookwayConfig): string[] {
  const names = settings.sources.flatMap((source) => [...source.secretParameters, ...(source.verifyTokenParameter ? [source.verifyTokenParameter] : [])]);
  return [...new Set(names)];
}

/** Every SSM parameter the worker reads for its destinations: signing secrets and Authorization values. */
export function outboundParameters(settings: HookwayConfig): string[] {
  const handlers = (settings.routes ?? []).flatMap((route) => (route.handler !== undefined ? [route.handler] : (route.handlers ?? [])));
  const forwards = handlers.flatMap((handler) => (typeof handler === 'object' && 'forward' in handler ? [handler.forward] : []));
  const names = forwards.flatMap((forward) => [...(forward.sign?.secretParameters ?? []), ...(forward.authorization ? [forward.authorization.parameter] : [])]);
  return [...new Set(names)];
}

export interface LoadedConfig {
  /** The validated settings. */
  readonly settings: HookwayConfig;
  /** The file's bytes, exactly as each function's package holds them. */
  readonly bytes: Buffer;
  /** `sha256:` and the lowercase hex SHA-256 of the bytes: what each function logs at start-up, and the stack outputs. */
  readonly digest: string;
  /** Where the bytes were read from; none for a configuration built in memory. */
  readonly file?: string;
}

/** The configuration digest: `sha256:` and the lowercase hex SHA-256 of the file's bytes. */
export function configDigest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * The configuration file `-c config=…` names: an absolute path as it is; a relative one from the
 * current directory, else from the repository's root (where `make` and `npx cdk` usually run).
 */
export function resolveConfigPath(given: string, cwd: string, root: string): string {
  if (path.isAbsolute(given)) {
    return given;
  }
  const candidates = [path.resolve(cwd, given), path.resolve(root, given)];
  const found = candidates.find((candidate) => fs.existsSync(candidate));
  if (!found) {
    throw new ConfigError(given, [`(file): not found; looked in ${[...new Set(candidates)].join(' and ')}`]);
  }
  return found;
}

/** A configuration the stack cannot be built from; the message names every field at fault. */
export class ConfigError extends Error {
  constructor(origin: string, problems: readonly string[]) {
    super(`${origin} is not a valid Hookway configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads hookway.json and checks it against hookway.schema.json. */
export function loadConfig(configPath: string, schemaPath: string): LoadedConfig {
  const schema: unknown = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
  const bytes = fs.readFileSync(configPath);
  return { ...parseConfig(bytes, schema, configPath), file: configPath };
}

/** Parses and validates a configuration; `origin` names it in errors. */
export function parseConfig(content: Buffer | string, schema: unknown, origin: string): LoadedConfig {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  let document: unknown;
  try {
    document = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new ConfigError(origin, [`(root): ${(error as Error).message}`]);
  }

  const validate = schemaValidator(schema);
  if (!validate(document)) {
    throw new ConfigError(origin, describe(validate.errors ?? []));
  }
  const settings = document as HookwayConfig;
  // The schema only says "an integer"; CloudWatch Logs accepts a fixed set of retentions.
  const retentions = Object.values(RetentionDays).filter((days) => typeof days === 'number' && days !== RetentionDays.INFINITE);
  if (!retentions.includes(settings.logRetentionDays)) {
    throw new ConfigError(origin, [
      `logRetentionDays: ${settings.logRetentionDays} is not a CloudWatch Logs retention; use one of ${retentions.join(', ')}`,
    ]);
  }
  const problems = endpointProblems(settings);
  if (problems.length > 0) {
    throw new ConfigError(origin, problems);
  }
  return { settings, bytes, digest: configDigest(bytes) };
}

/**
 * What the schema cannot say about `webhooks.endpoint`, said as `hookway config check` says it
 * (crates/core/src/config): WAF attaches to a REST API only, a Function URL has no per-source
 * throttle, and the deprecated `intake.functionUrl` beside an HTTP API would be a second door.
 */
function endpointProblems(settings: HookwayConfig): string[] {
  const { endpoint, waf } = settings.webhooks;
  const problems: string[] = [];
  if (waf && endpoint !== 'rest') {
    problems.push(`webhooks.waf: AWS WAF attaches to a REST API only, not to the webhooks endpoint \`${endpoint}\`: remove the waf, or use "endpoint": "rest"`);
  }
  if (settings.intake.functionUrl && endpoint === 'http-api') {
    problems.push('intake.functionUrl: contradicts "webhooks": {"endpoint": "http-api"}: webhooks have one front door; remove intake.functionUrl (it is deprecated), or use "endpoint": "function-url"');
  }
  if (endpoint === 'function-url') {
    settings.sources.forEach((source, index) => {
      if (source.throttle) {
        problems.push(`sources[${index}].throttle: a Function URL has no per-source throttle (webhooks.endpoint is function-url): remove the throttle of \`${source.name}\``);
      }
    });
  }
  return problems;
}

function schemaValidator(schema: unknown) {
  const ajv = new Ajv2020({ allErrors: true, useDefaults: true, allowUnionTypes: true });
  // schemars names the Rust integer types as formats; the ranges are in minimum and maximum.
  for (const format of ['uint', 'uint32', 'uint64']) {
    ajv.addFormat(format, { type: 'number', validate: (n: number) => Number.isSafeInteger(n) && n >= 0 });
  }
  for (const format of ['double']) {
    ajv.addFormat(format, { type: 'number', validate: (n: number) => Number.isFinite(n) });
  }
  return ajv.compile(schema as object);
}

/** ajv's errors as `field: problem` lines, with fields written as the Rust side writes them. */
function describe(errors: readonly ErrorObject[]): string[] {
  // A value that matches none of a oneOf's alternatives fails each of them too; report it once.
  const alternatives = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const isAlternative = (e: ErrorObject) => alternatives.some((a) => e !== a && e.schemaPath.startsWith(`${a.schemaPath}/`));
  const problems = errors.filter((e) => !isAlternative(e)).map((error) => {
    const at = fieldOf(error.instancePath);
    switch (error.keyword) {
      case 'required':
        return `${join(at, error.params.missingProperty)}: missing field`;
      case 'additionalProperties':
        return `${join(at, error.params.additionalProperty)}: unknown field`;
      case 'oneOf':
      case 'anyOf': {
        const allowed = errors.filter((e) => isAlternative(e) && e.keyword === 'const' && e.schemaPath.startsWith(error.schemaPath));
        return allowed.length > 0
          ? `${at}: must be one of ${allowed.map((e) => e.params.allowedValue).join(', ')}`
          : `${at}: matches none of its allowed forms (\`hookway config check\` names the exact problem)`;
      }
      default:
        return `${at}: ${error.message}`;
    }
  });
  return [...new Set(problems)];
}

/** `/sources/0/toleranceSeconds` → `sources[0].toleranceSeconds`. */
function fieldOf(pointer: string): string {
  if (pointer === '') {
    return '(root)';
  }
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((field, token) => (/^\d+$/.test(token) ? `${field}[${token}]` : join(field, token)), '');
}

function join(field: string, name: string): string {
  return field === '' || field === '(root)' ? name : `${field}.${name}`;
}
