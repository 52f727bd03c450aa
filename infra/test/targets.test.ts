/**
 * The routes' AWS-native targets: the worker may call exactly the resources they name, each with
 * its one action, through managed policies of their own; the intake may read the executions of
 * the state machines that jobs routes start; a stack without targets is as it was.
 */
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Template } from 'aws-cdk-lib/assertions';
import { HookwayStack } from '../lib/hookway-stack';
import { intakeJobGrants, MANAGED_POLICY_CHARS, packGrants, workerTargetGrants } from '../lib/targets';
import { build, configWith, HOOKWAY_JSON, resource, synthesize } from './support';

const QUEUE = 'arn:aws:sqs:eu-west-1:123456789012:orders';
const FIFO_QUEUE = 'arn:aws:sqs:eu-west-1:123456789012:ledger.fifo';
const QUEUE_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const TOPIC = 'arn:aws:sns:us-east-1:210987654321:payments';
const TOPIC_KEY = 'arn:aws:kms:us-east-1:210987654321:key/0000aaaa-12ab-34cd-56ef-1234567890ab';
const BUS = 'arn:aws:events:eu-west-1:123456789012:event-bus/payments';
const FUNCTION = 'arn:aws:lambda:eu-west-1:123456789012:function:fulfil:live';
const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:orders';
const JOB_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:reports';

/** All five targets: fanned out from stripe, a FIFO queue from github, and a state machine for jobs. */
const ROUTES = [
  {
    source: 'stripe',
    handlers: [
      { sqs: { queueArn: QUEUE, kmsKeyArn: QUEUE_KEY } },
      { sns: { topicArn: TOPIC, kmsKeyArn: TOPIC_KEY } },
      { eventBridge: { busArn: BUS } },
      { lambda: { functionArn: FUNCTION, invocationType: 'RequestResponse' } },
      { stepFunctions: { stateMachineArn: MACHINE } },
    ],
  },
  // The same queue again, and a FIFO one: each named once in the grant.
  { source: 'github', handlers: [{ sqs: { queueArn: QUEUE, kmsKeyArn: QUEUE_KEY } }, { sqs: { queueArn: FIFO_QUEUE, messageGroupPointer: '/repository/id' } }] },
  { source: 'jobs', type: 'report.generate', handler: { stepFunctions: { stateMachineArn: JOB_MACHINE } } },
  { source: '*', handler: 'log' },
];
const targets = configWith({ routes: ROUTES });

/** The statements of the managed policies attached to a function's role whose logical ids start with `prefix`. */
function managedStatements(template: Template, prefix: string): any[] {
  return Object.entries(template.findResources('AWS::IAM::ManagedPolicy'))
    .filter(([id]) => id.startsWith(prefix))
    .flatMap(([, policy]: [string, any]) => policy.Properties.PolicyDocument.Statement);
}

describe("the routes' targets", () => {
  const { template } = synthesize({ config: targets });

  test('the worker may send to each queue, publish to each topic, put events on each bus, invoke each function as named, start each state machine: exactly those', () => {
    expect(managedStatements(template, 'WorkerTargets')).toEqual([
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: [FIFO_QUEUE, QUEUE] },
      { Effect: 'Allow', Action: 'sns:Publish', Resource: TOPIC },
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: BUS },
      // The alias the route names, not every version of the function.
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: FUNCTION },
      { Effect: 'Allow', Action: 'states:StartExecution', Resource: [MACHINE, JOB_MACHINE] },
      // The queue's and the topic's keys, only as SQS and SNS use them for the worker, each in its resource's region.
      {
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: [QUEUE_KEY, TOPIC_KEY],
        Condition: { StringEquals: { 'kms:ViaService': ['sns.us-east-1.amazonaws.com', 'sqs.eu-west-1.amazonaws.com'] } },
      },
    ]);
  });

  test("the grants are a managed policy of the worker's role, in place before the worker starts", () => {
    const policy = resource(template, 'AWS::IAM::ManagedPolicy', 'WorkerTargets');
    expect(policy.Properties.Roles).toEqual([{ Ref: resource(template, 'AWS::IAM::Role', 'WorkerLambdaRole').id }]);
    expect(resource(template, 'AWS::Lambda::Function', 'WorkerLambdaFunction').DependsOn).toContain(policy.id);
  });

  test('the intake may describe the executions of the state machines jobs routes start, and nothing of the others', () => {
    const policy = resource(template, 'AWS::IAM::ManagedPolicy', 'IntakeJobExecutions');
    expect(policy.Properties.Roles).toEqual([{ Ref: resource(template, 'AWS::IAM::Role', 'IntakeLambdaRole').id }]);
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: 'states:DescribeExecution', Resource: 'arn:aws:states:eu-west-1:123456789012:execution:reports:*' },
    ]);
    expect(resource(template, 'AWS::Lambda::Function', 'IntakeLambdaFunction').DependsOn).toContain(policy.id);
  });

  test('a route whose pattern takes jobs (`*`, `jo*`) counts; one that cannot does not', () => {
    const grants = (source: string) =>
      intakeJobGrants(configWith({ routes: [{ source, handler: { stepFunctions: { stateMachineArn: MACHINE } } }] }).settings);
    for (const source of ['*', 'jo*', 'jobs']) {
      expect({ source, grants: grants(source) }).toEqual({
        source,
        grants: [{ actions: ['states:DescribeExecution'], resources: ['arn:aws:states:eu-west-1:123456789012:execution:orders:*'] }],
      });
    }
    expect(grants('stripe')).toEqual([]);
    expect(grants('job')).toEqual([]);
  });

  test('neither role is granted any target action inline, nor through any other policy', () => {
    const targetActions = /^(sns:Publish|events:PutEvents|lambda:InvokeFunction|states:|kms:GenerateDataKey)/;
    const inline = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(inline.filter((s: any) => [s.Action].flat().some((a: string) => targetActions.test(a)))).toEqual([]);
    expect(inline.filter((s: any) => [s.Resource].flat().some((r: any) => typeof r === 'string' && [QUEUE, FIFO_QUEUE].includes(r)))).toEqual([]);
    expect(Object.keys(template.findResources('AWS::IAM::ManagedPolicy')).sort()).toEqual(
      [resource(template, 'AWS::IAM::ManagedPolicy', 'IntakeJobExecutions').id, resource(template, 'AWS::IAM::ManagedPolicy', 'WorkerListenQueues').id, resource(template, 'AWS::IAM::ManagedPolicy', 'WorkerTargets').id].sort(),
    );
  });

  test('without targets, the stack has no target policy and the same resources', () => {
    const plain = synthesize().template.toJSON().Resources;
    const forwards = synthesize({ config: configWith({ routes: HOOKWAY_JSON.routes }) }).template.toJSON().Resources;
    expect(Object.keys(forwards).sort()).toEqual(Object.keys(plain).sort());
    expect(Object.values(plain).filter((r: any) => r.Type === 'AWS::IAM::ManagedPolicy')).toHaveLength(1);
    expect(workerTargetGrants(configWith({}).settings)).toEqual([]);
    expect(intakeJobGrants(configWith({}).settings)).toEqual([]);
  });

  test('cdk-nag finds nothing unacknowledged, and the intake’s acknowledgement names each execution pattern', () => {
    const { app, stack } = build({ config: targets });
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(', ')}`)).toEqual([]);
    const acknowledged = (stack as HookwayStack).node
      .findChild('Intake')
      .node.findChild('JobExecutions')
      .node.metadata.filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.keys(entry.data as object));
    expect(acknowledged).toEqual(['Annotation::AwsSolutions-IAM5[Resource::arn:aws:states:eu-west-1:123456789012:execution:reports:*]']);
  });

  describe('at scale', () => {
    const queues = Array.from({ length: 300 }, (_, i) => `arn:aws-us-gov:sqs:us-gov-west-1:123456789012:tenant-${String(i).padStart(4, '0')}-orders-queue`);
    const many = configWith({
      routes: [
        { source: 'stripe', handlers: queues.slice(0, 150).map((queueArn) => ({ sqs: { queueArn } })) },
        { source: 'github', handlers: queues.slice(150).map((queueArn) => ({ sqs: { queueArn } })) },
      ],
    });

    test('grants too large for one policy go on in the next, each within IAM’s 6,144 characters, every resource granted once', () => {
      const { template: large } = synthesize({ config: many });
      const policies = Object.entries(large.findResources('AWS::IAM::ManagedPolicy')).filter(([id]) => id.startsWith('WorkerTargets'));
      expect(policies.length).toBeGreaterThan(1);
      for (const [, policy] of policies as Array<[string, any]>) {
        expect(JSON.stringify(policy.Properties.PolicyDocument).length).toBeLessThanOrEqual(MANAGED_POLICY_CHARS);
      }
      const granted = managedStatements(large, 'WorkerTargets').flatMap((s) => [s.Resource].flat());
      expect(granted.sort()).toEqual([...queues].sort());
      for (const [id] of policies) {
        expect(resource(large, 'AWS::Lambda::Function', 'WorkerLambdaFunction').DependsOn).toContain(id);
      }
    });

    test('more than the role can hold is refused at synth, saying why', () => {
      const thousands = Array.from({ length: 1_000 }, (_, i) => ({ sqs: { queueArn: `arn:aws:sqs:eu-west-1:123456789012:tenant-${i}-orders-queue-with-a-long-name` } }));
      expect(() => build({ config: configWith({ routes: [{ source: 'stripe', handlers: thousands }] }) })).toThrow(
        /routes: the worker's calls to the routes' targets need \d+ managed policies of 6,144 characters; the role has room for 9/,
      );
    });

    test('packing keeps every grant’s actions and conditions, and fills each document before the next', () => {
      const grant = { actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: ['a'.repeat(100), 'b'.repeat(100), 'c'.repeat(100)], conditions: { StringEquals: { 'kms:ViaService': ['sqs.eu-west-1.amazonaws.com'] } } };
      const documents = packGrants([{ actions: ['sqs:SendMessage'], resources: ['q'] }, grant], 500);
      expect(documents.map((d) => d.map((g) => [g.actions.join(), g.resources.map((r) => r[0]).join('')]))).toEqual([
        [['sqs:SendMessage', 'q'], ['kms:Decrypt,kms:GenerateDataKey', 'ab']],
        [['kms:Decrypt,kms:GenerateDataKey', 'c']],
      ]);
      expect(documents[1][0].conditions).toEqual(grant.conditions);
    });
  });
});
