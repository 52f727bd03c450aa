import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { ArchiveConfig, QueueConfig } from './config';
import { DEAD_LETTER_RETENTION } from './queueing';

/** The archive: one object per worker batch, source and hour, an envelope a line (hookway-core's archive.rs). */
export const EVENTS_PREFIX = 'events/';
/** Claim checks: each body too large for a message, put by the intake before its 202. */
export const BODIES_PREFIX = 'bodies/';

export interface ArchiveProps {
  readonly archive: ArchiveConfig;
  /** The events queue's retention: a claim-checked body must outlive its message. */
  readonly queue: QueueConfig;
}

/**
 * The event store: every accepted event, archived by the worker a batch at a time, and the bodies
 * over the inline limit, stored by the intake. Encrypted (SSE-S3), TLS only, never public, each
 * prefix expiring on its own.
 */
export class Archive extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: ArchiveProps) {
    super(scope, id);
    const retention = props.archive.retentionDays;
    // A body is kept as long as the archive, and at least as long as its message can wait in the
    // events queue and then in its dead-letter queue, so that a redrive still finds it.
    const bodyRetention = Math.max(retention, props.queue.retentionDays + DEAD_LETTER_RETENTION.toDays());

    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Kept when the stack goes, as the state table is: it is the record of what was received.
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: 'events', prefix: EVENTS_PREFIX, expiration: Duration.days(retention) },
        { id: 'bodies', prefix: BODIES_PREFIX, expiration: Duration.days(bodyRetention) },
      ],
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Only the stack’s own functions write and read this bucket, through roles limited to its two prefixes; the ' +
        'functions log every object they write. Server access logs would add a log object for every archive batch.',
    });
  }

  /** The intake puts claim-checked bodies, and nothing else. */
  grantBodiesPut(fn: IFunction): void {
    fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [this.arnOf(BODIES_PREFIX)] }));
    this.acknowledgeObjects(fn, [BODIES_PREFIX], 'the intake puts each body over the inline limit under a key of its own');
  }

  /**
   * The worker puts archive objects, reads claim-checked bodies back, and asks the state table
   * which of a batch's events are archived already (one BatchGetItem a batch).
   */
  grantWorker(fn: IFunction, table: ITable): void {
    fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [this.arnOf(EVENTS_PREFIX)] }));
    fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [this.arnOf(BODIES_PREFIX)] }));
    fn.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:BatchGetItem'], resources: [table.tableArn] }));
    this.acknowledgeObjects(
      fn,
      [EVENTS_PREFIX, BODIES_PREFIX],
      'the worker puts one archive object per batch, source and hour, and reads back the body each envelope names',
    );
  }

  private arnOf(prefix: string): string {
    return this.bucket.arnForObjects(`${prefix}*`);
  }

  /** Objects are named as they are written, so a prefix is the narrowest a grant can be. */
  private acknowledgeObjects(fn: IFunction, prefixes: string[], why: string): void {
    const logicalId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnBucket);
    for (const prefix of prefixes) {
      Validations.of(fn.role!).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${prefix}*]`,
        reason: `Objects under ${prefix} only: ${why}, under keys made at that moment.`,
      });
    }
  }
}
