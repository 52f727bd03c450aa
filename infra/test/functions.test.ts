import { Match, Template } from 'aws-cdk-lib/assertions';
import { largeConfig } from './large-config';
import { environmentBytes, functionId } from './measure';
import { arnOf, build, config, configWith, HOOKWAY_JSON, ref, resource, synthesize } from './support';

describe('the intake and worker functions', () => {
  const { template } = synthesize();
  const intake = resource(template, 'AWS::Lambda::Function', 'IntakeLambdaFunction');
  const worker = resource(template, 'AWS::Lambda::Function', 'WorkerLambdaFunction');
  const queue = resource(template, 'AWS::SQS::Queue', 'QueueingEventsQueue');
  const table = resource(template, 'AWS::DynamoDB::Table', 'StateTable');
  const bucket = resource(template, 'AWS::S3::Bucket', 'ArchiveBucket');

  test.each([
    ['intake', intake],
    ['worker', worker],
  ])('the %s is a Rust binary on arm64 and provided.al2023, logging JSON', (_, fn) => {
    expect(fn.Properties).toMatchObject({
      Architectures: ['arm64'],
      Runtime: 'provided.al2023',
      Handler: 'bootstrap',
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO' },
    });
    const logGroup = template.findResources('AWS::Logs::LogGroup')[fn.Properties.LoggingConfig.LogGroup.Ref];
    expect(logGroup.Properties.RetentionInDays).toBe(HOOKWAY_JSON.logRetentionDays);
  });

  test('every minute, an EventBridge rule of the stack’s own invokes the worker with {"hookway": "release"}: the sweep of parked events', () => {
    const rule = resource(template, 'AWS::Events::Rule', 'WorkerRelease');
    expect(rule.Properties).toMatchObject({ Name: 'Hookway-release', ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
    expect(rule.Properties.Targets).toHaveLength(1);
    const [target] = rule.Properties.Targets;
    expect(target.Arn).toEqual(arnOf(worker.id));
    expect(JSON.parse(target.Input)).toEqual({ hookway: 'release' });
    // A sweep EventBridge cannot hand to Lambda is not retried: the next minute's finds the same events due.
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
    // EventBridge may invoke the worker for this rule and no other.
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: arnOf(worker.id),
      Principal: 'events.amazonaws.com',
      SourceArn: arnOf(rule.id),
    });
    template.resourceCountIs('AWS::Events::Rule', 1);
  });

  test('memory and timeouts come from hookway.json', () => {
    expect(intake.Properties).toMatchObject({ MemorySize: 512, Timeout: 10 });
    expect(worker.Properties).toMatchObject({ MemorySize: 256, Timeout: 60 });

    const changed = synthesize({
      config: configWith({ intake: { memoryMb: 1024, timeoutSeconds: 29 }, worker: { memoryMb: 2048, timeoutSeconds: 900 }, logRetentionDays: 90 }),
    }).template;
    expect(resource(changed, 'AWS::Lambda::Function', 'IntakeLambdaFunction').Properties).toMatchObject({ MemorySize: 1024, Timeout: 29 });
    expect(resource(changed, 'AWS::Lambda::Function', 'WorkerLambdaFunction').Properties).toMatchObject({ MemorySize: 2048, Timeout: 900 });
    changed.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  test('the intake has reserved concurrency (intake.reservedConcurrency; null: none), the worker none of its own', () => {
    expect(intake.Properties.ReservedConcurrentExecutions).toBe(50);
    expect(worker.Properties.ReservedConcurrentExecutions).toBeUndefined();
    const changed = synthesize({ config: configWith({ intake: { reservedConcurrency: 200 } }) }).template;
    expect(resource(changed, 'AWS::Lambda::Function', 'IntakeLambdaFunction').Properties.ReservedConcurrentExecutions).toBe(200);
    const none = synthesize({ config: configWith({ intake: { reservedConcurrency: null } }) }).template;
    expect(resource(none, 'AWS::Lambda::Function', 'IntakeLambdaFunction').Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  // The names are hookway-core's (crates/core/src/env.rs), whose test reads these constructs.
  test('the intake gets the stack, the events queue, the table and the archive bucket; the configuration is in its package', () => {
    expect(intake.Properties.Environment.Variables).toEqual({
      HOOKWAY_STACK: 'Hookway',
      HOOKWAY_EVENTS_QUEUE_URL: ref(queue.id),
      HOOKWAY_TABLE: ref(table.id),
      HOOKWAY_ARCHIVE_BUCKET: ref(bucket.id),
    });
  });

  test('the worker gets the stack, the table, the events queue (to wait in), the events DLQ, the archive bucket and its stream', () => {
    expect(worker.Properties.Environment.Variables).toEqual({
      HOOKWAY_STACK: 'Hookway',
      HOOKWAY_TABLE: ref(table.id),
      HOOKWAY_EVENTS_QUEUE_URL: ref(queue.id),
      HOOKWAY_EVENTS_DLQ_URL: ref(resource(template, 'AWS::SQS::Queue', 'QueueingEventsDeadLetterQueue').id),
      HOOKWAY_ARCHIVE_BUCKET: ref(bucket.id),
      HOOKWAY_ARCHIVE_STREAM: ref(resource(template, 'AWS::KinesisFirehose::DeliveryStream', 'ArchiveStream').id),
    });
    const batches = synthesize({ config: configWith({ archive: { writer: 'worker' } }) }).template;
    expect(resource(batches, 'AWS::Lambda::Function', 'WorkerLambdaFunction').Properties.Environment.Variables.HOOKWAY_ARCHIVE_STREAM).toBeUndefined();
  });

  test('HOOKWAY_STACK is the stack’s name, the namespace of its metrics', () => {
    const staging = synthesize({ stackName: 'hookway-staging' }).template;
    for (const prefix of ['IntakeLambdaFunction', 'WorkerLambdaFunction']) {
      expect(resource(staging, 'AWS::Lambda::Function', prefix).Properties.Environment.Variables.HOOKWAY_STACK).toBe('hookway-staging');
    }
  });

  test('each function runs with a role of its own, not the AWS managed basic execution role', () => {
    for (const fn of [intake, worker]) {
      const roleId = fn.Properties.Role['Fn::GetAtt'][0];
      const role = template.findResources('AWS::IAM::Role')[roleId];
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
      // It may write its logs, to its own log group.
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [ref(roleId)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: arnOf(fn.Properties.LoggingConfig.LogGroup.Ref) },
          ]),
        },
      });
    }
  });

  test('the environment stays under 1 KB with 500 sources and 1,000 routes, every value at its longest', () => {
    const large = config(largeConfig());
    const { stack } = build({ config: large, stackName: `H${'x'.repeat(127)}` });
    const deployed = Template.fromStack(stack).toJSON();
    for (const prefix of ['IntakeLambdaFunction', 'WorkerLambdaFunction']) {
      // Names and values: a 128-character stack name, the longest queue URLs, table, bucket and stream names.
      expect(environmentBytes(deployed, functionId(deployed, prefix))).toBeLessThan(1024);
    }
  });
});
