import { Duration, Validations } from 'aws-cdk-lib';
import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  type Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { AlarmsConfig } from './config';

export interface MonitoringProps {
  readonly alarms: AlarmsConfig;
  /** An address that receives every alarm by email (it must confirm the subscription once). */
  readonly alarmEmail?: string;
  readonly stage: Stage;
  readonly intake: IFunction;
  readonly eventsQueue: IQueue;
  readonly worker: IFunction;
  readonly eventsDeadLetterQueue: IQueue;
  readonly jobsDeadLetterQueue: IQueue;
}

/** Lambda and API Gateway publish every minute: an error is reported within about two. */
const FAST = Duration.minutes(1);
/** SQS publishes its queue metrics every five minutes at best. */
const QUEUE = Duration.minutes(5);

const FLOW = `## Hookway
Requests flow left to right, then down, in the order of these rows:
**API Gateway** (\`POST /webhooks/{source}\`, \`POST /jobs\`, \`GET /jobs/{id}\`) →
**intake** (verifies each webhook's signature, puts it in the queue, answers 202) →
**events queue** →
**worker** (runs each event's handler once; the queue retries failed messages) →
**dead-letter queues**: events after \`queue.maxReceiveCount\` deliveries, jobs after Lambda's retries.
Every alarm mails the alarm topic. One message in a dead-letter queue is an alarm: read it and its error, fix the cause, then redrive it.`;

/**
 * The alarm topic, an alarm for each way the flow can fail, and one dashboard that shows the flow
 * in its order: API → intake → queue → worker → dead-letter queues.
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);

    this.topic = new Topic(this, 'AlarmTopic', { displayName: 'Hookway alarms', enforceSSL: true });
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry only alarm names, states and metric values, nothing secret; and CloudWatch cannot ' +
        'publish to a topic encrypted with the AWS managed SNS key.',
    });
    if (props.alarmEmail) {
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    }

    const { alarms } = props;
    const lambdaSum = { period: FAST, statistic: 'Sum' };
    const queueMax = { period: QUEUE, statistic: 'Maximum' };
    this.alarm('IntakeErrors', props.intake.metricErrors(lambdaSum), 1, 'The intake failed (a crash or a timeout): webhooks were answered 5XX and will be re-sent.');
    this.alarm('IntakeThrottles', props.intake.metricThrottles(lambdaSum), 1, 'The intake was throttled: webhooks were answered 5XX and will be re-sent.');
    this.alarm('EventsQueueOldestMessage', props.eventsQueue.metricApproximateAgeOfOldestMessage(queueMax), alarms.oldestMessageAgeSeconds, 'Events wait too long: the worker is failing, throttled or too slow.');
    this.alarm('EventsQueueBacklog', props.eventsQueue.metricApproximateNumberOfMessagesVisible(queueMax), alarms.visibleMessages, 'Too many events wait: the worker is failing, throttled or too slow.');
    this.alarm('WorkerErrors', props.worker.metricErrors(lambdaSum), 1, 'The worker failed a job, or crashed on a batch.');
    this.alarm('WorkerThrottles', props.worker.metricThrottles(lambdaSum), 1, 'The worker was throttled.');
    this.alarm('EventsDeadLetters', props.eventsDeadLetterQueue.metricApproximateNumberOfMessagesVisible(queueMax), 1, 'An event failed every delivery and is in the events dead-letter queue.');
    this.alarm('JobsDeadLetters', props.jobsDeadLetterQueue.metricApproximateNumberOfMessagesVisible(queueMax), 1, 'A job failed every attempt and is in the jobs dead-letter queue.');
    this.alarm('Api5xx', props.stage.metricServerError(lambdaSum), 1, 'API Gateway answered 5XX: an integration failed or timed out.');

    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    this.dashboard.addWidgets(new TextWidget({ markdown: FLOW, width: 24, height: 5 }));
    this.dashboard.addWidgets(
      graph('API: requests', [props.stage.metricCount(lambdaSum), props.stage.metricClientError(lambdaSum), props.stage.metricServerError(lambdaSum)]),
      graph('API: latency (p99)', [props.stage.metricLatency({ period: FAST, statistic: 'p99' }), props.stage.metricIntegrationLatency({ period: FAST, statistic: 'p99' })]),
    );
    this.dashboard.addWidgets(...functionWidgets('Intake', props.intake));
    this.dashboard.addWidgets(
      graph('Events queue: messages', [
        props.eventsQueue.metricNumberOfMessagesSent({ period: QUEUE, statistic: 'Sum' }),
        props.eventsQueue.metricNumberOfMessagesDeleted({ period: QUEUE, statistic: 'Sum' }),
        props.eventsQueue.metricApproximateNumberOfMessagesVisible(queueMax),
      ]),
      graph('Events queue: oldest message (s)', [props.eventsQueue.metricApproximateAgeOfOldestMessage(queueMax)]),
    );
    this.dashboard.addWidgets(...functionWidgets('Worker', props.worker));
    this.dashboard.addWidgets(
      graph('Dead-letter queues: messages', [
        props.eventsDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ ...queueMax, label: 'events' }),
        props.jobsDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ ...queueMax, label: 'jobs' }),
      ]),
      new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 12, height: 6 }),
    );
  }

  /** An alarm at `threshold` or more, which notifies the topic when it fires and when it clears. */
  private alarm(id: string, metric: Metric, threshold: number, description: string): void {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    alarm.addOkAction(new SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}

function graph(title: string, metrics: IMetric[]): GraphWidget {
  return new GraphWidget({ title, left: metrics, width: 12, height: 6 });
}

function functionWidgets(name: string, fn: IFunction): GraphWidget[] {
  const sum = { period: FAST, statistic: 'Sum' };
  return [
    graph(`${name}: invocations`, [fn.metricInvocations(sum), fn.metricErrors(sum), fn.metricThrottles(sum)]),
    graph(`${name}: duration (ms)`, [fn.metricDuration({ period: FAST, statistic: 'p50' }), fn.metricDuration({ period: FAST, statistic: 'p99' })]),
  ];
}
