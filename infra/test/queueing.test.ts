import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { arnOf, build, configWith, ref, resource, synthesize } from './support';

const MIB = 1024 * 1024;
const DAY = 24 * 3600;

describe('the queues', () => {
  const { template } = synthesize();
  const events = resource(template, 'AWS::SQS::Queue', 'QueueingEventsQueue');
  const eventsDlq = resource(template, 'AWS::SQS::Queue', 'QueueingEventsDeadLetterQueue');
  const jobsDlq = resource(template, 'AWS::SQS::Queue', 'QueueingJobsDeadLetterQueue');

  test('the events queue takes 1 MiB envelopes for queue.retentionDays and moves a message to its DLQ after queue.maxReceiveCount deliveries', () => {
    expect(events.Properties).toMatchObject({
      MaximumMessageSize: MIB,
      MessageRetentionPeriod: 4 * DAY,
      RedrivePolicy: { deadLetterTargetArn: arnOf(eventsDlq.id), maxReceiveCount: 5 },
    });
  });

  test("the events queue's visibility timeout is six times the worker's timeout, plus the batching window", () => {
    expect(events.Properties.VisibilityTimeout).toBe(6 * 60 + 1);
    const changed = synthesize({ config: configWith({ worker: { timeoutSeconds: 900, batchingWindowSeconds: 20 } }) }).template;
    expect(resource(changed, 'AWS::SQS::Queue', 'QueueingEventsQueue').Properties.VisibilityTimeout).toBe(6 * 900 + 20);
  });

  test('redrive and retention follow hookway.json', () => {
    const changed = synthesize({ config: configWith({ queue: { maxReceiveCount: 3, retentionDays: 14 } }) }).template;
    expect(resource(changed, 'AWS::SQS::Queue', 'QueueingEventsQueue').Properties).toMatchObject({
      MessageRetentionPeriod: 14 * DAY,
      RedrivePolicy: { maxReceiveCount: 3 },
    });
  });

  test.each([
    ['events', () => eventsDlq],
    ['jobs', () => jobsDlq],
  ])('the %s dead-letter queue keeps messages of up to 1 MiB for 14 days', (_, dlq) => {
    expect(dlq().Properties).toMatchObject({ MaximumMessageSize: MIB, MessageRetentionPeriod: 14 * DAY });
    expect(dlq().Properties.RedrivePolicy).toBeUndefined();
  });

  test('every queue is encrypted and refuses requests without TLS', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    expect(Object.keys(queues)).toHaveLength(3);
    for (const id of Object.keys(queues)) {
      expect(queues[id].Properties.SqsManagedSseEnabled).toBe(true);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [ref(id)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });
});

describe('the worker is driven by the events queue and by asynchronous jobs', () => {
  const { template } = synthesize();
  const worker = resource(template, 'AWS::Lambda::Function', 'WorkerLambdaFunction');

  test('the event source mapping batches as configured and reports batch item failures', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: ref(worker.id),
      EventSourceArn: arnOf(resource(template, 'AWS::SQS::Queue', 'QueueingEventsQueue').id),
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 10 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      // hookway.json gathers a batch for a second from its first event.
      MaximumBatchingWindowInSeconds: 1,
    });
  });

  test('a batching window, a larger batch and more concurrency come from hookway.json', () => {
    const changed = synthesize({
      config: configWith({ worker: { batchSize: 100, batchingWindowSeconds: 5, maxConcurrency: 50 } }),
    }).template;
    changed.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 5,
      ScalingConfig: { MaximumConcurrency: 50 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  test('a job is retried jobs.retryAttempts times within jobs.maxEventAgeSeconds, then sent to the jobs dead-letter queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref(worker.id),
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: arnOf(resource(template, 'AWS::SQS::Queue', 'QueueingJobsDeadLetterQueue').id) } },
    });
    const changed = synthesize({ config: configWith({ jobs: { retryAttempts: 0, maxEventAgeSeconds: 60 } }) }).template;
    changed.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
  });
});

describe('the state table', () => {
  const { template } = synthesize();

  test('is keyed by pk alone, on demand, with a TTL, point-in-time recovery, and kept when the stack goes', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: Match.arrayWith([{ AttributeName: 'pk', AttributeType: 'S' }]),
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('indexes the parked events by destination and when each is due, with what releasing one needs and nothing else', () => {
    const table = resource(template, 'AWS::DynamoDB::Table', 'StateTable');
    expect(table.Properties.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'parked',
        KeySchema: [
          { AttributeName: 'parkedFor', KeyType: 'HASH' },
          { AttributeName: 'parkedDue', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['parkedBody', 'parkedAttributes', 'parkedHold', 'parkedAt'] },
      },
    ]);
    // The destination's URL, and Unix milliseconds: the sweep asks for `parkedDue <= now`.
    expect(table.Properties.AttributeDefinitions).toEqual([
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'parkedFor', AttributeType: 'S' },
      { AttributeName: 'parkedDue', AttributeType: 'N' },
    ]);
    // On demand, as the table is: no capacity of its own.
    expect(table.Properties.GlobalSecondaryIndexes[0].ProvisionedThroughput).toBeUndefined();
  });

  test('with state.billing "provisioned": capacity between the configured least and most, kept near the target utilisation by auto scaling', () => {
    const provisioned = synthesize({
      config: configWith({ state: { billing: 'provisioned', readCapacity: { min: 5, max: 200 }, writeCapacity: { min: 10, max: 400 }, targetUtilizationPercent: 60 } }),
    }).template;
    const table = resource(provisioned, 'AWS::DynamoDB::Table', 'StateTable');
    expect(table.Properties).toMatchObject({ ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 10 } });
    expect(table.Properties.BillingMode).toBeUndefined();
    expect(table.DeletionPolicy).toBe('Retain');
    // The parked index scales as the table does: a write the index cannot take throttles the table's.
    expect(table.Properties.GlobalSecondaryIndexes).toMatchObject([{ IndexName: 'parked', ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 10 } }]);
    const targets = Object.values(provisioned.findResources('AWS::ApplicationAutoScaling::ScalableTarget')).map((t: any) => t.Properties);
    expect(targets.map((t) => [t.ScalableDimension, t.MinCapacity, t.MaxCapacity]).sort()).toEqual([
      ['dynamodb:index:ReadCapacityUnits', 5, 200],
      ['dynamodb:index:WriteCapacityUnits', 10, 400],
      ['dynamodb:table:ReadCapacityUnits', 5, 200],
      ['dynamodb:table:WriteCapacityUnits', 10, 400],
    ]);
    for (const target of targets) {
      const resourceId = target.ScalableDimension.startsWith('dynamodb:index:') ? ['table/', ref(table.id), '/index/parked'] : ['table/', ref(table.id)];
      expect(target).toMatchObject({ ServiceNamespace: 'dynamodb', ResourceId: { 'Fn::Join': ['', resourceId] } });
    }
    const policies = Object.values(provisioned.findResources('AWS::ApplicationAutoScaling::ScalingPolicy')).map((p: any) => p.Properties);
    expect(policies.map((p) => [p.PolicyType, p.TargetTrackingScalingPolicyConfiguration.TargetValue, p.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType]).sort()).toEqual([
      ['TargetTrackingScaling', 60, 'DynamoDBReadCapacityUtilization'],
      ['TargetTrackingScaling', 60, 'DynamoDBReadCapacityUtilization'],
      ['TargetTrackingScaling', 60, 'DynamoDBWriteCapacityUtilization'],
      ['TargetTrackingScaling', 60, 'DynamoDBWriteCapacityUtilization'],
    ]);
  });

  test('on demand, the default, has no capacity and nothing to scale', () => {
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
    expect(resource(template, 'AWS::DynamoDB::Table', 'StateTable').Properties.ProvisionedThroughput).toBeUndefined();
  });

  test('provisioned is clean under cdk-nag', () => {
    const { app } = build({ config: configWith({ state: { billing: 'provisioned' } }) });
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(', ')}`)).toEqual([]);
  });
});
