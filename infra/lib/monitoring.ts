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
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { AlarmsConfig } from './config';

export interface MonitoringProps {
  readonly alarms: AlarmsConfig;
  /** An address that receives every alarm by email (it must confirm the subscription once). */
  readonly alarmEmail?: string;
  /** The sources of hookway.json, by name: their metrics are graphed and watched one by one. */
  readonly sources: readonly string[];
  /** The deliveries its routes make (`forward <url>`, ...): their waits are graphed one by one. */
  readonly destinations: readonly string[];
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
}

/** Lambda and API Gateway publish every minute: an error is reported within about two. */
const FAST = Duration.minutes(1);
/** SQS publishes its queue metrics every five minutes at best. */
const QUEUE = Duration.minutes(5);
/** The failure rate is judged over a quarter of an hour, so that a handful of events is not a rate. */
const FAILURE_RATE_PERIOD = Duration.minutes(15);
/** Signature rejections are counted per five minutes. */
const REJECTIONS_PERIOD = Duration.minutes(5);
/** Hookway's own metrics (EMF lines of the intake and the worker). */
const NAMESPACE = 'Hookway';
/** Why the intake refuses a known source's webhook, as its metrics name it. */
const SOURCE_REASONS = ['Signature', 'Ip', 'Size'] as const;

/**
 * The alarm topic (mailed, and optionally posted to Slack through AWS Chatbot), an alarm for each
 * way the flow can fail, and one dashboard that shows the flow in its order, with links to every
 * part: API → intake → queue → worker → dead-letter queues.
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);

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
    this.topic = new Topic(this, 'AlarmTopic', { displayName: 'Hookway alarms', enforceSSL: true, masterKey: key });
    if (props.alarmEmail) {
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    }
    if (props.alarms.slack) {
      this.addSlack(props.alarms.slack.workspaceId, props.alarms.slack.channelId);
    }

    const { alarms } = props;
    const runbook = (alarm: string) => ` Runbook: ${alarms.runbookUrl} (${alarm}).`;
    const lambdaSum = { period: FAST, statistic: 'Sum' };
    const queueMax = { period: QUEUE, statistic: 'Maximum' };
    const alarm = (name: string, metric: IMetric, threshold: number, description: string) =>
      this.alarm(name, metric, threshold, description + runbook(name));
    alarm('IntakeErrors', props.intake.metricErrors(lambdaSum), 1, 'The intake failed (a crash or a timeout): webhooks were answered 5XX and will be re-sent.');
    alarm('IntakeThrottles', props.intake.metricThrottles(lambdaSum), 1, 'The intake was throttled: webhooks were answered 5XX and will be re-sent.');
    alarm('EventsQueueOldestMessage', props.eventsQueue.metricApproximateAgeOfOldestMessage(queueMax), alarms.oldestMessageAgeSeconds, 'Events wait too long: the worker is failing, throttled or too slow.');
    alarm('EventsQueueBacklog', props.eventsQueue.metricApproximateNumberOfMessagesVisible(queueMax), alarms.visibleMessages, 'Too many events wait: the worker is failing, throttled or too slow.');
    alarm('WorkerErrors', props.worker.metricErrors(lambdaSum), 1, 'The worker failed a job, or crashed on a batch.');
    alarm('WorkerThrottles', props.worker.metricThrottles(lambdaSum), 1, 'The worker was throttled.');
    alarm(
      'EventsDeadLetters',
      props.eventsDeadLetterQueue.metricApproximateNumberOfMessagesVisible(queueMax),
      1,
      'An event is in the events dead-letter queue: a destination refused it for good, its retry schedule is used up, its id came with another body (id-conflict), or it crashed the worker queue.maxReceiveCount times.',
    );
    alarm(
      'IdConflicts',
      new Metric({ namespace: NAMESPACE, metricName: 'IdConflicts', dimensionsMap: { Pipeline: 'events' }, statistic: 'Sum', period: FAST }),
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
      failureRate(alarms.failureRateMinEvents),
      alarms.failureRatePercent,
      `At least ${alarms.failureRatePercent}% of the worker's events and jobs failed over 15 minutes (judged once ` +
        `${alarms.failureRateMinEvents} or more were handled): a destination is down or refusing, or a handler is broken. ` +
        'Failed events are retried, then land in a dead-letter queue.',
    );
    for (const source of props.sources) {
      alarm(
        `SignatureRejections-${source}`,
        rejected(source, 'Signature', REJECTIONS_PERIOD, false),
        alarms.signatureRejections,
        `The intake refused ${alarms.signatureRejections} or more webhooks of source ${source} in 5 minutes for their ` +
          'signature: someone forges them, or the sender signs with a rotated secret that is not stored yet.',
      );
    }
    this.watch(
      new AnomalyDetectionAlarm(this, 'TrafficAnomaly', {
        metric: accepted(undefined, QUEUE),
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
    this.dashboard.addWidgets(
      graph('Webhooks accepted, by source', props.sources.map((source) => accepted(source, FAST))),
      graph('Webhooks rejected, by source and reason', [
        ...props.sources.flatMap((source) => SOURCE_REASONS.map((reason) => rejected(source, reason, FAST))),
        rejected(undefined, 'UnknownSource', FAST),
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
    const bySource = [...props.sources, 'jobs'];
    this.dashboard.addWidgets(
      graph('Processed, by source', bySource.map((source) => worker('Processed', source)), 6),
      graph('Duplicates and stale-skipped, by source', bySource.flatMap((source) => [worker('Duplicates', source), worker('StaleSkipped', source)]), 6),
      graph('Failed and dead-lettered, by source', bySource.flatMap((source) => [worker('Failed', source), worker('DeadLettered', source)]), 6),
      graph('Delivery latency (p99 ms), by source', bySource.map((source) => worker('HandlerLatency', source, 'p99')), 6),
    );
    // During an outage the events wait in the queue, delayed, on their retry schedules: how many
    // deliveries each destination puts off, and how many events wait.
    this.dashboard.addWidgets(
      graph('Deliveries put off, by destination', props.destinations.map((destination) => delayed(destination))),
      graph('Events waiting for their next attempt', [
        props.eventsQueue.metric('ApproximateNumberOfMessagesDelayed', { ...queueMax, label: 'delayed in the events queue' }),
        ...bySource.map((source) => worker('Delayed', source)),
      ]),
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
      slackChannelConfigurationName: `${Stack.of(this).stackName}-alarms`,
      slackWorkspaceId: workspaceId,
      slackChannelId: channelId,
      notificationTopics: [this.topic],
      role,
      guardrailPolicies: [ManagedPolicy.fromAwsManagedPolicyName('CloudWatchReadOnlyAccess')],
    });
  }
}

/** Webhooks the intake queued: of one source, or of all. */
function accepted(source: string | undefined, period: Duration): Metric {
  return new Metric({
    namespace: NAMESPACE,
    metricName: 'Accepted',
    dimensionsMap: source === undefined ? { Pipeline: 'events' } : { Pipeline: 'events', Source: source },
    statistic: 'Sum',
    period,
    label: source ?? 'accepted',
  });
}

/**
 * Webhooks the intake refused for `reason`: of one source, or (unknown sources) of none. An alarm's
 * metric has no label, which would turn it into a metric-math alarm.
 */
function rejected(source: string | undefined, reason: string, period: Duration, labelled = true): Metric {
  return new Metric({
    namespace: NAMESPACE,
    metricName: 'Rejected',
    dimensionsMap: source === undefined ? { Pipeline: 'events', Reason: reason } : { Pipeline: 'events', Source: source, Reason: reason },
    statistic: 'Sum',
    period,
    label: !labelled ? undefined : source === undefined ? 'unknown source' : `${source}: ${reason}`,
  });
}

/** Deliveries to one destination the worker put off to a later attempt (each time it did). */
function delayed(destination: string): Metric {
  return new Metric({
    namespace: NAMESPACE,
    metricName: 'DeliveriesDelayed',
    dimensionsMap: { Pipeline: 'events', Destination: destination },
    statistic: 'Sum',
    period: FAST,
    label: destination,
  });
}

/** One of the worker's metrics of one source (`jobs`: the jobs of POST /jobs). */
function worker(metricName: string, source: string, statistic = 'Sum'): Metric {
  return new Metric({
    namespace: NAMESPACE,
    metricName,
    dimensionsMap: { Pipeline: source === 'jobs' ? 'jobs' : 'events', Source: source },
    statistic,
    period: FAST,
    label: ['Duplicates', 'StaleSkipped', 'Failed', 'DeadLettered', 'Delayed'].includes(metricName) ? `${source}: ${metricName}` : source,
  });
}

/**
 * The share of the worker's events and jobs that failed, in percent; 0 while fewer than
 * `minEvents` were handled in the period, so that a quiet night's single failure is no page.
 */
function failureRate(minEvents: number): MathExpression {
  const pipeline = (metricName: string, pipeline: string) =>
    new Metric({ namespace: NAMESPACE, metricName, dimensionsMap: { Pipeline: pipeline }, statistic: 'Sum', period: FAILURE_RATE_PERIOD });
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
