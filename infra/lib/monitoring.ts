import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { SlackChannelConfiguration } from 'aws-cdk-lib/aws-chatbot';
import {
  Alarm,
  AlarmStatusWidget,
  AnomalyDetectionAlarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { CfnDeliveryStream } from 'aws-cdk-lib/aws-kinesisfirehose';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { AlarmsConfig } from './config';
import { stackScopedName } from './names';

export interface MonitoringProps {
  readonly alarms: AlarmsConfig;
  /** An address that receives every alarm by email (it must confirm the subscription once). */
  readonly alarmEmail?: string;
  readonly api: RestApi;
  readonly apiAccessLogs: ILogGroup;
  /** The HTTP API that serves the webhooks, with `webhooks.endpoint: "http-api"`. */
  readonly webhooksApi?: HttpApi;
  readonly intake: IFunction;
  readonly intakeLogs: ILogGroup;
  readonly eventsQueue: IQueue;
  readonly worker: IFunction;
  readonly workerLogs: ILogGroup;
  readonly eventsDeadLetterQueue: IQueue;
  readonly jobsDeadLetterQueue: IQueue;
  readonly table: ITable;
  /** The archive's Firehose stream, with `archive.writer: "firehose"`. */
  readonly archiveStream?: CfnDeliveryStream;
}

/** Lambda and API Gateway publish every minute: an error is reported within about two. */
const FAST = Duration.minutes(1);
/** SQS publishes its queue metrics every five minutes at best. */
const QUEUE = Duration.minutes(5);
/** The failure rate is judged over a quarter of an hour, so that a handful of events is not a rate. */
const FAILURE_RATE_PERIOD = Duration.minutes(15);
/** Signature rejections are counted per five minutes. */
const REJECTIONS_PERIOD = Duration.minutes(5);
/**
 * Firehose writes its buffer every minute: events it has held for a quarter of an hour mean it
 * cannot write them (its role, the bucket).
 */
const ARCHIVE_FRESHNESS_SECONDS = 900;

/**
 * The alarm topic (mailed, and optionally posted to Slack through AWS Chatbot), an alarm for each
 * way the flow can fail, and one dashboard that shows the flow in its order, with links to every
 * part: API → intake → queue → worker → dead-letter queues.
 *
 * Nothing here grows with the sources or the routes: a source's signature rejections are watched
 * by one Metrics Insights alarm over all of them, and the dashboard finds each source's and each
 * destination's metrics with SEARCH expressions. Hookway's own metrics (the EMF lines of the intake
 * and the worker) are in the namespace named after the stack, so two stacks' never mix.
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    // The namespace of Hookway's own metrics: HOOKWAY_STACK, which the functions publish under.
    const namespace = Stack.of(this).stackName;
    const hookway = (metricName: string, dimensionsMap: Record<string, string>, statistic: string, period: Duration, label?: string) =>
      new Metric({ namespace, metricName, dimensionsMap, statistic, period, label });

    // Encrypted at rest with a key of the stack's own: CloudWatch cannot publish to a topic under the
    // AWS managed SNS key, so this key's policy lets CloudWatch, the one publisher, use it.
    const key = new Key(this, 'AlarmTopicKey', {
      description: 'Hookway: the alarm topic',
      enableKeyRotation: true,
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    // The sender's name in alarm emails (SNS takes 100 characters).
    this.topic = new Topic(this, 'AlarmTopic', { displayName: `${namespace.slice(0, 93)} alarms`, enforceSSL: true, masterKey: key });
    if (props.alarmEmail) {
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    }
    if (props.alarms.slack) {
      this.addSlack(props.alarms.slack.workspaceId, props.alarms.slack.channelId);
    }

    const { alarms } = props;
    const runbook = (alarm: string) => ` Runbook: ${runbookLink(alarms.runbookUrl, alarm)}`;
    const lambdaSum = { period: FAST, statistic: 'Sum' };
    const queueMax = { period: QUEUE, statistic: 'Maximum' };
    const alarm = (name: string, metric: IMetric, threshold: number, description: string) =>
      this.alarm(name, metric, threshold, description + runbook(name));
    alarm('IntakeErrors', props.intake.metricErrors(lambdaSum), 1, 'The intake failed (a crash or a timeout): webhooks were answered 5XX and will be re-sent.');
    alarm('IntakeThrottles', props.intake.metricThrottles(lambdaSum), 1, 'The intake was throttled: webhooks were answered 5XX and will be re-sent.');
    alarm('EventsQueueOldestMessage', props.eventsQueue.metricApproximateAgeOfOldestMessage(queueMax), alarms.oldestMessageAgeSeconds, 'Events wait too long: the worker is failing, throttled or too slow.');
    alarm('EventsQueueBacklog', props.eventsQueue.metricApproximateNumberOfMessagesVisible(queueMax), alarms.visibleMessages, 'Too many events wait: the worker is failing, throttled or too slow.');
    alarm('WorkerErrors', props.worker.metricErrors(lambdaSum), 1, 'The worker failed a job, or crashed on a batch.');
    alarm('WorkerThrottles', props.worker.metricThrottles(lambdaSum), 1, 'The worker was throttled: events wait in the queue and jobs are retried, so deliveries are late.');
    alarm(
      'EventsDeadLetters',
      props.eventsDeadLetterQueue.metricApproximateNumberOfMessagesVisible(queueMax),
      1,
      'An event is in the events dead-letter queue: a destination refused it for good, its retry schedule is used up, its id came with another body (id-conflict), or it crashed the worker queue.maxReceiveCount times.',
    );
    alarm(
      'IdConflicts',
      hookway('IdConflicts', { Pipeline: 'events' }, 'Sum', FAST),
      1,
      'An event came with the id of an event already processed (or being processed) but another body: a forged or replayed ' +
        'request, or a broken sender. It is in the events dead-letter queue with both bodies\' SHA-256 digests; the first stays as processed.',
    );
    alarm('JobsDeadLetters', props.jobsDeadLetterQueue.metricApproximateNumberOfMessagesVisible(queueMax), 1, 'A job failed every attempt and is in the jobs dead-letter queue.');
    alarm('Api5xx', props.api.deploymentStage.metricServerError(lambdaSum), 1, 'API Gateway answered 5XX: an integration failed or timed out.');
    if (props.webhooksApi) {
      alarm('WebhooksApi5xx', props.webhooksApi.metricServerError(lambdaSum), 1, "The webhooks' HTTP API answered 5XX: the intake failed or timed out.");
    }

    alarm(
      'FailureRate',
      failureRate(namespace, alarms.failureRateMinEvents),
      alarms.failureRatePercent,
      `At least ${alarms.failureRatePercent}% of the worker's events and jobs failed over 15 minutes (judged once ` +
        `${alarms.failureRateMinEvents} or more were handled): a destination is down or refusing, or a handler is broken. ` +
        'Failed events are retried, then land in a dead-letter queue.',
    );
    // One alarm for every source, however many: each source's rejections are a time series of the
    // query, and the alarm fires when any of them reaches the threshold (its state names which).
    alarm(
      'SignatureRejections',
      new MathExpression({
        expression:
          `SELECT SUM(Rejected) FROM SCHEMA(${quoted(namespace)}, Pipeline, Reason, Source) ` +
          "WHERE Pipeline = 'events' AND Reason = 'Signature' GROUP BY Source ORDER BY SUM() DESC",
        usingMetrics: {},
        period: REJECTIONS_PERIOD,
        label: 'signature rejections, by source',
      }),
      alarms.signatureRejections,
      `The intake refused ${alarms.signatureRejections} or more webhooks of one source in 5 minutes for their ` +
        'signature (the alarm names the source): someone forges them, or the sender signs with a rotated secret that is not stored yet.',
    );
    if (props.archiveStream) {
      alarm(
        'ArchiveDelivery',
        new Metric({
          namespace: 'AWS/Firehose',
          metricName: 'DeliveryToS3.DataFreshness',
          dimensionsMap: { DeliveryStreamName: props.archiveStream.ref },
          statistic: 'Maximum',
          period: QUEUE,
        }),
        ARCHIVE_FRESHNESS_SECONDS,
        'The archive stream has held events for 15 minutes or more without writing them to the archive bucket: its role ' +
          'or the bucket refuses it (its log group says why). Firehose retries for a day, then drops them from the archive; ' +
          'they were delivered all the same.',
      );
    }
    this.watch(
      new AnomalyDetectionAlarm(this, 'TrafficAnomaly', {
        metric: hookway('Accepted', { Pipeline: 'events' }, 'Sum', QUEUE, 'accepted'),
        stdDevs: 2,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription:
          'The webhooks accepted left the band CloudWatch learned from past traffic: a flood, or a sender that stopped ' +
          'sending (or whose requests now fail before the intake).' +
          runbook('TrafficAnomaly'),
      }),
    );

    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    this.dashboard.addWidgets(new TextWidget({ markdown: flow(this, props), width: 24, height: 7 }));
    const stage = props.api.deploymentStage;
    this.dashboard.addWidgets(
      graph('API: requests', [stage.metricCount(lambdaSum), stage.metricClientError(lambdaSum), stage.metricServerError(lambdaSum)]),
      graph('API: latency (p99)', [stage.metricLatency({ period: FAST, statistic: 'p99' }), stage.metricIntegrationLatency({ period: FAST, statistic: 'p99' })]),
    );
    if (props.webhooksApi) {
      const http = props.webhooksApi;
      this.dashboard.addWidgets(
        graph('Webhooks HTTP API: requests', [http.metricCount(lambdaSum), http.metricClientError(lambdaSum), http.metricServerError(lambdaSum)]),
        graph('Webhooks HTTP API: latency (p99)', [http.metricLatency({ period: FAST, statistic: 'p99' }), http.metricIntegrationLatency({ period: FAST, statistic: 'p99' })]),
      );
    }
    this.dashboard.addWidgets(...functionWidgets('Intake', props.intake));
    // Every source's and destination's metrics, found by SEARCH: the dashboard's body does not grow
    // with the configuration, and a source added later is graphed without a deploy.
    const search = (metricName: string, dimensions: string[], statistic = 'Sum') => searchOf(namespace, metricName, dimensions, statistic, FAST);
    this.dashboard.addWidgets(
      graph('Webhooks accepted, by source', [search('Accepted', ['Pipeline', 'Source'])]),
      graph('Webhooks rejected, by source and reason', [
        search('Rejected', ['Pipeline', 'Reason', 'Source']),
        hookway('Rejected', { Pipeline: 'events', Reason: 'UnknownSource' }, 'Sum', FAST, 'unknown source'),
      ]),
    );
    const queueSum = { period: QUEUE, statistic: 'Sum' };
    this.dashboard.addWidgets(
      graph(
        'Events queue: messages',
        [
          props.eventsQueue.metricNumberOfMessagesSent(queueSum),
          props.eventsQueue.metricNumberOfMessagesReceived(queueSum),
          props.eventsQueue.metricNumberOfMessagesDeleted(queueSum),
        ],
        8,
      ),
      graph(
        'Events queue: waiting and in flight',
        [props.eventsQueue.metricApproximateNumberOfMessagesVisible(queueMax), props.eventsQueue.metricApproximateNumberOfMessagesNotVisible(queueMax)],
        8,
      ),
      graph('Events queue: oldest message (s)', [props.eventsQueue.metricApproximateAgeOfOldestMessage(queueMax)], 8),
    );
    this.dashboard.addWidgets(...functionWidgets('Worker', props.worker));
    // The events of each source (Pipeline=events) and the jobs (Pipeline=jobs, Source=jobs).
    this.dashboard.addWidgets(
      graph('Processed, by source', [search('Processed', ['Pipeline', 'Source'])], 6),
      graph('Duplicates and stale-skipped, by source', [search('Duplicates', ['Pipeline', 'Source']), search('StaleSkipped', ['Pipeline', 'Source'])], 6),
      graph('Failed and dead-lettered, by source', [search('Failed', ['Pipeline', 'Source']), search('DeadLettered', ['Pipeline', 'Source'])], 6),
      graph('Delivery latency (p99 ms), by source', [search('HandlerLatency', ['Pipeline', 'Source'], 'p99')], 6),
    );
    // During an outage the events wait on their retry schedules — a short wait delayed in the
    // queue, a long one or one held for its destination parked in the state table: how many
    // deliveries each destination puts off, how many events wait, are parked, held for a paused
    // destination, and released by the sweep.
    this.dashboard.addWidgets(
      graph('Deliveries put off, by destination', [search('DeliveriesDelayed', ['Destination', 'Pipeline'])], 8),
      graph('Events waiting for their next attempt', [
        props.eventsQueue.metric('ApproximateNumberOfMessagesDelayed', { ...queueMax, label: 'delayed in the events queue' }),
        search('Delayed', ['Pipeline', 'Source']),
      ], 8),
      graph('Parked, held while paused, and released', [
        search('Parked', ['Pipeline', 'Source']),
        search('Paused', ['Pipeline', 'Source']),
        search('Released', ['Pipeline']),
      ], 8),
    );
    this.dashboard.addWidgets(
      graph('Dead-letter queues: messages', [
        props.eventsDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ ...queueMax, label: 'events' }),
        props.jobsDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ ...queueMax, label: 'jobs' }),
      ]),
      new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 12, height: 6 }),
    );
  }

  /** An alarm at `threshold` or more. */
  private alarm(id: string, metric: IMetric, threshold: number, description: string): void {
    this.watch(
      new Alarm(this, id, {
        metric,
        threshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      }),
    );
  }

  /** Notifies the topic when the alarm fires and when it clears. */
  private watch(alarm: Alarm): void {
    alarm.addAlarmAction(new SnsAction(this.topic));
    alarm.addOkAction(new SnsAction(this.topic));
    this.alarms.push(alarm);
  }

  /**
   * AWS Chatbot posts every notification of the topic in the channel. Its role may read the
   * alarms and their metrics (for the charts it draws), and its guardrail keeps whatever the
   * channel's members run through it to reading CloudWatch.
   */
  private addSlack(workspaceId: string, channelId: string): void {
    const role = new Role(this, 'SlackRole', {
      assumedBy: new ServicePrincipal('chatbot.amazonaws.com'),
      description: 'AWS Chatbot: reads the alarms and their metrics it posts to Slack',
    });
    role.addToPolicy(
      new PolicyStatement({
        actions: ['cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricData', 'cloudwatch:GetMetricWidgetImage'],
        resources: ['*'],
      }),
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'CloudWatch reads (describing alarms, drawing metric charts) take no resource narrower than *; the role can read nothing else.',
    });
    new SlackChannelConfiguration(this, 'Slack', {
      // Unique in the account, as the stack's name is; AWS Chatbot takes 128 characters.
      slackChannelConfigurationName: stackScopedName(this, 'alarms', 128),
      slackWorkspaceId: workspaceId,
      slackChannelId: channelId,
      notificationTopics: [this.topic],
      role,
      guardrailPolicies: [ManagedPolicy.fromAwsManagedPolicyName('CloudWatchReadOnlyAccess')],
    });
  }
}

/** A namespace in a query or a SEARCH, in double quotes: a stack's name may hold a `-`. */
function quoted(name: string): string {
  return `"${name}"`;
}

/**
 * Every time series of a metric of Hookway's, whatever the values of its dimensions (each
 * source, each destination): `SEARCH('{namespace,Dimension,...} MetricName="..."', stat, period)`.
 * A graph draws up to 500 of them.
 */
function searchOf(namespace: string, metricName: string, dimensions: string[], statistic: string, period: Duration): MathExpression {
  const schema = [quoted(namespace), ...dimensions].join(',');
  return new MathExpression({
    expression: `SEARCH('{${schema}} MetricName="${metricName}"', '${statistic}', ${period.toSeconds()})`,
    usingMetrics: {},
    period,
    label: '',
  });
}

/**
 * The share of the worker's events and jobs that failed, in percent; 0 while fewer than
 * `minEvents` were handled in the period, so that a quiet night's single failure is no page.
 */
function failureRate(namespace: string, minEvents: number): MathExpression {
  const pipeline = (metricName: string, pipeline: string) =>
    new Metric({ namespace, metricName, dimensionsMap: { Pipeline: pipeline }, statistic: 'Sum', period: FAILURE_RATE_PERIOD });
  const failed = '(FILL(failedEvents, 0) + FILL(failedJobs, 0) + FILL(deadLetteredEvents, 0))';
  const handled = `(FILL(processedEvents, 0) + FILL(processedJobs, 0) + ${failed})`;
  return new MathExpression({
    expression: `IF(${handled} >= ${minEvents}, 100 * ${failed} / ${handled}, 0)`,
    usingMetrics: {
      processedEvents: pipeline('Processed', 'events'),
      processedJobs: pipeline('Processed', 'jobs'),
      failedEvents: pipeline('Failed', 'events'),
      failedJobs: pipeline('Failed', 'jobs'),
      deadLetteredEvents: pipeline('DeadLettered', 'events'),
    },
    period: FAILURE_RATE_PERIOD,
    label: 'failed (%)',
  });
}

function graph(title: string, metrics: IMetric[], width = 12): GraphWidget {
  return new GraphWidget({ title, left: metrics, width, height: 6 });
}

function functionWidgets(name: string, fn: IFunction): GraphWidget[] {
  const sum = { period: FAST, statistic: 'Sum' };
  return [
    graph(`${name}: invocations`, [fn.metricInvocations(sum), fn.metricErrors(sum), fn.metricThrottles(sum)]),
    graph(`${name}: duration (ms)`, [fn.metricDuration({ period: FAST, statistic: 'p50' }), fn.metricDuration({ period: FAST, statistic: 'p99' })]),
  ];
}

/** The docs site's runbook page; the site has a page for each alarm beside it. */
const DOCS_RUNBOOK_PAGE = '/operations/runbook.html';

/**
 * Where an alarm's description sends the reader. The docs site's runbook (the default
 * `alarms.runbookUrl`, or your own build of the site) has a page for each alarm beside it,
 * `operations/<the alarm in kebab case>.html`, which the alarm links to; any other runbook is
 * linked as it is, followed by the alarm's name.
 */
export function runbookLink(runbookUrl: string, alarm: string): string {
  if (runbookUrl.endsWith(DOCS_RUNBOOK_PAGE)) {
    const page = alarm
      .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
      .replace(/([A-Za-z])([0-9])/g, '$1-$2')
      .toLowerCase();
    return `${runbookUrl.slice(0, -DOCS_RUNBOOK_PAGE.length)}/operations/${page}.html`;
  }
  return `${runbookUrl} (${alarm}).`;
}

/** The text at the top of the dashboard: the flow, and a console link to every part of it. */
function flow(scope: Construct, props: MonitoringProps): string {
  const { region, account } = Stack.of(scope);
  const base = `https://${region}.console.aws.amazon.com`;
  const fn = (f: IFunction) => `${base}/lambda/home?region=${region}#/functions/${f.functionName}`;
  // The SQS console names a queue by its URL, percent-encoded.
  const queue = (q: IQueue) => `${base}/sqs/v3/home?region=${region}#/queues/https%3A%2F%2Fsqs.${region}.amazonaws.com%2F${account}%2F${q.queueName}`;
  const logs = (group: ILogGroup) => `${base}/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${group.logGroupName}`;
  const api = props.api.restApiId;
  return `## Hookway
**sender** → **API Gateway** (\`POST /webhooks/{source}\`, \`POST /jobs\`, \`GET /jobs/{id}\`) →
**intake** (checks the sender's address and the signature, queues the webhook, answers 202) →
**events queue** →
**worker** (runs each event's handlers once; an event to try again waits in the queue, delayed, on its handler's retry schedule) →
**destinations**; what fails for good ends in the **dead-letter queues**: events refused, out of retries, or crashing the worker \`queue.maxReceiveCount\` times; jobs after Lambda's retries.
The rows below follow that order. Every alarm goes to the alarm topic and says what to do; the [runbook](${props.alarms.runbookUrl}) has the commands.

[API](${base}/apigateway/main/apis/${api}/resources?api=${api}&region=${region}) ([access logs](${logs(props.apiAccessLogs)})) ·
[intake](${fn(props.intake)}) ([logs](${logs(props.intakeLogs)})) ·
[events queue](${queue(props.eventsQueue)}) ·
[worker](${fn(props.worker)}) ([logs](${logs(props.workerLogs)})) ·
[events DLQ](${queue(props.eventsDeadLetterQueue)}) ·
[jobs DLQ](${queue(props.jobsDeadLetterQueue)}) ·
[state table](${base}/dynamodbv2/home?region=${region}#table?name=${props.table.tableName}) ·
[runbook](${props.alarms.runbookUrl})`;
}
