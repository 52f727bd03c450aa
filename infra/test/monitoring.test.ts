import * as fs from 'fs';
import * as path from 'path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { largeConfig } from './large-config';
import { build, config, configWith, ref, resource, synthesize } from './support';

/** The alarms by their construct id: `AlarmName` is left to CloudFormation. */
function alarms(template: Template): Record<string, any> {
  return Object.fromEntries(
    Object.entries(template.findResources('AWS::CloudWatch::Alarm')).map(([id, alarm]: [string, any]) => [
      id.replace(/^Monitoring/, '').replace(/[0-9A-F]{8}$/, ''),
      alarm.Properties,
    ]),
  );
}

/**
 * The dashboard's widgets. Its body is JSON with references inside its strings; each is written
 * as `{Ref}` or `{Resource.Attribute}` of the resource it names, so a test sees what each link
 * points at.
 */
function widgets(template: Template): any[] {
  const body = resource(template, 'AWS::CloudWatch::Dashboard', 'MonitoringDashboard').Properties.DashboardBody['Fn::Join'][1]
    .map((part: any) => {
      if (typeof part === 'string') {
        return part;
      }
      if (part.Ref) {
        return `{${part.Ref}}`;
      }
      const [id, attribute] = part['Fn::GetAtt'];
      return `{${id}.${attribute}}`;
    })
    .join('');
  return JSON.parse(body).widgets;
}

function widget(template: Template, title: string): any {
  const found = widgets(template).find((w) => w.properties.title === title);
  if (!found) {
    throw new Error(`no widget titled ${title}`);
  }
  return found;
}

/** A graph's metrics as `Namespace MetricName Dim=Value ... [stat]`, and its expressions as they are. */
function graphed(template: Template, title: string): string[] {
  return widget(template, title).properties.metrics.map((metric: any[]) => {
    const options = metric[metric.length - 1];
    if (metric.length === 1 && options.expression) {
      return options.expression;
    }
    const [namespace, name, ...dimensions] = metric.slice(0, -1);
    const pairs: string[] = [];
    for (let i = 0; i < dimensions.length; i += 2) {
      pairs.push(`${dimensions[i]}=${dimensions[i + 1]}`);
    }
    return [namespace, name, ...pairs, `[${options.stat}]`].join(' ');
  });
}

const RUNBOOK = 'https://hookway.github.io/hookway/operations/runbook.html';

describe('monitoring', () => {
  const { template } = synthesize();
  const topic = resource(template, 'AWS::SNS::Topic', 'MonitoringAlarmTopic').id;
  const intakeId = resource(template, 'AWS::Lambda::Function', 'IntakeLambdaFunction').id;
  const workerId = resource(template, 'AWS::Lambda::Function', 'WorkerLambdaFunction').id;
  const intake = ref(intakeId);
  const worker = ref(workerId);
  const queueId = (prefix: string) => resource(template, 'AWS::SQS::Queue', prefix).id;
  const queueName = (prefix: string) => ({ 'Fn::GetAtt': [queueId(prefix), 'QueueName'] });
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

  test("the failure rate is the worker's failed share by metric math, with a floor of events", () => {
    const rate = alarms(template).FailureRate;
    expect(rate).toMatchObject({
      Threshold: 10,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [ref(topic)],
      OKActions: [ref(topic)],
    });
    const expression = rate.Metrics.find((m: any) => m.Expression);
    expect(expression.ReturnData).toBe(true);
    const failed = '(FILL(failedEvents, 0) + FILL(failedJobs, 0) + FILL(deadLetteredEvents, 0))';
    const handled = `(FILL(processedEvents, 0) + FILL(processedJobs, 0) + ${failed})`;
    expect(expression.Expression).toBe(`IF(${handled} >= 20, 100 * ${failed} / ${handled}, 0)`);
    const inputs = Object.fromEntries(
      rate.Metrics.filter((m: any) => m.MetricStat).map((m: any) => [m.Id, { ...m.MetricStat, ReturnData: m.ReturnData }]),
    );
    const hookway = (name: string, pipeline: string) => ({
      Metric: { Namespace: 'Hookway', MetricName: name, Dimensions: [{ Name: 'Pipeline', Value: pipeline }] },
      Period: 900,
      Stat: 'Sum',
      ReturnData: false,
    });
    expect(inputs).toEqual({
      processedEvents: hookway('Processed', 'events'),
      processedJobs: hookway('Processed', 'jobs'),
      failedEvents: hookway('Failed', 'events'),
      failedJobs: hookway('Failed', 'jobs'),
      deadLetteredEvents: hookway('DeadLettered', 'events'),
    });
  });

  test("one alarm watches every source's signature rejections, however many sources, and fires when any one reaches the threshold", () => {
    const rejections = alarms(template).SignatureRejections;
    expect(rejections).toMatchObject({
      Threshold: 20,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [ref(topic)],
      OKActions: [ref(topic)],
    });
    // A Metrics Insights query: each source's rejections are a time series of their own, and the
    // alarm fires on any of them (AWS: "Create an alarm on a Metrics Insights query ... GROUP BY ... ORDER BY").
    expect(rejections.Metrics).toEqual([
      {
        Id: expect.any(String),
        Expression:
          'SELECT SUM(Rejected) FROM SCHEMA("Hookway", Pipeline, Reason, Source) ' +
          "WHERE Pipeline = 'events' AND Reason = 'Signature' GROUP BY Source ORDER BY SUM() DESC",
        Label: 'signature rejections, by source',
        Period: 300,
        ReturnData: true,
      },
    ]);
    const many = alarms(synthesize({ config: config(largeConfig()) }).template);
    expect(Object.keys(many).sort()).toEqual(Object.keys(alarms(template)).sort());
  });

  test('the archive stream is an alarm when it holds events a quarter of an hour without writing them', () => {
    const stream = resource(template, 'AWS::KinesisFirehose::DeliveryStream', 'ArchiveStream').id;
    expect(alarms(template).ArchiveDelivery).toMatchObject({
      Namespace: 'AWS/Firehose',
      MetricName: 'DeliveryToS3.DataFreshness',
      Dimensions: [{ Name: 'DeliveryStreamName', Value: ref(stream) }],
      Statistic: 'Maximum',
      Threshold: 900,
      AlarmActions: [ref(topic)],
    });
    const batches = alarms(synthesize({ config: configWith({ archive: { writer: 'worker' } }) }).template);
    expect(batches.ArchiveDelivery).toBeUndefined();
  });

  test("Hookway's own metrics are in the stack's namespace, so that two stacks' never mix", () => {
    const staging = alarms(synthesize({ stackName: 'hookway-staging' }).template);
    expect(staging.IdConflicts.Namespace).toBe('hookway-staging');
    expect(staging.SignatureRejections.Metrics[0].Expression).toContain('FROM SCHEMA("hookway-staging", Pipeline, Reason, Source)');
    expect(staging.FailureRate.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric.Namespace)).toEqual(Array(5).fill('hookway-staging'));
    expect(staging.TrafficAnomaly.Metrics.find((m: any) => m.MetricStat).MetricStat.Metric.Namespace).toBe('hookway-staging');
  });

  test('the accepted traffic is watched by an anomaly detection band', () => {
    const anomaly = alarms(template).TrafficAnomaly;
    expect(anomaly).toMatchObject({
      ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
      AlarmActions: [ref(topic)],
      OKActions: [ref(topic)],
    });
    const metric = anomaly.Metrics.find((m: any) => m.MetricStat);
    expect(metric.MetricStat).toEqual({
      Metric: { Namespace: 'Hookway', MetricName: 'Accepted', Dimensions: [{ Name: 'Pipeline', Value: 'events' }] },
      Period: 300,
      Stat: 'Sum',
    });
    const band = anomaly.Metrics.find((m: any) => m.Expression);
    expect(band.Expression).toBe(`ANOMALY_DETECTION_BAND(${metric.Id}, 2)`);
    expect(anomaly.ThresholdMetricId).toBe(band.Id);
  });

  test('the first id conflict is an alarm', () => {
    expect(alarms(template).IdConflicts).toMatchObject({
      Namespace: 'Hookway',
      MetricName: 'IdConflicts',
      Dimensions: [{ Name: 'Pipeline', Value: 'events' }],
      Statistic: 'Sum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [ref(topic)],
      OKActions: [ref(topic)],
    });
  });

  test('the alarm topic is encrypted with a key of its own, rotated, which CloudWatch alone may use besides its account', () => {
    const topicProperties = resource(template, 'AWS::SNS::Topic', 'MonitoringAlarmTopic').Properties;
    const key = resource(template, 'AWS::KMS::Key', 'MonitoringAlarmTopicKey');
    expect(topicProperties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [key.id, 'Arn'] });
    expect(key.Properties.EnableKeyRotation).toBe(true);
    const statements = key.Properties.KeyPolicy.Statement;
    const others = statements.filter((s: any) => !JSON.stringify(s.Principal).includes(':root'));
    expect(others).toEqual([
      {
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
  });

  test('there is no other alarm', () => {
    expect(Object.keys(alarms(template)).sort()).toEqual(
      [
        'Api5xx',
        'ArchiveDelivery',
        'EventsDeadLetters',
        'EventsQueueBacklog',
        'EventsQueueOldestMessage',
        'FailureRate',
        'IdConflicts',
        'IntakeErrors',
        'IntakeThrottles',
        'JobsDeadLetters',
        'SignatureRejections',
        'TrafficAnomaly',
        'WorkerErrors',
        'WorkerThrottles',
      ].sort(),
    );
  });

  test("every alarm says what happened and links to its own page of the docs site's runbook", () => {
    const site = 'https://hookway.github.io/hookway/';
    const http = alarms(synthesize({ config: configWith({ webhooks: { endpoint: 'http-api' } }) }).template);
    const every = { ...alarms(template), WebhooksApi5xx: http.WebhooksApi5xx };
    expect(Object.keys(every)).toHaveLength(15);
    const pages: Record<string, string> = {};
    for (const [name, alarm] of Object.entries(every)) {
      const description: string = alarm.AlarmDescription;
      expect({ name, description }).toEqual({ name, description: expect.stringMatching(/^\S.{40,} Runbook: \S+\.html$/) });
      const page = description.slice(description.lastIndexOf(' ') + 1);
      expect(page.startsWith(`${site}operations/`)).toBe(true);
      pages[name] = page.slice(site.length).replace(/\.html$/, '.md');
      // The page is one of the docs site's sources, and it is about this alarm.
      const source = path.join(__dirname, '..', '..', 'docs', pages[name]);
      expect({ name, exists: fs.existsSync(source) }).toEqual({ name, exists: true });
      expect(fs.readFileSync(source, 'utf8').split('\n')[0]).toBe(`# ${name}`);
    }
    expect(pages.Api5xx).toBe('operations/api-5xx.md');
    expect(pages.WebhooksApi5xx).toBe('operations/webhooks-api-5xx.md');
    expect(pages.EventsQueueOldestMessage).toBe('operations/events-queue-oldest-message.md');
    const moved = alarms(synthesize({ config: configWith({ alarms: { runbookUrl: 'https://wiki.example.com/hookway' } }) }).template);
    expect(moved.FailureRate.AlarmDescription).toContain('Runbook: https://wiki.example.com/hookway (FailureRate).');
  });

  test('the thresholds come from hookway.json', () => {
    const changed = alarms(
      synthesize({
        config: configWith({
          alarms: { oldestMessageAgeSeconds: 120, visibleMessages: 50, failureRatePercent: 25, failureRateMinEvents: 100, signatureRejections: 5 },
        }),
      }).template,
    );
    expect(changed.EventsQueueOldestMessage.Threshold).toBe(120);
    expect(changed.EventsQueueBacklog.Threshold).toBe(50);
    expect(changed.FailureRate.Threshold).toBe(25);
    expect(changed.FailureRate.Metrics.find((m: any) => m.Expression).Expression).toMatch(/^IF\(.* >= 100, /);
    expect(changed.SignatureRejections.Threshold).toBe(5);
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

  describe('Slack, through AWS Chatbot', () => {
    const slack = { workspaceId: 'T07EA123LEP', channelId: 'C07EZ1ABC23' };
    const { template: posted } = synthesize({ config: configWith({ alarms: { slack } }), alarmEmail: 'ops@example.com' });

    test('is off unless hookway.json names a channel', () => {
      template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
    });

    test('posts every alarm of the topic in the channel, beside the email', () => {
      posted.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 1);
      const channel = resource(posted, 'AWS::Chatbot::SlackChannelConfiguration', 'MonitoringSlack').Properties;
      const postedTopic = ref(resource(posted, 'AWS::SNS::Topic', 'MonitoringAlarmTopic').id);
      expect(channel).toMatchObject({
        ConfigurationName: 'Hookway-alarms',
        SlackWorkspaceId: 'T07EA123LEP',
        SlackChannelId: 'C07EZ1ABC23',
        SnsTopicArns: [postedTopic],
        GuardrailPolicies: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/CloudWatchReadOnlyAccess']] }],
      });
      posted.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', TopicArn: postedTopic });
    });

    test("Chatbot's role may read CloudWatch and nothing else", () => {
      const role = resource(posted, 'AWS::IAM::Role', 'MonitoringSlackRole');
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        expect.objectContaining({ Principal: { Service: 'chatbot.amazonaws.com' }, Action: 'sts:AssumeRole' }),
      ]);
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      const policy = resource(posted, 'AWS::IAM::Policy', 'MonitoringSlackRoleDefaultPolicy').Properties;
      expect(policy.PolicyDocument.Statement).toEqual([
        { Effect: 'Allow', Action: ['cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricData', 'cloudwatch:GetMetricWidgetImage'], Resource: '*' },
      ]);
    });
  });

  describe('X-Ray tracing', () => {
    const { template: traced } = synthesize({ config: configWith({ tracing: true }) });

    test('is off by default', () => {
      for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
        expect((fn as any).Properties.TracingConfig).toBeUndefined();
      }
      const stage = resource(template, 'AWS::ApiGateway::Stage', 'ApiRestApiDeploymentStage').Properties;
      expect(stage.TracingEnabled ?? false).toBe(false);
    });

    test('with "tracing": true, traces the API stage and both functions, which may send their segments', () => {
      for (const prefix of ['IntakeLambdaFunction', 'WorkerLambdaFunction']) {
        expect(resource(traced, 'AWS::Lambda::Function', prefix).Properties.TracingConfig).toEqual({ Mode: 'Active' });
        const policy = resource(traced, 'AWS::IAM::Policy', prefix.replace('Function', 'RoleDefaultPolicy')).Properties;
        expect(policy.PolicyDocument.Statement).toContainEqual({
          Effect: 'Allow',
          Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
          Resource: '*',
        });
      }
      expect(resource(traced, 'AWS::ApiGateway::Stage', 'ApiRestApiDeploymentStage').Properties.TracingEnabled).toBe(true);
    });
  });

  test('with tracing and Slack on, cdk-nag finds nothing that is not acknowledged', () => {
    const { app } = build({
      config: configWith({ tracing: true, alarms: { slack: { workspaceId: 'T07EA123LEP', channelId: 'C07EZ1ABC23' } } }),
    });
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(', ')}`)).toEqual([]);
  });

  describe('the dashboard', () => {
    test('shows the flow in order, in rows: API, intake, its webhooks, queue, worker, its events, dead-letter queues', () => {
      template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
      const all = widgets(template);
      expect(all[0].type).toBe('text');
      expect(all[0].properties.markdown).toMatch(
        /\*\*sender\*\*\s*→\s*\*\*API Gateway\*\*.*→\s*\*\*intake\*\*.*→\s*\*\*events queue\*\*\s*→\s*\*\*worker\*\*.*→\s*\*\*destinations\*\*.*\*\*dead-letter queues\*\*/s,
      );
      // Rows top to bottom, widgets left to right.
      const rows = new Map<number, string[]>();
      for (const w of all.slice(1).sort((a, b) => a.y - b.y || a.x - b.x)) {
        rows.set(w.y, [...(rows.get(w.y) ?? []), w.properties.title]);
      }
      expect([...rows.values()]).toEqual([
        ['API: requests', 'API: latency (p99)'],
        ['Intake: invocations', 'Intake: duration (ms)'],
        ['Webhooks accepted, by source', 'Webhooks rejected, by source and reason'],
        ['Events queue: messages', 'Events queue: waiting and in flight', 'Events queue: oldest message (s)'],
        ['Worker: invocations', 'Worker: duration (ms)'],
        ['Processed, by source', 'Duplicates and stale-skipped, by source', 'Failed and dead-lettered, by source', 'Delivery latency (p99 ms), by source'],
        ['Deliveries put off, by destination', 'Events waiting for their next attempt', 'Parked, held while paused, and released'],
        ['Dead-letter queues: messages', 'Alarms'],
      ]);
    });

    test('links every part of the flow to its console page, from the stack region and the resource names', () => {
      const markdown: string = widgets(template)[0].properties.markdown;
      const region = '{AWS::Region}';
      const base = `https://${region}.console.aws.amazon.com`;
      const apiId = `{${resource(template, 'AWS::ApiGateway::RestApi', 'ApiRestApi').id}}`;
      const logGroup = (prefix: string) => `${base}/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/{${resource(template, 'AWS::Logs::LogGroup', prefix).id}}`;
      const queue = (prefix: string) =>
        `${base}/sqs/v3/home?region=${region}#/queues/https%3A%2F%2Fsqs.${region}.amazonaws.com%2F{AWS::AccountId}%2F{${queueId(prefix)}.QueueName}`;
      for (const link of [
        `[API](${base}/apigateway/main/apis/${apiId}/resources?api=${apiId}&region=${region})`,
        `([access logs](${logGroup('ApiAccessLogs')}))`,
        `[intake](${base}/lambda/home?region=${region}#/functions/{${intakeId}})`,
        `([logs](${logGroup('IntakeLambdaLogs')}))`,
        `[events queue](${queue('QueueingEventsQueue')})`,
        `[worker](${base}/lambda/home?region=${region}#/functions/{${workerId}})`,
        `([logs](${logGroup('WorkerLambdaLogs')}))`,
        `[events DLQ](${queue('QueueingEventsDeadLetterQueue')})`,
        `[jobs DLQ](${queue('QueueingJobsDeadLetterQueue')})`,
        `[state table](${base}/dynamodbv2/home?region=${region}#table?name={${resource(template, 'AWS::DynamoDB::Table', 'StateTable').id}})`,
        `[runbook](${RUNBOOK})`,
      ]) {
        expect(markdown).toContain(link);
      }
    });

    test("graphs the events queue's messages received and in flight", () => {
      const queue = `QueueName={${queueId('QueueingEventsQueue')}.QueueName}`;
      expect(graphed(template, 'Events queue: messages')).toEqual([
        `AWS/SQS NumberOfMessagesSent ${queue} [Sum]`,
        `AWS/SQS NumberOfMessagesReceived ${queue} [Sum]`,
        `AWS/SQS NumberOfMessagesDeleted ${queue} [Sum]`,
      ]);
      expect(graphed(template, 'Events queue: waiting and in flight')).toEqual([
        `AWS/SQS ApproximateNumberOfMessagesVisible ${queue} [Maximum]`,
        `AWS/SQS ApproximateNumberOfMessagesNotVisible ${queue} [Maximum]`,
      ]);
    });

    /** `SEARCH('{"Hookway",Dimensions} MetricName="Name"', 'stat', 60)`. */
    const search = (metric: string, dimensions: string, stat = 'Sum', namespace = 'Hookway') =>
      `SEARCH('{"${namespace}",${dimensions}} MetricName="${metric}"', '${stat}', 60)`;

    test("graphs the intake's webhooks of every source, found by SEARCH: accepted, and rejected by reason", () => {
      expect(graphed(template, 'Webhooks accepted, by source')).toEqual([search('Accepted', 'Pipeline,Source')]);
      expect(graphed(template, 'Webhooks rejected, by source and reason')).toEqual([
        search('Rejected', 'Pipeline,Reason,Source'),
        'Hookway Rejected Pipeline=events Reason=UnknownSource [Sum]',
      ]);
    });

    test("graphs the worker's outcomes of every source, and the jobs (Source=jobs)", () => {
      expect(graphed(template, 'Processed, by source')).toEqual([search('Processed', 'Pipeline,Source')]);
      expect(graphed(template, 'Failed and dead-lettered, by source')).toEqual([search('Failed', 'Pipeline,Source'), search('DeadLettered', 'Pipeline,Source')]);
      expect(graphed(template, 'Delivery latency (p99 ms), by source')).toEqual([search('HandlerLatency', 'Pipeline,Source', 'p99')]);
      expect(graphed(template, 'Duplicates and stale-skipped, by source')).toEqual([search('Duplicates', 'Pipeline,Source'), search('StaleSkipped', 'Pipeline,Source')]);
    });

    test('graphs the deliveries put off, by destination, and the events waiting in the queue', () => {
      expect(graphed(template, 'Deliveries put off, by destination')).toEqual([search('DeliveriesDelayed', 'Destination,Pipeline')]);
      const queue = `QueueName={${queueId('QueueingEventsQueue')}.QueueName}`;
      expect(graphed(template, 'Events waiting for their next attempt')).toEqual([
        `AWS/SQS ApproximateNumberOfMessagesDelayed ${queue} [Maximum]`,
        search('Delayed', 'Pipeline,Source'),
      ]);
    });

    test("does not grow with the sources and routes, and searches the stack's own namespace", () => {
      const large = synthesize({ config: config(largeConfig()), stackName: 'hookway-prod' }).template;
      expect(widgets(large).map((w) => w.properties.title)).toEqual(widgets(template).map((w) => w.properties.title));
      expect(graphed(large, 'Processed, by source')).toEqual([search('Processed', 'Pipeline,Source', 'Sum', 'hookway-prod')]);
      const body = (t: Template) => JSON.stringify(widgets(t)).length;
      expect(body(large)).toBeLessThan(body(template) + 2000);
    });

    test('shows the status of every alarm', () => {
      expect(widget(template, 'Alarms').properties.alarms).toHaveLength(Object.keys(alarms(template)).length);
    });
  });
});
