import { Match } from 'aws-cdk-lib/assertions';
import { arnOf, config, configWith, HOOKWAY_JSON, ref, resource, synthesize } from './support';

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
  test('the intake gets the configuration, the events queue, the table and the archive bucket', () => {
    expect(intake.Properties.Environment.Variables).toEqual({
      HOOKWAY_CONFIG: JSON.stringify(HOOKWAY_JSON),
      HOOKWAY_EVENTS_QUEUE_URL: ref(queue.id),
      HOOKWAY_TABLE: ref(table.id),
      HOOKWAY_ARCHIVE_BUCKET: ref(bucket.id),
    });
  });

  test('the worker gets the configuration, the table, the events queue (to wait in), the events DLQ and the archive bucket', () => {
    expect(worker.Properties.Environment.Variables).toEqual({
      HOOKWAY_CONFIG: JSON.stringify(HOOKWAY_JSON),
      HOOKWAY_TABLE: ref(table.id),
      HOOKWAY_EVENTS_QUEUE_URL: ref(queue.id),
      HOOKWAY_EVENTS_DLQ_URL: ref(resource(template, 'AWS::SQS::Queue', 'QueueingEventsDeadLetterQueue').id),
      HOOKWAY_ARCHIVE_BUCKET: ref(bucket.id),
    });
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

  test('a configuration too large for the Lambda environment fails synth, saying why', () => {
    const sources = Array.from({ length: 40 }, (_, i) => ({
      name: `partner-${i}`,
      scheme: 'stripe',
      secretParameters: [`/hookway/partner-${i}/signing-secret`],
    }));
    const large = config({ ...HOOKWAY_JSON, sources });
    expect(large.json.length).toBeGreaterThan(4096);
    expect(() => synthesize({ config: large })).toThrow(
      /Hookway\/Intake\/Lambda: the environment needs up to \d+ bytes \(HOOKWAY_CONFIG \d+, .*\), but Lambda allows 4096 in all/,
    );
  });

  test('a configuration that fits with room for the queue URLs, table name and bucket name passes', () => {
    // 4096 bytes less the worker's variable names (the most of the two functions) and the
    // longest queue URLs, table name and bucket name.
    const names = ['HOOKWAY_CONFIG', 'HOOKWAY_TABLE', 'HOOKWAY_EVENTS_QUEUE_URL', 'HOOKWAY_EVENTS_DLQ_URL', 'HOOKWAY_ARCHIVE_BUCKET'].join('').length;
    const room = 4096 - names - 4 * 255;
    const sources = [{ name: 'github', scheme: 'github', secretParameters: ['/x'] }];
    const padding = room - JSON.stringify({ sources, routes: [{ source: '*', type: '', handler: 'log' }] }).length;
    const exact = config({ sources, routes: [{ source: '*', type: 'x'.repeat(padding), handler: 'log' }] });
    expect(exact.json.length).toBe(room);
    expect(() => synthesize({ config: exact })).not.toThrow();
    const over = config({ sources, routes: [{ source: '*', type: 'x'.repeat(padding + 1), handler: 'log' }] });
    expect(() => synthesize({ config: over })).toThrow(/Lambda allows 4096/);
  });
});
