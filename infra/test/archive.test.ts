import { Match } from 'aws-cdk-lib/assertions';
import { configWith, ref, resource, synthesize } from './support';

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
});
