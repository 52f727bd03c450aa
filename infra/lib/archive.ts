import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnDeliveryStream } from 'aws-cdk-lib/aws-kinesisfirehose';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, LogStream, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { ArchiveConfig, QueueConfig } from './config';
import { DEAD_LETTER_RETENTION } from './queueing';

/** The archive: every event's envelope, a line each (hookway-core's archive.rs). */
export const EVENTS_PREFIX = 'events/';
/** Where the Firehose stream writes (`archive.writer: "firehose"`); Firehose appends the UTC `YYYY/MM/DD/HH/`. */
export const STREAM_PREFIX = 'events/_stream/';
/** Where the worker writes one object per batch: every event with the `worker` writer, and with the stream the events it takes late (received over ten minutes before) or too large for a record. */
export const BATCHES_PREFIX = 'events/_batches/';
/** Claim checks: each body too large for a message, put by the intake before its 202. */
export const BODIES_PREFIX = 'bodies/';

/** Firehose writes an object when a minute has passed or 64 MiB have gathered, whichever comes first. */
const BUFFER_SECONDS = 60;
const BUFFER_MIB = 64;

export interface ArchiveProps {
  readonly archive: ArchiveConfig;
  /** The events queue's retention: a claim-checked body must outlive its message. */
  readonly queue: QueueConfig;
  /** How long the stream's delivery errors are kept. */
  readonly logRetention: RetentionDays;
}

/**
 * The event store: every accepted event, archived by the worker before any delivery, and the
 * bodies over the inline limit, stored by the intake. Encrypted (SSE-S3), TLS only, never public,
 * each prefix expiring on its own.
 *
 * With `archive.writer: "firehose"` (the default) the worker puts each batch's new events into a
 * Firehose stream, several envelopes to a record, and the stream writes them under
 * `events/_stream/`: Firehose bills records in 5 KB steps, where S3 bills every PUT, so a small
 * batch costs a fraction of an object. With `"worker"` the worker writes one object per batch itself.
 */
export class Archive extends Construct {
  readonly bucket: Bucket;
  /** The delivery stream, with `archive.writer: "firehose"`. */
  readonly stream?: CfnDeliveryStream;

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
        // events/ holds both writers' objects: the stream's events/_stream/ and the worker's events/_batches/.
        { id: 'events', prefix: EVENTS_PREFIX, expiration: Duration.days(retention) },
        { id: 'bodies', prefix: BODIES_PREFIX, expiration: Duration.days(bodyRetention) },
      ],
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Only the stack’s own functions and its archive stream write this bucket, through roles limited to their ' +
        'prefixes; the functions log every event they archive. Server access logs would add a log object for every write.',
    });

    if (props.archive.writer === 'firehose') {
      this.stream = this.addStream(props.logRetention);
    }
  }

  /** The intake puts claim-checked bodies, and nothing else. */
  grantBodiesPut(fn: IFunction, why = 'the intake puts each body over the inline limit under a key of its own'): void {
    fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [this.arnOf(BODIES_PREFIX)] }));
    this.acknowledgeObjects(fn.role!, [BODIES_PREFIX], why);
  }

  /**
   * The worker archives events (into the stream, or as objects under events/), reads
   * claim-checked bodies back, and asks the state table which of a batch's events are archived
   * already (one BatchGetItem a batch).
   */
  grantWorker(fn: IFunction, table: ITable): void {
    if (this.stream) {
      fn.addToRolePolicy(new PolicyStatement({ actions: ['firehose:PutRecordBatch'], resources: [this.stream.attrArn] }));
      // Beside the stream, a batch object for the events taken late (a backlog, a redrive: the
      // stream's objects are named by when they were put, not received) or too large for a record.
      fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [this.arnOf(BATCHES_PREFIX)] }));
    } else {
      fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [this.arnOf(EVENTS_PREFIX)] }));
    }
    fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [this.arnOf(BODIES_PREFIX)] }));
    fn.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:BatchGetItem'], resources: [table.tableArn] }));
    this.acknowledgeObjects(
      fn.role!,
      this.stream ? [BATCHES_PREFIX, BODIES_PREFIX] : [EVENTS_PREFIX, BODIES_PREFIX],
      this.stream
        ? 'the worker puts a batch object for the events it takes late or too large for the stream, and reads back the body each envelope names'
        : 'the worker puts one archive object per batch, and reads back the body each envelope names',
    );
  }

  /**
   * A DirectPut stream into the bucket under events/_stream/, uncompressed (each object is
   * newline-delimited envelopes, as the readers expect), encrypted at rest with an AWS owned key.
   * Its role may write under that prefix and nowhere else; its delivery errors go to a log group.
   */
  private addStream(logRetention: RetentionDays): CfnDeliveryStream {
    const role = new Role(this, 'StreamRole', {
      assumedBy: new ServicePrincipal('firehose.amazonaws.com', { conditions: { StringEquals: { 'sts:ExternalId': Aws.ACCOUNT_ID } } }),
      description: 'Hookway archive stream: writes events under events/_stream/ of the archive bucket',
    });
    // What AWS documents for a Firehose S3 destination, its objects narrowed to the stream's prefix:
    // it writes (and reads back) there only, and checks the bucket itself before it writes.
    role.addToPolicy(
      new PolicyStatement({
        actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
        resources: [this.arnOf(STREAM_PREFIX)],
      }),
    );
    role.addToPolicy(
      new PolicyStatement({
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [this.bucket.bucketArn],
      }),
    );
    const logs = new LogGroup(this, 'StreamLogs', { retention: logRetention });
    const logStream = new LogStream(this, 'StreamLogsDelivery', { logGroup: logs, logStreamName: 'S3Delivery' });
    logs.grantWrite(role);
    this.acknowledgeObjects(role, [STREAM_PREFIX], 'the archive stream writes one object per buffer');

    const stream = new CfnDeliveryStream(this, 'Stream', {
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
      extendedS3DestinationConfiguration: {
        bucketArn: this.bucket.bucketArn,
        roleArn: role.roleArn,
        prefix: STREAM_PREFIX,
        compressionFormat: 'UNCOMPRESSED',
        bufferingHints: { intervalInSeconds: BUFFER_SECONDS, sizeInMBs: BUFFER_MIB },
        cloudWatchLoggingOptions: { enabled: true, logGroupName: logs.logGroupName, logStreamName: logStream.logStreamName },
      },
    });
    // Firehose checks its role's access when the stream is created: the policy must be there first.
    stream.node.addDependency(role);
    return stream;
  }

  private arnOf(prefix: string): string {
    return this.bucket.arnForObjects(`${prefix}*`);
  }

  /** Objects are named as they are written, so a prefix is the narrowest a grant can be. */
  private acknowledgeObjects(role: Construct, prefixes: string[], why: string): void {
    const logicalId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnBucket);
    for (const prefix of prefixes) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${prefix}*]`,
        reason: `Objects under ${prefix} only: ${why}, under keys made at that moment.`,
      });
    }
  }
}
