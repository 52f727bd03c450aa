import { Match } from 'aws-cdk-lib/assertions';
import { arnOf, configWith, ref, resource, synthesize } from './support';

describe('the archive bucket', () => {
  const { template } = synthesize();
  const bucket = resource(template, 'AWS::S3::Bucket', 'ArchiveBucket');

  test('is encrypted, never public, owned by the account, and kept when the stack goes', () => {
    template.resourceCountIs('AWS::S3::Bucket', 1);
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    expect(bucket.DeletionPolicy).toBe('Retain');
  });

  test('refuses every request made without TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(bucket.id),
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('archived events expire after archive.retentionDays (30 by default); bodies outlive their messages', () => {
    expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual([
      { Id: 'events', Prefix: 'events/', ExpirationInDays: 30, Status: 'Enabled' },
      // The queue's 4 days, then the dead-letter queue's 14: a redrive still finds the body.
      { Id: 'bodies', Prefix: 'bodies/', ExpirationInDays: 30, Status: 'Enabled' },
    ]);
    const short = synthesize({ config: configWith({ archive: { retentionDays: 7 }, queue: { retentionDays: 10 } }) }).template;
    expect(resource(short, 'AWS::S3::Bucket', 'ArchiveBucket').Properties.LifecycleConfiguration.Rules).toEqual([
      { Id: 'events', Prefix: 'events/', ExpirationInDays: 7, Status: 'Enabled' },
      { Id: 'bodies', Prefix: 'bodies/', ExpirationInDays: 24, Status: 'Enabled' },
    ]);
  });

  test('both writers’ objects expire with the events: the lifecycle rule on events/ covers events/_stream/ and events/_batches/', () => {
    const [events] = bucket.Properties.LifecycleConfiguration.Rules.filter((rule: any) => rule.Prefix === 'events/');
    expect('events/_stream/2026/01/01/00/object'.startsWith(events.Prefix)).toBe(true);
    expect('events/_batches/2026/01/01/00/object'.startsWith(events.Prefix)).toBe(true);
  });
});

describe('the archive stream (archive.writer "firehose", the default)', () => {
  const { template } = synthesize();
  const bucket = resource(template, 'AWS::S3::Bucket', 'ArchiveBucket');
  const stream = resource(template, 'AWS::KinesisFirehose::DeliveryStream', 'ArchiveStream');
  const role = resource(template, 'AWS::IAM::Role', 'ArchiveStreamRole');
  const objects = (prefix: string) => ({ 'Fn::Join': ['', [arnOf(bucket.id), `/${prefix}*`]] });

  test('puts events straight into the bucket under events/_stream/, uncompressed, a buffer a minute or 64 MiB, encrypted with an AWS owned key', () => {
    expect(stream.Properties).toMatchObject({
      DeliveryStreamType: 'DirectPut',
      DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' },
      ExtendedS3DestinationConfiguration: {
        BucketARN: arnOf(bucket.id),
        RoleARN: arnOf(role.id),
        Prefix: 'events/_stream/',
        CompressionFormat: 'UNCOMPRESSED',
        BufferingHints: { IntervalInSeconds: 60, SizeInMBs: 64 },
      },
    });
    // Firehose names the objects' hour itself, after the prefix; no custom error prefix is needed without processing.
    expect(stream.Properties.ExtendedS3DestinationConfiguration.ErrorOutputPrefix).toBeUndefined();
  });

  test('its role, which only Firehose of this account may take, may write under events/_stream/ and nowhere else', () => {
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'firehose.amazonaws.com' },
        Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'AWS::AccountId' } } },
      },
    ]);
    const policy = resource(template, 'AWS::IAM::Policy', 'ArchiveStreamRoleDefaultPolicy').Properties;
    expect(policy.Roles).toEqual([ref(role.id)]);
    const logs = resource(template, 'AWS::Logs::LogGroup', 'ArchiveStreamLogs').id;
    expect(policy.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'], Resource: objects('events/_stream/') },
      { Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], Resource: arnOf(bucket.id) },
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: arnOf(logs) },
    ]);
    // The stream is created once its role may write: Firehose checks it then.
    expect(stream.DependsOn).toEqual(expect.arrayContaining([role.id, resource(template, 'AWS::IAM::Policy', 'ArchiveStreamRoleDefaultPolicy').id]));
  });

  test('logs its delivery errors to a log group kept logRetentionDays', () => {
    const logs = resource(template, 'AWS::Logs::LogGroup', 'ArchiveStreamLogs');
    const logStream = resource(template, 'AWS::Logs::LogStream', 'ArchiveStreamLogsDelivery');
    expect(logs.Properties.RetentionInDays).toBe(30);
    expect(stream.Properties.ExtendedS3DestinationConfiguration.CloudWatchLoggingOptions).toEqual({
      Enabled: true,
      LogGroupName: ref(logs.id),
      LogStreamName: ref(logStream.id),
    });
  });

  test('is not there with archive.writer "worker"', () => {
    const batches = synthesize({ config: configWith({ archive: { writer: 'worker' } }) }).template;
    batches.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 0);
    batches.resourceCountIs('AWS::Logs::LogStream', 0);
  });
});
