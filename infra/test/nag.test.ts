import { type CfnElement, type Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { largeConfig } from './large-config';
import { build, config } from './support';

describe('cdk-nag AWS Solutions checks', () => {
  test('find nothing that is not acknowledged', () => {
    const { app } = build();
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  test('as a validation plugin, fail synth on any new finding', () => {
    const { app } = build();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();

    const careless = build();
    Validations.of(careless.app).addPlugins(new AwsSolutionsChecks(careless.app));
    new Queue(careless.stack, 'Careless'); // no dead-letter queue, no TLS-only policy
    expect(() => careless.app.synth()).toThrow(/AwsSolutions-SQS3/);
  });

  test('every acknowledgement gives its reason', () => {
    const { stack } = build();
    expect(acknowledgements(stack).map(({ at, rule }) => `${at}: ${rule}`)).toEqual(expected(stack));
    for (const { reason } of acknowledgements(stack)) {
      expect(reason.length).toBeGreaterThan(60);
    }
  });

  test('with 500 sources and 1,000 routes, and with every option, as bin/hookway.ts builds it: nothing that is not acknowledged', () => {
    const everything = { tracing: true, intake: { functionUrl: true }, state: { billing: 'provisioned' }, webhooks: { endpoint: 'rest', waf: { ratePer5Minutes: 2000 } } };
    for (const document of [largeConfig(), { ...largeConfig(), ...everything }, { ...largeConfig(), webhooks: { endpoint: 'http-api' }, archive: { writer: 'worker' } }]) {
      const { app } = build({ config: config(document) });
      const report = new AwsSolutionsChecks(app).validateScope(app);
      expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(', ')}`)).toEqual([]);
    }
  });
});

/** Every acknowledged finding, where and why. */
function acknowledgements(stack: Stack) {
  return stack.node
    .findAll()
    .flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
        .map(([rule, reason]) => ({ at: construct.node.path, rule: rule.replace(/^Annotation::/, ''), reason })),
    )
    .sort((a, b) => `${a.at}: ${a.rule}`.localeCompare(`${b.at}: ${b.rule}`));
}

/** The findings the default stack acknowledges. */
function expected(stack: Stack): string[] {
  const bucket = stack.getLogicalId(stack.node.findChild('Archive').node.findChild('Bucket').node.defaultChild as CfnElement);
  return [
    'Hookway/Api/RestApi: AwsSolutions-APIG3',
    'Hookway/Api/RestApi: AwsSolutions-APIG4',
    'Hookway/Api/RestApi: AwsSolutions-COG4',
    'Hookway/Api/RestApi: AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    'Hookway/Archive/Bucket: AwsSolutions-S1',
    `Hookway/Archive/StreamRole: AwsSolutions-IAM5[Resource::<${bucket}.Arn>/events/_stream/*]`,
    `Hookway/Intake/Lambda/Role: AwsSolutions-IAM5[Resource::<${bucket}.Arn>/bodies/*]`,
    'Hookway/Intake/SecureParameters: AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
    'Hookway/Queueing/JobsDeadLetterQueue: AwsSolutions-SQS3',
    `Hookway/Worker/Lambda/Role: AwsSolutions-IAM5[Resource::<${bucket}.Arn>/bodies/*]`,
    `Hookway/Worker/Lambda/Role: AwsSolutions-IAM5[Resource::<${bucket}.Arn>/events/_batches/*]`,
    'Hookway/Worker/ListenQueues: AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:<AWS::StackName>-listen-????????]',
  ].sort((a, b) => a.localeCompare(b));
}
