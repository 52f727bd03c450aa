/**
 * The stack's name, and the physical names derived from it: every name AWS wants unique in an
 * account and region starts with the stack's, so that stacks (staging, production) live side by side.
 */
import { createHash } from 'crypto';
import { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/**
 * Why CloudFormation would refuse a stack name, if it would: it names a stack, and (as the prefix of
 * every name the stack gives) must be unique in an account and region.
 */
export function stackNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(name)) {
    return 'a stack name is 1 to 128 letters, digits and hyphens, starting with a letter';
  }
  return undefined;
}

/**
 * A physical name of the stack's own, `<stack><separator><suffix>`, within `longest` characters: a
 * long stack name is cut and followed by a digest of the whole, so two stacks' names still differ.
 */
export function stackScopedName(scope: Construct, suffix: string, longest: number, separator = '-'): string {
  const stack = Stack.of(scope).stackName;
  const name = `${stack}${separator}${suffix}`;
  if (name.length <= longest) {
    return name;
  }
  const digest = createHash('sha256').update(stack).digest('hex').slice(0, 8);
  return `${stack.slice(0, longest - suffix.length - digest.length - 1 - separator.length)}-${digest}${separator}${suffix}`;
}
