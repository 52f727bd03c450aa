import { Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FunctionUrlAuthType, type FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { RustFunction } from 'cargo-lambda-cdk';
import { Construct } from 'constructs';
import type { LoadedConfig } from './config';
import { RustLambda } from './rust-lambda';

export interface IntakeProps {
  readonly config: LoadedConfig;
  /** The intake crate's Cargo.toml. */
  readonly manifestPath: string;
  readonly eventsQueue: IQueue;
  /** The state table, where the intake reads job records for `GET /jobs/{id}`. */
  readonly table: ITable;
  readonly logRetention: RetentionDays;
}

/**
 * The intake Lambda: verifies each webhook with its source's secrets and puts it in the events
 * queue; answers `GET /jobs/{id}` from the state table. It may do exactly that and nothing more.
 */
export class Intake extends Construct {
  readonly function: RustFunction;
  readonly logGroup: LogGroup;
  /** The Function URL, when `intake.functionUrl` asks for one. */
  readonly functionUrl?: FunctionUrl;

  constructor(scope: Construct, id: string, props: IntakeProps) {
    super(scope, id);
    const { settings } = props.config;

    const lambda = new RustLambda(this, 'Lambda', {
      manifestPath: props.manifestPath,
      binaryName: 'hookway-intake',
      description: 'Hookway intake: verifies webhooks and queues them; answers job status',
      memoryMb: settings.intake.memoryMb,
      timeout: Duration.seconds(settings.intake.timeoutSeconds),
      environment: {
        HOOKWAY_CONFIG: props.config.json,
        HOOKWAY_EVENTS_QUEUE_URL: props.eventsQueue.queueUrl,
        HOOKWAY_TABLE: props.table.tableName,
      },
      logRetention: props.logRetention,
      tracing: props.config.settings.tracing,
    });
    this.function = lambda.function;
    this.logGroup = lambda.logGroup;

    this.function.addToRolePolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [props.eventsQueue.queueArn] }),
    );
    this.function.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [props.table.tableArn] }),
    );
    this.grantSecrets(settings.sources.flatMap((source) => source.secretParameters));

    if (settings.intake.functionUrl) {
      // No IAM auth: a webhook sender cannot sign AWS requests. The intake verifies every webhook's
      // signature itself, exactly as behind API Gateway. (It also answers GET /jobs/{id} there,
      // where no API key is asked for.)
      this.functionUrl = this.function.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
    }
  }

  /**
   * The sources' secrets are SecureString parameters that the operator puts in SSM: CloudFormation
   * cannot create SecureStrings, so the stack imports them by name and lets the intake read them.
   */
  private grantSecrets(names: readonly string[]): void {
    const parameterArns = [...new Set(names)].map(
      (name, index) => StringParameter.fromSecureStringParameterAttributes(this, `Secret${index}`, { parameterName: name }).parameterArn,
    );
    this.function.addToRolePolicy(
      new PolicyStatement({ actions: ['ssm:GetParameters', 'ssm:GetParameter'], resources: parameterArns }),
    );
    // SSM decrypts a SecureString with the KMS key it was put with: the AWS managed aws/ssm key, or
    // a customer managed key whose id the stack cannot know. So any key of this account and
    // region, but only when SSM asks on the intake's behalf, for one of these parameters.
    const decrypt = new PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [Stack.of(this).formatArn({ service: 'kms', resource: 'key', resourceName: '*' })],
      conditions: {
        StringEquals: {
          'kms:ViaService': `ssm.${Aws.REGION}.${Aws.URL_SUFFIX}`,
          'kms:EncryptionContext:PARAMETER_ARN': parameterArns,
        },
      },
    });
    this.function.addToRolePolicy(decrypt);
    Validations.of(this.function.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
      reason:
        'kms:Decrypt of the SSM SecureString secrets: their key (aws/ssm or a customer managed key) is chosen when the ' +
        'operator puts them, so its id is unknown here; the conditions allow it only through SSM and only for these parameters.',
    });
  }
}
