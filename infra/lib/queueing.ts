import { Duration, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { QueueConfig } from './config';

/**
 * The largest SQS message. The intake's envelopes carry bodies of up to 256 KiB, base64-encoded
 * (under 360 KiB in all); larger bodies travel by claim check, through the archive bucket.
 */
const MAX_MESSAGE_SIZE_BYTES = 1024 * 1024;

/** SQS's longest retention, for the dead-letter queues: time enough to look and redrive. */
export const DEAD_LETTER_RETENTION = Duration.days(14);

/** Every queue: encrypted at rest (SSE-SQS) and refusing requests not made over TLS. */
const secure = { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true };

export interface QueueingProps {
  readonly queue: QueueConfig;
  /** The worker's timeout and batching window, which the events queue's visibility timeout must cover. */
  readonly workerTimeout: Duration;
  readonly batchingWindow: Duration;
}

/**
 * The events queue the intake fills and the worker drains, its dead-letter queue, and the
 * dead-letter queue of the jobs that failed every attempt.
 */
export class Queueing extends Construct {
  readonly eventsQueue: Queue;
  readonly eventsDeadLetterQueue: Queue;
  readonly jobsDeadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: QueueingProps) {
    super(scope, id);

    this.eventsDeadLetterQueue = new Queue(this, 'EventsDeadLetterQueue', {
      ...secure,
      retentionPeriod: DEAD_LETTER_RETENTION,
      maxMessageSizeBytes: MAX_MESSAGE_SIZE_BYTES,
    });
    this.eventsQueue = new Queue(this, 'EventsQueue', {
      ...secure,
      retentionPeriod: Duration.days(props.queue.retentionDays),
      maxMessageSizeBytes: MAX_MESSAGE_SIZE_BYTES,
      // Lambda's advice for an SQS event source: six times the function timeout plus the batching
      // window, so a batch still being retried by Lambda does not reappear for a second worker.
      visibilityTimeout: Duration.seconds(6 * props.workerTimeout.toSeconds() + props.batchingWindow.toSeconds()),
      deadLetterQueue: { queue: this.eventsDeadLetterQueue, maxReceiveCount: props.queue.maxReceiveCount },
    });
    // Lambda's on-failure destination for asynchronous invocations: a record of the job's event,
    // the error and the attempts, which may be as large as the event itself.
    this.jobsDeadLetterQueue = new Queue(this, 'JobsDeadLetterQueue', {
      ...secure,
      retentionPeriod: DEAD_LETTER_RETENTION,
      maxMessageSizeBytes: MAX_MESSAGE_SIZE_BYTES,
    });
    Validations.of(this.jobsDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is a dead-letter queue: Lambda sends it the jobs that failed every attempt (its on-failure destination).',
    });
  }
}
