import { Match, type Template } from 'aws-cdk-lib/assertions';
import { configWith, ref, resource, synthesize } from './support';

/** The alarms by their construct id: `AlarmName` is left to CloudFormation. */
function alarms(template: Template): Record<string, any> {
  return Object.fromEntries(
    Object.entries(template.findResources('AWS::CloudWatch::Alarm')).map(([id, alarm]: [string, any]) => [
      id.replace(/^Monitoring/, '').replace(/[0-9A-F]{8}$/, ''),
      alarm.Properties,
    ]),
  );
}

describe('monitoring', () => {
  const { template } = synthesize();
  const topic = resource(template, 'AWS::SNS::Topic', 'MonitoringAlarmTopic').id;
  const intake = ref(resource(template, 'AWS::Lambda::Function', 'IntakeLambdaFunction').id);
  const worker = ref(resource(template, 'AWS::Lambda::Function', 'WorkerLambdaFunction').id);
  const queueName = (prefix: string) => ({ 'Fn::GetAtt': [resource(template, 'AWS::SQS::Queue', prefix).id, 'QueueName'] });
  const lambda = (metric: string, fn: unknown) => ({ Namespace: 'AWS/Lambda', MetricName: metric, Dimensions: [{ Name: 'FunctionName', Value: fn }], Statistic: 'Sum' });
  const sqs = (metric: string, queue: string) => ({ Namespace: 'AWS/SQS', MetricName: metric, Dimensions: [{ Name: 'QueueName', Value: queueName(queue) }], Statistic: 'Maximum' });

  test.each([
    ['IntakeErrors', 1, lambda('Errors', intake)],
    ['IntakeThrottles', 1, lambda('Throttles', intake)],
    ['WorkerErrors', 1, lambda('Errors', worker)],
    ['WorkerThrottles', 1, lambda('Throttles', worker)],
    ['EventsQueueOldestMessage', 600, sqs('ApproximateAgeOfOldestMessage', 'QueueingEventsQueue')],
    ['EventsQueueBacklog', 1000, sqs('ApproximateNumberOfMessagesVisible', 'QueueingEventsQueue')],
    ['EventsDeadLetters', 1, sqs('ApproximateNumberOfMessagesVisible', 'QueueingEventsDeadLetterQueue')],
    ['JobsDeadLetters', 1, sqs('ApproximateNumberOfMessagesVisible', 'QueueingJobsDeadLetterQueue')],
  ])('%s fires at %d or more and notifies the topic', (name, threshold, metric) => {
    expect(alarms(template)[name as string]).toMatchObject({
      ...(metric as object),
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [ref(topic)],
      OKActions: [ref(topic)],
    });
  });

  test("the API's 5XX fires at 1 or more and notifies the topic", () => {
    const api = alarms(template).Api5xx;
    expect(api).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: '5XXError', Statistic: 'Sum', Threshold: 1, AlarmActions: [ref(topic)] });
    expect(api.Dimensions).toEqual([
      { Name: 'ApiName', Value: 'Hookway' },
      { Name: 'Stage', Value: ref(resource(template, 'AWS::ApiGateway::Stage', 'ApiRestApiDeploymentStage').id) },
    ]);
  });

  test('there is no other alarm', () => {
    expect(Object.keys(alarms(template))).toHaveLength(9);
  });

  test('the queue thresholds come from hookway.json', () => {
    const changed = alarms(synthesize({ config: configWith({ alarms: { oldestMessageAgeSeconds: 120, visibleMessages: 50 } }) }).template);
    expect(changed.EventsQueueOldestMessage.Threshold).toBe(120);
    expect(changed.EventsQueueBacklog.Threshold).toBe(50);
  });

  test('the topic mails the alarmEmail context, when there is one, and refuses requests without TLS', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    const mailed = synthesize({ alarmEmail: 'ops@example.com' }).template;
    mailed.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: ref(resource(mailed, 'AWS::SNS::Topic', 'MonitoringAlarmTopic').id),
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
    });
  });

  test('one dashboard shows the flow in order: API, intake, queue, worker, dead-letter queues', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    // The body is JSON with references (regions, function and queue names) inside its strings.
    const body = resource(template, 'AWS::CloudWatch::Dashboard', 'MonitoringDashboard').Properties.DashboardBody['Fn::Join'][1]
      .map((part: unknown) => (typeof part === 'string' ? part : 'REF'))
      .join('');
    const widgets: any[] = JSON.parse(body).widgets;
    const text = widgets[0];
    expect(text.type).toBe('text');
    expect(text.properties.markdown).toMatch(/API Gateway.*→\s*\*\*intake\*\*.*→\s*\*\*events queue\*\*\s*→\s*\*\*worker\*\*.*→\s*\*\*dead-letter queues\*\*/s);
    // Rows top to bottom, widgets left to right.
    const titles = widgets
      .slice(1)
      .sort((a, b) => a.y - b.y || a.x - b.x)
      .map((w) => w.properties.title);
    expect(titles).toEqual([
      'API: requests',
      'API: latency (p99)',
      'Intake: invocations',
      'Intake: duration (ms)',
      'Events queue: messages',
      'Events queue: oldest message (s)',
      'Worker: invocations',
      'Worker: duration (ms)',
      'Dead-letter queues: messages',
      'Alarms',
    ]);
  });
});
