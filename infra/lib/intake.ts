import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FunctionUrlAuthType, InvokeMode, type FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { RustFunction } from 'cargo-lambda-cdk';
import { Construct } from 'constructs';
import type { Archive } from './archive';
import type { LoadedConfig } from './config';
import { RustLambda } from './rust-lambda';
import { grantSecureParameters } from './secure-parameters';
import { attachGrants, intakeJobGrants, MANAGED_POLICIES_PER_ROLE } from './targets';

export interface IntakeProps {
  readonly config: LoadedConfig;
  /** The configuration file to bundle into the package. */
  readonly configFile: string;
  /** The intake crate's Cargo.toml. */
  readonly manifestPath: string;
  readonly eventsQueue: IQueue;
  /** The state table, where the intake reads job records for `GET /jobs/{id}`. */
  readonly table: ITable;
  /** Where the intake puts a body too large for a message, before its 202. */
  readonly archive: Archive;
  readonly logRetention: RetentionDays;
}

/**
 * The intake Lambda: verifies each webhook with its source's secrets and puts it in the events
 * queue (a large body in the archive bucket first); answers `GET /jobs/{id}` from the state table.
 * It may do exactly that and nothing more.
 */
export class Intake extends Construct {
  readonly function: RustFunction;
  readonly logGroup: LogGroup;
  /** The Function URL: the webhooks' front door with `webhooks.endpoint: "function-url"` (or the deprecated `intake.functionUrl`). */
  readonly functionUrl?: FunctionUrl;

  constructor(scope: Construct, id: string, props: IntakeProps) {
    super(scope, id);
    const { settings } = props.config;

    const lambda = new RustLambda(this, 'Lambda', {
      manifestPath: props.manifestPath,
      binaryName: 'hookway-intake',
      description: 'Hookway intake: verifies webhooks and queues them; answers job status',
      memoryMb: settings.intake.memoryMb,
      timeout: Duration.seconds(settings.intake.timeoutSeconds),
      // The names are hookway-core's (crates/core/src/env.rs), whose test reads them here; the
      // configuration itself is in the package (configFile).
      environment: {
        HOOKWAY_STACK: Stack.of(this).stackName,
        HOOKWAY_EVENTS_QUEUE_URL: props.eventsQueue.queueUrl,
        HOOKWAY_TABLE: props.table.tableName,
        HOOKWAY_ARCHIVE_BUCKET: props.archive.bucket.bucketName,
      },
      configFile: props.configFile,
      logRetention: props.logRetention,
      tracing: props.config.settings.tracing,
      // Its own share of the account's concurrency, which a flood cannot exceed either.
      reservedConcurrency: settings.intake.reservedConcurrency ?? undefined,
    });
    this.function = lambda.function;
    this.logGroup = lambda.logGroup;

    this.function.addToRolePolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [props.eventsQueue.queueArn] }),
    );
    // Job records only (`GET /jobs/{id}`): never an event's record, an entity's version or a
    // destination's circuit.
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem'],
        resources: [props.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['job#*'] } },
      }),
    );
    props.archive.grantBodiesPut(this.function);
    // `GET /jobs/{id}` of a job a state machine runs: its execution's status.
    const executions = attachGrants(this, 'JobExecutions', this.function, intakeJobGrants(settings), "the intake's reads of the jobs' executions", MANAGED_POLICIES_PER_ROLE);
    for (const policy of executions) {
      for (const resource of policy.document.toJSON().Statement.flatMap((statement: { Resource: string | string[] }) => [statement.Resource].flat())) {
        Validations.of(policy).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${resource}]`,
          reason: 'DescribeExecution of the executions of a state machine the jobs routes name: each execution is named after its job when it starts, so the grant names the machine only.',
        });
      }
    }
    // The sources' secrets and verify tokens, that the operator puts in SSM.
    grantSecureParameters(this, this.function, 'intake', settings);

    if (settings.webhooks.endpoint === 'function-url' || settings.intake.functionUrl) {
      // No IAM auth: a webhook sender cannot sign AWS requests. The intake verifies every webhook's
      // signature itself, exactly as behind API Gateway, and serves webhooks alone there (GET
      // /jobs/{id} needs the REST API's key). Buffered: the intake answers in one piece. Its
      // reserved concurrency is the URL's only throttle; HTTPS is the only scheme a URL has.
      this.functionUrl = this.function.addFunctionUrl({ authType: FunctionUrlAuthType.NONE, invokeMode: InvokeMode.BUFFERED });
    }
  }
}
