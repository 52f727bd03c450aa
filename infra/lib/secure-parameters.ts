import { Aws, Stack, Validations } from 'aws-cdk-lib';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { HookwayConfig } from './config';
import { type GrantingRole, roleGrant } from './limits';

/** What each role's parameters hold, for the reasons of its grants. */
const HOLDS: Record<GrantingRole, string> = {
  intake: "the sources' secrets and verify tokens",
  worker: "the destinations' signing secrets and Authorization values",
};

/**
 * Lets the intake or the worker read its SSM SecureString parameters: exactly these while their
 * ARNs fit in the role's policy (a role's inline policies hold 10,240 characters), else every
 * parameter under the longest path prefixes that fit (`/hookway/partners/*`), as limits.ts
 * decides for `hookway config check` too. The operator puts the parameters (CloudFormation cannot
 * create SecureStrings), so the stack only names them.
 *
 * The grant is an inline policy of its own beside the role's default one: the CDK would split a
 * default policy it estimates near the limit into managed policies (counting each ARN with a token
 * as 150 characters), where limits.ts counts what IAM counts, the same way as the check does.
 */
export function grantSecureParameters(scope: Construct, fn: IFunction, role: GrantingRole, settings: HookwayConfig): void {
  const grant = roleGrant(role, settings);
  if (grant.patterns.length === 0) {
    return;
  }
  const parameterArns = grant.patterns.map((pattern) => `arn:${Aws.PARTITION}:ssm:${Aws.REGION}:${Aws.ACCOUNT_ID}:parameter${pattern}`);
  const policy = new Policy(scope, 'SecureParameters', { roles: [fn.role!] });
  policy.addStatements(new PolicyStatement({ actions: ['ssm:GetParameters'], resources: parameterArns }));
  // SSM decrypts a SecureString with the KMS key it was put with: the AWS managed aws/ssm key, or
  // a customer managed key whose id the stack cannot know. So any key of this account and
  // region, but only when SSM asks on the function's behalf, for one of these parameters.
  policy.addStatements(
    new PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [Stack.of(scope).formatArn({ service: 'kms', resource: 'key', resourceName: '*' })],
      conditions: {
        StringEquals: {
          'kms:ViaService': `ssm.${Aws.REGION}.${Aws.URL_SUFFIX}`,
          ...(grant.exact ? { 'kms:EncryptionContext:PARAMETER_ARN': parameterArns } : {}),
        },
        ...(grant.exact ? {} : { StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': parameterArns } }),
      },
    }),
  );
  // The function starts once it may read its secrets. And the role's default policy (which held
  // these statements before they had a policy of their own) changes only once this one is there:
  // an update never leaves the running function unable to read them.
  fn.node.addDependency(policy);
  fn.role?.node.tryFindChild('DefaultPolicy')?.node.addDependency(policy);
  const validations = Validations.of(policy);
  validations.acknowledge({
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
    reason:
      `kms:Decrypt of ${HOLDS[role]} in SSM: their key (aws/ssm or a customer managed key) is chosen when the ` +
      'operator puts them, so its id is unknown here; the conditions allow it only through SSM and only for these parameters.',
  });
  if (!grant.exact) {
    for (const pattern of grant.patterns.filter((p) => p.endsWith('/*'))) {
      validations.acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter${pattern}]`,
        reason:
          `The parameters under ${pattern.slice(0, -1)}, which hold ${HOLDS[role]}: there are too many to name one by one ` +
          'in a role policy of 10,240 characters, so the grant names their path.',
      });
    }
  }
}
