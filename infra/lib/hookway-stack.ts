import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Annotations, Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { Archive } from './archive';
import type { LoadedConfig, StateConfig } from './config';
import { limitProblems } from './limits';
import { IngestApi } from './ingest-api';
import { Intake } from './intake';
import { Monitoring } from './monitoring';
import { Queueing } from './queueing';
import { WebhooksHttpApi } from './webhooks-http-api';
import { PARKED_INDEX, Worker } from './worker';

export interface HookwayStackProps extends StackProps {
  /** hookway.json, validated. */
  readonly config: LoadedConfig;
  /** The repository's root, where the Cargo workspace is. */
  readonly repositoryRoot: string;
  /** An address that receives every alarm by email. */
  readonly alarmEmail?: string;
}

/**
 * The whole of Hookway: the API, the intake, the events queue and its dead-letter queue, the worker,
 * the jobs dead-letter queue, the state table, the archive bucket and the alarms, sized by hookway.json.
 */
export class HookwayStack extends Stack {
  constructor(scope: Construct, id: string, props: HookwayStackProps) {
    super(scope, id, props);
    const { settings } = props.config;
    // What AWS would refuse only at deploy time, refused here in the words of `hookway config check`.
    const problems = limitProblems(settings);
    if (problems.length > 0) {
      throw new Error(`${props.config.file ?? 'the configuration'} does not fit in one stack:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    }
    const logRetention = settings.logRetentionDays as RetentionDays;
    const crate = (name: string) => path.join(props.repositoryRoot, 'crates', name, 'Cargo.toml');
    const configFile = this.configFile(props.config);

    const queueing = new Queueing(this, 'Queueing', {
      queue: settings.queue,
      workerTimeout: Duration.seconds(settings.worker.timeoutSeconds),
      batchingWindow: Duration.seconds(settings.worker.batchingWindowSeconds),
    });

    const table = this.stateTable(settings.state);

    // Every event, archived by the worker before any delivery, and the bodies too large for a message.
    const archive = new Archive(this, 'Archive', { archive: settings.archive, queue: settings.queue, logRetention });

    const intake = new Intake(this, 'Intake', {
      config: props.config,
      configFile,
      manifestPath: crate('intake'),
      eventsQueue: queueing.eventsQueue,
      table,
      archive,
      logRetention,
    });
    const worker = new Worker(this, 'Worker', {
      config: props.config,
      configFile,
      manifestPath: crate('worker'),
      eventsQueue: queueing.eventsQueue,
      eventsDeadLetterQueue: queueing.eventsDeadLetterQueue,
      jobsDeadLetterQueue: queueing.jobsDeadLetterQueue,
      table,
      archive,
      logRetention,
    });
    const api = new IngestApi(this, 'Api', {
      api: settings.api,
      sources: settings.sources,
      jobs: settings.jobs,
      webhooks: settings.webhooks,
      intake: intake.function,
      worker: worker.function,
      logRetention,
      tracing: settings.tracing,
    });
    // The webhooks' front door (`webhooks.endpoint`); /jobs stays on the REST API whichever it is.
    const webhooksApi =
      settings.webhooks.endpoint === 'http-api'
        ? new WebhooksHttpApi(this, 'WebhooksApi', { api: settings.api, sources: settings.sources, intake: intake.function, logRetention })
        : undefined;
    if (settings.intake.functionUrl) {
      Annotations.of(this).addWarningV2(
        'hookway:intake-function-url-deprecated',
        'intake.functionUrl is deprecated: its replacement is `webhooks.endpoint: "function-url"` (hookway config check says more)',
      );
    }
    const monitoring = new Monitoring(this, 'Monitoring', {
      alarms: settings.alarms,
      alarmEmail: props.alarmEmail,
      api: api.restApi,
      apiAccessLogs: api.accessLogs,
      webhooksApi: webhooksApi?.httpApi,
      intake: intake.function,
      intakeLogs: intake.logGroup,
      eventsQueue: queueing.eventsQueue,
      worker: worker.function,
      workerLogs: worker.logGroup,
      eventsDeadLetterQueue: queueing.eventsDeadLetterQueue,
      jobsDeadLetterQueue: queueing.jobsDeadLetterQueue,
      table,
      archiveStream: archive.stream,
    });

    const url = api.restApi.url; // https://{id}.execute-api.{region}.amazonaws.com/{stage}/
    output(this, 'ApiUrl', url, 'The API, with its stage');
    const webhooksUrl = {
      rest: () => `${url}webhooks/{source}`,
      // https://{id}.execute-api.{region}.amazonaws.com: the $default stage has no path of its own.
      'http-api': () => `${webhooksApi?.url}/webhooks/{source}`,
      // https://{url-id}.lambda-url.{region}.on.aws/
      'function-url': () => `${intake.functionUrl?.url}webhooks/{source}`,
    }[settings.webhooks.endpoint]();
    output(this, 'WebhookUrl', webhooksUrl, `Where each source sends its webhooks: {source} is its name in hookway.json (webhooks.endpoint: ${settings.webhooks.endpoint})`);
    output(this, 'JobsUrl', `${url}jobs`, 'POST a job here, with the API key in x-api-key; GET its status at /jobs/{id}');
    output(this, 'ApiKeyId', api.apiKey.keyId, 'The jobs API key: aws apigateway get-api-key --include-value --api-key <id>');
    output(this, 'EventsQueueUrl', queueing.eventsQueue.queueUrl, 'The events queue');
    output(this, 'EventsDeadLetterQueueUrl', queueing.eventsDeadLetterQueue.queueUrl, 'Events that failed every delivery');
    output(this, 'JobsDeadLetterQueueUrl', queueing.jobsDeadLetterQueue.queueUrl, 'Jobs that failed every attempt');
    output(this, 'TableName', table.tableName, 'The state table: idempotency records and job status');
    output(this, 'ArchiveBucketName', archive.bucket.bucketName, 'The event store: every event (events/), and the bodies too large for a message (bodies/)');
    if (archive.stream) {
      output(this, 'ArchiveStreamName', archive.stream.ref, 'The Firehose stream the worker archives events through, into events/_stream/ of the archive bucket');
    }
    output(
      this,
      'ConfigDigest',
      props.config.digest,
      "The configuration both functions run with (hookway.json in their packages): compare with `hookway config check`'s digest",
    );
    output(this, 'WorkerFunctionName', worker.function.functionName, 'The worker: hookway dlq redrive --queue jobs invokes it again');
    output(
      this,
      'DashboardUrl',
      `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${monitoring.dashboard.dashboardName}`,
      'The dashboard',
    );
    if (webhooksApi) {
      output(this, 'WebhooksApiUrl', webhooksApi.url, 'The HTTP API that serves the webhooks: POST {url}/webhooks/{source}');
    }
    if (intake.functionUrl) {
      output(this, 'IntakeFunctionUrl', intake.functionUrl.url, 'The intake without API Gateway: POST {url}webhooks/{source}');
    }
  }

  /**
   * What the worker has processed (idempotency), the newest version of each entity it applied,
   * every job's status, and the events parked for a destination (the `parked` index). The records expire by their `expiresAt`; the table outlives the stack.
   * On demand by default; with `state.billing: "provisioned"`, capacity that Application Auto
   * Scaling keeps near the target utilisation, between the configured least and most.
   */
  private stateTable(state: StateConfig): Table {
    const provisioned = state.billing === 'provisioned';
    const table = new Table(this, 'StateTable', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      billingMode: provisioned ? BillingMode.PROVISIONED : BillingMode.PAY_PER_REQUEST,
      ...(provisioned ? { readCapacity: state.readCapacity.min, writeCapacity: state.writeCapacity.min } : {}),
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // The events parked until their destination takes them again (its circuit open, paused by an
    // operator, or a retry wait longer than the queue can hold a message), by destination and when
    // each is due: the worker's sweep queries each destination's due events, `hookway destinations
    // list` counts them and finds the oldest. Sparse: only a parked event's record has `parkedFor`.
    table.addGlobalSecondaryIndex({
      indexName: PARKED_INDEX,
      partitionKey: { name: 'parkedFor', type: AttributeType.STRING },
      sortKey: { name: 'parkedDue', type: AttributeType.NUMBER },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: ['parkedBody', 'parkedAttributes', 'parkedHold', 'parkedAt'],
      ...(provisioned ? { readCapacity: state.readCapacity.min, writeCapacity: state.writeCapacity.min } : {}),
    });
    if (provisioned) {
      const target = { targetUtilizationPercent: state.targetUtilizationPercent };
      table.autoScaleReadCapacity({ minCapacity: state.readCapacity.min, maxCapacity: state.readCapacity.max }).scaleOnUtilization(target);
      table.autoScaleWriteCapacity({ minCapacity: state.writeCapacity.min, maxCapacity: state.writeCapacity.max }).scaleOnUtilization(target);
      table
        .autoScaleGlobalSecondaryIndexReadCapacity(PARKED_INDEX, { minCapacity: state.readCapacity.min, maxCapacity: state.readCapacity.max })
        .scaleOnUtilization(target);
      table
        .autoScaleGlobalSecondaryIndexWriteCapacity(PARKED_INDEX, { minCapacity: state.writeCapacity.min, maxCapacity: state.writeCapacity.max })
        .scaleOnUtilization(target);
    }
    return table;
  }

  /**
   * The file whose bytes go into both packages: the one the configuration was read from, or, for a
   * configuration built in memory, its bytes written to a file of their own when a build needs them.
   */
  private configFile(config: LoadedConfig): string {
    if (config.file) {
      return config.file;
    }
    if (!this.bundlingRequired) {
      return 'hookway.json';
    }
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hookway-config-')), 'hookway.json');
    fs.writeFileSync(file, config.bytes, { mode: 0o644 });
    return file;
  }
}

function output(stack: Stack, id: string, value: string, description: string): void {
  new CfnOutput(stack, id, { value, description });
}
