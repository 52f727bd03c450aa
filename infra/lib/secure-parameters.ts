import { Aws, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';

/**
 * Lets `fn` read exactly these SSM SecureString parameters. The operator puts them (CloudFormation
 * cannot create SecureStrings), so the stack imports them by name; `what` says what they hold, for
 * the reason of the one wildcard.
 */
export function grantSecureParameters(scope: Construct, fn: IFunction, names: readonly string[], what: string): void {
  const parameterArns = [...new Set(names)].map(
    (name, index) => StringParameter.fromSecureStringParameterAttributes(scope, `Secret${index}`, { parameterName: name }).parameterArn,
  );
  if (parameterArns.length === 0) {
    return;
  }
  // The functions read them all in one GetParameters call (hookway-core's SsmSecretStore).
  fn.addToRolePolicy(new PolicyStatement({ actions: ['ssm:GetParameters'], resources: parameterArns }));
  // SSM decrypts a SecureString with the KMS key it was put with: the AWS managed aws/ssm key, or
  // a customer managed key whose id the stack cannot know. So any key of this account and
  // region, but only when SSM asks on the function's behalf, for one of these parameters.
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [Stack.of(scope).formatArn({ service: 'kms', resource: 'key', resourceName: '*' })],
      conditions: {
        StringEquals: {
          'kms:ViaService': `ssm.${Aws.REGION}.${Aws.URL_SUFFIX}`,
          'kms:EncryptionContext:PARAMETER_ARN': parameterArns,
        },
      },
    }),
  );
  Validations.of(fn.role!).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
    reason:
      `kms:Decrypt of the SSM SecureString ${what}: their key (aws/ssm or a customer managed key) is chosen when the ` +
      'operator puts them, so its id is unknown here; the conditions allow it only through SSM and only for these parameters.',
  });
}
