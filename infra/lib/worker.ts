import { Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { RustFunction } from 'cargo-lambda-cdk';
import { Construct } from 'constructs';
import type { Archive } from './archive';
import type { LoadedConfig } from './config';
import { RustLambda } from './rust-lambda';
import { stackScopedName } from './names';
import { grantSecureParameters } from './secure-parameters';
import { attachGrants, MANAGED_POLICIES_PER_ROLE, workerTargetGrants } from './targets';

/** The state table's index of parked events: `parkedFor` (the destination's URL), `parkedDue` (Unix ms). */
export const PARKED_INDEX = 'parked';

/** Between the stack's name and a listener's own in its queue's name (hookway-worker's `listen::QUEUE_INFIX`). */
export const LISTEN_QUEUE_INFIX = '-listen-';
/** After it, the listener's own 8 hex digits: the queues of a stack named `<stack>-listen-x` do not match. */
export const LISTEN_QUEUE_SUFFIX = '????????';

/** What the release rule sends the worker every minute: hookway-worker's sweep of parked events. */
export const RELEASE_INPUT = { hookway: 'release' } as const;

export interface WorkerProps {
  readonly config: LoadedConfig;
  /** The configuration file to bundle into the package. */
  readonly configFile: string;
  /** The worker crate's Cargo.toml. */
  readonly manifestPath: string;
  /** The queue the worker drains, and where it sends events back to wait for their next attempt. */
  readonly eventsQueue: IQueue;
  /** Where the worker sends an event a destination refused for good, or whose retries are used up. */
  readonly eventsDeadLetterQueue: IQueue;
  /** Where a job goes once Lambda has given up on it. */
  readonly jobsDeadLetterQueue: IQueue;
  /** The state table: idempotency records, entity versions, job records and parked events (its `parked` index). */
  readonly table: ITable;
  /** Where the worker archives every event, and reads claim-checked bodies back. */
  readonly archive: Archive;
  readonly logRetention: RetentionDays;
}

/**
 * The worker Lambda, invoked three ways: by the events queue's event source mapping with batches
 * of webhooks, asynchronously by API Gateway with `POST /jobs` jobs, and every minute by an
 * EventBridge rule to release the parked events that are due.
 */
export class Worker extends Construct {
  readonly function: RustFunction;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: WorkerProps) {
    super(scope, id);
    const { worker, jobs } = props.config.settings;

    const lambda = new RustLambda(this, 'Lambda', {
      manifestPath: props.manifestPath,
      binaryName: 'hookway-worker',
      description: 'Hookway worker: processes queued webhooks and POST /jobs jobs',
      memoryMb: worker.memoryMb,
      timeout: Duration.seconds(worker.timeoutSeconds),
      // The names are hookway-core's (crates/core/src/env.rs), whose test reads them here; the
      // configuration itself is in the package (configFile).
      environment: {
        HOOKWAY_STACK: Stack.of(this).stackName,
        HOOKWAY_TABLE: props.table.tableName,
        HOOKWAY_EVENTS_QUEUE_URL: props.eventsQueue.queueUrl,
        HOOKWAY_EVENTS_DLQ_URL: props.eventsDeadLetterQueue.queueUrl,
        HOOKWAY_ARCHIVE_BUCKET: props.archive.bucket.bucketName,
        // The Firehose stream the worker archives through (archive.writer "firehose"); absent with "worker".
        ...(props.archive.stream ? { HOOKWAY_ARCHIVE_STREAM: props.archive.stream.ref } : {}),
      },
      configFile: props.configFile,
      logRetention: props.logRetention,
      tracing: props.config.settings.tracing,
    });
    this.function = lambda.function;
    this.logGroup = lambda.logGroup;

    // Only the failed messages of a batch come back (the worker answers batchItemFailures). An event
    // to be tried later is sent back to the queue, delayed, and its message acknowledged: so a
    // message that keeps coming back is a crash or a poison message, and moves to the dead-letter
    // queue after queue.maxReceiveCount receives.
    this.function.addEventSource(
      new SqsEventSource(props.eventsQueue, {
        batchSize: worker.batchSize,
        // Lambda's default is no batching window; CDK refuses a batch over 10 without one.
        maxBatchingWindow: worker.batchingWindowSeconds > 0 ? Duration.seconds(worker.batchingWindowSeconds) : undefined,
        maxConcurrency: worker.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );

    // A failed job is retried by Lambda, then recorded in the jobs dead-letter queue with its error.
    this.function.configureAsyncInvoke({
      retryAttempts: jobs.retryAttempts,
      maxEventAge: Duration.seconds(jobs.maxEventAgeSeconds),
      onFailure: new SqsDestination(props.jobsDeadLetterQueue),
    });

    // The state table's items, one at a time, exactly as hookway-core's DynamoStore and the worker's
    // shared circuits and rate limits use them (a read, and conditional or atomic updates that
    // create or change an item); never a scan. One BatchGetItem a batch (which events are archived
    // already; the archive asks for it too) and one a sweep (the circuits of the destinations with
    // parked events).
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [props.table.tableArn],
      }),
    );
    // The sweep: each destination's parked events that are due, from the index alone (its
    // projection carries what releasing an event needs), never the table itself.
    this.function.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${props.table.tableArn}/index/${PARKED_INDEX}`] }),
    );

    // Every minute, the sweep: parked events whose time has come go back to the events queue.
    // EventBridge hands each sweep to Lambda's asynchronous invocations; one it cannot hand over
    // is not retried, the next minute's sweep finds the same events due.
    new Rule(this, 'Release', {
      ruleName: stackScopedName(this, 'release', 64),
      description: 'Hookway: every minute, the worker releases the parked events that are due',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [
        new LambdaFunction(this.function, {
          event: RuleTargetInput.fromObject(RELEASE_INPUT),
          retryAttempts: 0,
          maxEventAge: Duration.minutes(1),
        }),
      ],
    });

    // An event a destination refused for good (a 4xx but 408 and 429), or whose retry schedule is
    // used up, goes to the events DLQ with its reason; an event to be tried later goes back to the
    // events queue, delayed, as does a parked event the sweep releases.
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['sqs:SendMessage'],
        resources: [props.eventsDeadLetterQueue.queueArn, props.eventsQueue.queueArn],
      }),
    );

    // `hookway listen`: a copy of each new event to the queues developers' listeners create while
    // they run, named `<stack>-listen-<8 hex>` (the worker finds them in the table's `listeners`
    // item). A managed policy of its own: the role's inline policies share IAM's 10,240 characters,
    // which the destinations' secrets grant needs, and this grant must not narrow it.
    const listen = new ManagedPolicy(this, 'ListenQueues', {
      description: 'Hookway worker: copies of new events to the queues of hookway listen',
      roles: [this.function.role!],
      statements: [
        new PolicyStatement({
          actions: ['sqs:SendMessage'],
          resources: [`arn:${Aws.PARTITION}:sqs:${Aws.REGION}:${Aws.ACCOUNT_ID}:${Aws.STACK_NAME}${LISTEN_QUEUE_INFIX}${LISTEN_QUEUE_SUFFIX}`],
        }),
      ],
    });
    this.function.node.addDependency(listen);
    Validations.of(listen).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:<AWS::StackName>${LISTEN_QUEUE_INFIX}${LISTEN_QUEUE_SUFFIX}]`,
      reason: 'SendMessage only, to the queues of `hookway listen`: each is created while a developer listens, under a name made then.',
    });

    // The routes' targets: exactly the queues, topics, buses, functions and state machines they
    // name, each with its target's one action (and the keys SQS and SNS encrypt them with).
    const targetGrants = workerTargetGrants(props.config.settings);
    attachGrants(this, 'Targets', this.function, targetGrants, "the worker's calls to the routes' targets", MANAGED_POLICIES_PER_ROLE - 1);
    if (targetGrants.length > 0) {
      // A message past its target's size limit carries a reference to its body, which the worker
      // puts in the archive bucket first.
      props.archive.grantBodiesPut(this.function, "the worker puts each body past a target's message limit under a key of its own");
    }

    // Every event into the archive, a batch at a time; claim-checked bodies back out.
    props.archive.grantWorker(this.function, props.table);

    // The destinations' signing secrets and Authorization values, exactly those the routes name.
    grantSecureParameters(this, this.function, 'worker', props.config.settings);
  }
}
