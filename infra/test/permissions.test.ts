import { Template } from 'aws-cdk-lib/assertions';
import { largeConfig } from './large-config';
import { functionId, rolePolicyChars } from './measure';
import { arnOf, build, config, configWith, HOOKWAY_JSON, resource, synthesize } from './support';

/** The statements of the inline policies attached to a function's role, log writing aside. */
function grantsOf(template: Template, functionPrefix: string): any[] {
  const fn = resource(template, 'AWS::Lambda::Function', functionPrefix);
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy: any) =>
    policy.Properties.Roles.some((role: any) => role.Ref === roleId),
  );
  const statements = policies.flatMap((policy: any) => policy.Properties.PolicyDocument.Statement);
  return statements
    .filter((s) => JSON.stringify(s.Action) !== JSON.stringify(['logs:CreateLogStream', 'logs:PutLogEvents']))
    .map(normalized);
}

function normalized(statement: any): any {
  return JSON.parse(JSON.stringify(statement), (key, value) => (UNORDERED.includes(key) && Array.isArray(value) ? sorted(value) : value));
}

/** Lists of actions and resources come in no particular order. */
const UNORDERED = ['Action', 'Resource', 'kms:EncryptionContext:PARAMETER_ARN'];
function sorted(values: any[]): any[] {
  return [...values].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/** Every statement of every policy in the template, whatever kind of resource holds it. */
/**
 * Every statement of every identity and resource policy but the KMS key policies: a key's policy
 * gives its account `kms:*` to administer it, as every key's does (the alarm topic's key is checked
 * with the monitoring).
 */
function allStatements(template: Template): any[] {
  const statements: any[] = [];
  const visit = (value: any) => {
    if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (value !== null && typeof value === 'object') {
      if (Array.isArray(value.Statement) && value.Statement.every((s: any) => 'Effect' in s)) {
        statements.push(...value.Statement);
      }
      Object.values(value).forEach(visit);
    }
  };
  const resources = Object.values(template.toJSON().Resources as Record<string, any>);
  visit(resources.filter((resource) => resource.Type !== 'AWS::KMS::Key'));
  return statements;
}

const parameterArn = (name: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:parameter${name}`]],
});

describe('least privilege', () => {
  const { template } = synthesize();
  const table = arnOf(resource(template, 'AWS::DynamoDB::Table', 'StateTable').id);
  const eventsQueue = arnOf(resource(template, 'AWS::SQS::Queue', 'QueueingEventsQueue').id);
  const jobsDlq = arnOf(resource(template, 'AWS::SQS::Queue', 'QueueingJobsDeadLetterQueue').id);
  const eventsDlq = arnOf(resource(template, 'AWS::SQS::Queue', 'QueueingEventsDeadLetterQueue').id);
  const objects = (prefix: string) => ({ 'Fn::Join': ['', [arnOf(resource(template, 'AWS::S3::Bucket', 'ArchiveBucket').id), `/${prefix}*`]] });
  const secretNames: string[] = HOOKWAY_JSON.sources.flatMap((s: any) => s.secretParameters).sort();
  const parameterArns = sorted(secretNames.map(parameterArn));

  test('the intake may send to the events queue, put large bodies, read its sources’ secrets and get job records, nothing else', () => {
    expect(grantsOf(template, 'IntakeLambdaFunction')).toEqual([
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: eventsQueue },
      // Job records only: not an event's record, an entity's version or a destination's circuit.
      {
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: table,
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['job#*'] } },
      },
      { Effect: 'Allow', Action: 's3:PutObject', Resource: objects('bodies/') },
      { Effect: 'Allow', Action: 'ssm:GetParameters', Resource: parameterArns },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kms:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':key/*']] },
        Condition: {
          StringEquals: {
            'kms:ViaService': { 'Fn::Join': ['', ['ssm.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] },
            'kms:EncryptionContext:PARAMETER_ARN': parameterArns,
          },
        },
      },
    ]);
  });

  test('every secret parameter and verify token of every source is imported, none created (CloudFormation cannot create SecureStrings)', () => {
    template.resourceCountIs('AWS::SSM::Parameter', 0);
    const rotating = synthesize({
      config: configWith({
        sources: [
          { name: 'github', scheme: 'github', secretParameters: ['/hookway/github/current', '/hookway/github/next'] },
          { name: 'github-enterprise', scheme: 'github', secretParameters: ['/hookway/github/current'] },
          { name: 'meta', scheme: 'meta', secretParameters: ['/hookway/meta/secret'], verifyTokenParameter: '/hookway/meta/verify-token' },
        ],
        routes: [],
      }),
    }).template;
    const names = ['/hookway/github/current', '/hookway/github/next', '/hookway/meta/secret', '/hookway/meta/verify-token'];
    const [ssm, kms] = grantsOf(rotating, 'IntakeLambdaFunction').filter((s) => /^(ssm|kms):/.test([s.Action].flat()[0]));
    expect(ssm).toMatchObject({ Action: 'ssm:GetParameters', Resource: sorted(names.map(parameterArn)) });
    expect(kms.Condition.StringEquals['kms:EncryptionContext:PARAMETER_ARN']).toEqual(sorted(names.map(parameterArn)));
  });

  const listenQueues = {
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sqs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':', { Ref: 'AWS::StackName' }, '-listen-????????']],
  };
  const workerBase = [
    {
      Effect: 'Allow',
      Action: sorted(['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage']),
      Resource: eventsQueue,
    },
    { Effect: 'Allow', Action: sorted(['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage']), Resource: jobsDlq },
    // The records one item at a time; which of a batch's events are archived, and the circuits of
    // the destinations with parked events (one BatchGetItem each).
    { Effect: 'Allow', Action: sorted(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem']), Resource: table },
    // The sweep queries the parked index, and only that index: never the table, nor another index.
    { Effect: 'Allow', Action: 'dynamodb:Query', Resource: { 'Fn::Join': ['', [table, '/index/parked']] } },
    { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: sorted([eventsDlq, eventsQueue]) },
    // archive.writer "firehose": into the archive stream; a batch object only for the events it
    // takes late (a backlog, a redrive) or too large for a record.
    { Effect: 'Allow', Action: 'firehose:PutRecordBatch', Resource: arnOf(resource(template, 'AWS::KinesisFirehose::DeliveryStream', 'ArchiveStream').id) },
    { Effect: 'Allow', Action: 's3:PutObject', Resource: objects('events/_batches/') },
    { Effect: 'Allow', Action: 's3:GetObject', Resource: objects('bodies/') },
  ];

  test('the worker may consume the events queue and send events back to it, read and write table items, query the parked index, send to both DLQs, archive events and read bodies back, nothing else', () => {
    expect(grantsOf(template, 'WorkerLambdaFunction')).toEqual(workerBase);
  });

  test("the worker may send to the queues of hookway listen, named after its stack and 8 hex digits, through a managed policy of its own (outside the inline policies' size)", () => {
    for (const t of [template, destinations]) {
      const roleId = resource(t, 'AWS::IAM::Role', 'WorkerLambdaRole').id;
      const managed = Object.entries(t.findResources('AWS::IAM::ManagedPolicy'));
      expect(managed).toHaveLength(1);
      const [id, policy] = managed[0] as [string, any];
      expect(policy.Properties.Roles).toEqual([{ Ref: roleId }]);
      expect(policy.Properties.PolicyDocument.Statement).toEqual([{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: listenQueues }]);
      expect(resource(t, 'AWS::Lambda::Function', 'WorkerLambdaFunction').DependsOn).toContain(id);
    }
  });

  test('with archive.writer "worker", the worker puts its archive objects under events/ instead, and has no stream', () => {
    const batches = synthesize({ config: configWith({ archive: { writer: 'worker' } }) }).template;
    batches.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 0);
    const bucket = arnOf(resource(batches, 'AWS::S3::Bucket', 'ArchiveBucket').id);
    const grants = grantsOf(batches, 'WorkerLambdaFunction');
    expect(grants).toContainEqual({ Effect: 'Allow', Action: 's3:PutObject', Resource: { 'Fn::Join': ['', [bucket, '/events/*']] } });
    expect(grants.some((s) => JSON.stringify(s.Action).includes('firehose'))).toBe(false);
  });

  /** A signed, authenticated fan-out route, and a second route sharing one of its parameters. */
  const destinations = synthesize({
    config: configWith({
      routes: [
        {
          source: 'stripe',
          handlers: [
            { forward: { url: 'https://billing.example.com/hooks', sign: { secretParameters: ['/hookway/out/billing/signing'] }, authorization: { parameter: '/hookway/out/billing/token' } } },
            { forward: { url: 'https://audit.example.com/in', sign: { secretParameters: ['/hookway/out/billing/signing', '/hookway/out/audit/old'] } } },
          ],
        },
        { source: 'github', handler: { forward: { url: 'https://ci.example.com/in', authorization: { parameter: '/hookway/out/billing/token' } } } },
        { source: '*', handler: 'log' },
      ],
    }),
  }).template;
  const destinationArns = sorted(['/hookway/out/billing/signing', '/hookway/out/billing/token', '/hookway/out/audit/old'].map(parameterArn));

  test('the worker may read exactly the parameters its destinations name, and decrypt them only through SSM', () => {
    expect(grantsOf(destinations, 'WorkerLambdaFunction')).toEqual([
      ...workerBase,
      { Effect: 'Allow', Action: 'ssm:GetParameters', Resource: destinationArns },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kms:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':key/*']] },
        Condition: {
          StringEquals: {
            'kms:ViaService': { 'Fn::Join': ['', ['ssm.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] },
            'kms:EncryptionContext:PARAMETER_ARN': destinationArns,
          },
        },
      },
    ]);
    destinations.resourceCountIs('AWS::SSM::Parameter', 0);
  });

  test('the parameters are granted by a policy of their own, in place before the function and before its role’s default policy changes', () => {
    for (const [prefix, t] of [
      ['Intake', template],
      ['Worker', destinations],
    ] as const) {
      const policy = resource(t, 'AWS::IAM::Policy', `${prefix}SecureParameters`);
      expect(policy.Properties.Roles).toEqual([{ Ref: resource(t, 'AWS::IAM::Role', `${prefix}LambdaRole`).id }]);
      expect(resource(t, 'AWS::Lambda::Function', `${prefix}LambdaFunction`).DependsOn).toContain(policy.id);
      expect(resource(t, 'AWS::IAM::Policy', `${prefix}LambdaRoleDefaultPolicy`).DependsOn).toEqual([policy.id]);
    }
    // The one managed policy is the worker's grant to the listeners' queues.
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 1);
  });

  test("a source's verify token is the intake's to read, as its secrets are", () => {
    const meta = synthesize({
      config: configWith({ sources: [{ name: 'meta', scheme: 'meta', secretParameters: ['/hookway/meta/secret'], verifyTokenParameter: '/hookway/meta/verify-token' }] }),
    }).template;
    const [ssm] = grantsOf(meta, 'IntakeLambdaFunction').filter((s) => s.Action.includes('ssm:GetParameters'));
    expect(ssm.Resource).toEqual(sorted(['/hookway/meta/secret', '/hookway/meta/verify-token'].map(parameterArn)));
  });

  describe('with more parameters than a role policy can name', () => {
    const large = synthesize({ config: config(largeConfig()) }).template;
    const prefixArn = (prefix: string) => parameterArn(prefix);

    test('the intake reads the sources’ secrets by the longest path prefixes that fit, and decrypts them only under those', () => {
      const prefixes = ['/hookway/prod/commerce/*', '/hookway/prod/devtools/*', '/hookway/prod/messaging/*', '/hookway/prod/payments/*', '/hookway/prod/social/*'];
      const grants = grantsOf(large, 'IntakeLambdaFunction');
      expect(grants.filter((s) => /^(ssm|kms):/.test([s.Action].flat()[0]))).toEqual([
        { Effect: 'Allow', Action: 'ssm:GetParameters', Resource: sorted(prefixes.map(prefixArn)) },
        {
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kms:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':key/*']] },
          Condition: {
            StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['ssm.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] } },
            StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': sorted(prefixes.map(prefixArn)) },
          },
        },
      ]);
    });

    test('the worker reads the destinations’ 400 parameters under their one shared path', () => {
      const [ssm] = grantsOf(large, 'WorkerLambdaFunction').filter((s) => [s.Action].flat().includes('ssm:GetParameters'));
      expect(ssm.Resource).toEqual(prefixArn('/hookway/prod/outbound/*'));
    });

    test('each role’s inline policies stay within IAM’s 10,240 characters, every value at its longest', () => {
      const { stack } = build({ config: config(largeConfig()), stackName: `H${'x'.repeat(127)}` });
      const deployed = Template.fromStack(stack).toJSON();
      for (const prefix of ['IntakeLambdaFunction', 'WorkerLambdaFunction']) {
        expect(rolePolicyChars(deployed, functionId(deployed, prefix))).toBeLessThanOrEqual(10_240);
      }
    });
  });

  test('only the intake and the worker can read secrets, each its own', () => {
    for (const t of [template, destinations]) {
      const readers = allStatements(t).filter((s) => [s.Action].flat().some((action: string) => action.startsWith('ssm:') || action.startsWith('kms:')));
      const own = ['IntakeLambdaFunction', 'WorkerLambdaFunction'].flatMap((fn) => grantsOf(t, fn).filter((s) => /^(ssm|kms):/.test([s.Action].flat()[0])));
      expect(readers.map(normalized)).toEqual(own);
    }
  });

  test('no policy allows a wildcard action; the only wildcards deny every request made without TLS', () => {
    const statements = allStatements(template);
    expect(statements.length).toBeGreaterThan(10);
    const wildcards = statements.filter((s) => [s.Action].flat().some((action: string) => action.includes('*')));
    for (const statement of wildcards) {
      expect(statement).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    }
    expect(statements.filter((s) => s.Effect === 'Allow' && [s.Action].flat().some((a: string) => a.includes('*')))).toEqual([]);
  });
});
