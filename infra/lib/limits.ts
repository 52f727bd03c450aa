/**
 * The AWS limits a configuration can reach, predicted from infra/limits.json before anything is
 * built. `hookway config check` (crates/core/src/config/limits.rs) makes the same predictions from
 * the same file and words its refusals the same way; the stack refuses with them at synth, and
 * sizes its SSM grants by them (exact parameters while they fit a role's policy, path prefixes
 * after). infra/test/limits.test.ts holds the file to real templates of several sizes.
 */
import LIMITS from '../limits.json';
import type { HookwayConfig, WebhookEndpoint } from './config';
import { outboundParameters, sourceParameters } from './config';
import { intakeJobGrants, MANAGED_POLICIES_PER_ROLE, MANAGED_POLICY_CHARS, packGrants, targetPolicies, workerTargetGrants } from './targets';

export { LIMITS };

type LimitName = keyof typeof LIMITS.limits;

/** The two roles whose policies grow with the configuration. */
export type GrantingRole = 'intake' | 'worker';

/** What a set of SSM parameters is granted by: the names themselves, or path prefixes (`/a/b/*`). */
export interface ParameterGrant {
  readonly patterns: readonly string[];
  /** Whether the patterns are the names themselves. */
  readonly exact: boolean;
  /** The characters the grant adds to its role's policy. */
  readonly chars: number;
}

/** What the stack built from a configuration will hold, at most, in each respect AWS limits. */
export interface StackShape {
  readonly resources: number;
  readonly templateBytes: number;
  readonly restApiResources: number;
  readonly httpApiRoutes: number;
  readonly rolePolicyChars: Readonly<Record<GrantingRole, number>>;
  readonly grants: Readonly<Record<GrantingRole, ParameterGrant>>;
  readonly functionPolicyBytes: Readonly<Record<GrantingRole, number>>;
  readonly environmentBytes: Readonly<Record<GrantingRole, number>>;
  readonly dashboardWidgets: number;
  readonly dashboardMetrics: number;
}

const shape = LIMITS.shape;

/** The sources with a throttle of their own, which get API resources or routes of their own. */
function throttledSources(settings: HookwayConfig): string[] {
  return settings.webhooks.endpoint === 'function-url' ? [] : settings.sources.filter((source) => source.throttle).map((source) => source.name);
}

/** The characters one parameter pattern takes in a statement: its ARN at its longest, quoted, with a comma. */
function arnChars(pattern: string): number {
  return shape.rolePolicyChars.parameters.arn + pattern.length + 3;
}

/** The characters the two statements of a parameter grant take: each ARN is in both. */
function grantChars(patterns: readonly string[]): number {
  return patterns.length === 0 ? 0 : shape.rolePolicyChars.parameters.statements + 2 * patterns.reduce((sum, pattern) => sum + arnChars(pattern), 0);
}

/** The role's policy without its parameter grant, at its longest. */
export function roleBaseChars(role: GrantingRole, settings: HookwayConfig): number {
  const tracing = settings.tracing ? shape.rolePolicyChars[role].tracing : 0;
  if (role === 'intake') {
    return shape.rolePolicyChars.intake.base + tracing;
  }
  // With targets, the worker may put a body past a target's limit in the archive bucket.
  const targetBodies = workerTargetGrants(settings).length > 0 ? shape.rolePolicyChars.worker.targetBodies : 0;
  return shape.rolePolicyChars.worker.base[settings.archive.writer] + tracing + targetBodies;
}

/** The parameters a role reads. */
export function roleParameters(role: GrantingRole, settings: HookwayConfig): string[] {
  return role === 'intake' ? sourceParameters(settings) : outboundParameters(settings);
}

/**
 * The narrowest grant of these parameters that fits in `budget` characters: the names themselves,
 * else the longest path prefixes that fit (every name cut to the same depth, `/hookway/prod/*`),
 * else, when even the shortest prefixes do not fit, those (and the check refuses the configuration).
 */
export function parameterGrant(names: readonly string[], budget: number): ParameterGrant {
  const exact = [...new Set(names)].sort();
  if (grantChars(exact) <= budget) {
    return { patterns: exact, exact: true, chars: grantChars(exact) };
  }
  const segments = (name: string) => name.split('/').filter((segment) => segment !== '');
  const deepest = Math.max(...exact.map((name) => segments(name).length));
  let patterns = exact;
  for (let depth = deepest - 1; depth >= 1; depth--) {
    patterns = [...new Set(exact.map((name) => (segments(name).length > depth ? `/${segments(name).slice(0, depth).join('/')}/*` : name)))].sort();
    if (grantChars(patterns) <= budget) {
      break;
    }
  }
  return { patterns, exact: false, chars: grantChars(patterns) };
}

/** The grant a role's parameters get, within what its policy has left. */
export function roleGrant(role: GrantingRole, settings: HookwayConfig): ParameterGrant {
  return parameterGrant(roleParameters(role, settings), LIMITS.limits.rolePolicyChars.value - roleBaseChars(role, settings));
}

/** The stack a configuration makes, at most (with an alarm email: `-c alarmEmail=...`). */
export function stackShape(settings: HookwayConfig): StackShape {
  const endpoint: WebhookEndpoint = settings.webhooks.endpoint;
  const throttled = throttledSources(settings);
  const { resources, templateBytes } = shape;
  const grants = { intake: roleGrant('intake', settings), worker: roleGrant('worker', settings) };
  const patterns = [...grants.intake.patterns, ...grants.worker.patterns];
  // Each role with parameters to read has an inline policy of its own for them.
  const parameterPolicies = [grants.intake, grants.worker].filter((grant) => grant.patterns.length > 0).length;
  const nameChars = throttled.reduce((sum, name) => sum + name.length, 0);
  // The routes' targets: managed policies of their own, as many as their grants fill.
  const targets = targetPolicies(settings);
  return {
    resources:
      resources.base[endpoint] +
      resources.throttledSource[endpoint] * throttled.length +
      resources.alarmEmail +
      (settings.webhooks.waf ? resources.waf : 0) +
      (settings.alarms.slack ? resources.slack : 0) +
      (settings.intake.functionUrl && endpoint !== 'function-url' ? resources.functionUrl : 0) +
      (settings.state.billing === 'provisioned' ? resources.provisioned : 0) +
      (settings.archive.writer === 'firehose' ? resources.firehose : 0) +
      resources.parameterPolicy * parameterPolicies +
      resources.targetPolicy * targets.policies,
    templateBytes:
      templateBytes.base[endpoint] +
      templateBytes.parameterPolicy * parameterPolicies +
      templateBytes.throttledSource[endpoint] * throttled.length +
      templateBytes.throttledSourceNameChar[endpoint] * nameChars +
      templateBytes.targetPolicy * targets.policies +
      templateBytes.targetStatement * targets.statements +
      templateBytes.targetResource * targets.resources +
      templateBytes.targetResourceChar * targets.resourceChars +
      // With targets, the worker's statement putting bodies past a target's limit.
      (workerTargetGrants(settings).length > 0 ? templateBytes.targetBodies : 0) +
      patterns.reduce((sum, pattern) => sum + templateBytes.parameterPattern + templateBytes.parameterPatternChar * pattern.length, 0),
    restApiResources: (endpoint === 'rest' ? shape.restApiResources.rest : shape.restApiResources.other) + shape.restApiResources.throttledSource * (endpoint === 'rest' ? throttled.length : 0),
    httpApiRoutes: endpoint === 'http-api' ? shape.httpApiRoutes.base + shape.httpApiRoutes.throttledSource * throttled.length : 0,
    rolePolicyChars: { intake: roleBaseChars('intake', settings) + grants.intake.chars, worker: roleBaseChars('worker', settings) + grants.worker.chars },
    grants,
    functionPolicyBytes: {
      intake: shape.functionPolicyBytes.intake.base + (endpoint === 'function-url' || settings.intake.functionUrl ? shape.functionPolicyBytes.intake.functionUrl : 0),
      worker: shape.functionPolicyBytes.worker.base,
    },
    environmentBytes: { intake: shape.environmentBytes.intake, worker: shape.environmentBytes.worker[settings.archive.writer] },
    dashboardWidgets: shape.dashboard.widgets.base + (endpoint === 'http-api' ? shape.dashboard.widgets['http-api'] : 0),
    dashboardMetrics: shape.dashboard.metrics.base + (endpoint === 'http-api' ? shape.dashboard.metrics['http-api'] : 0),
  };
}

/** `12,345`. */
function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** `...; a REST API holds 300 ("Resources per API")`. */
function holds(limit: LimitName): string {
  const { value, quota, holder } = LIMITS.limits[limit];
  return `${holder} holds ${count(value)} ("${quota}")`;
}

/**
 * Every limit the configuration's stack would pass, as `field: message` lines naming the limit and
 * the numbers; none when it fits. crates/core/src/config/limits.rs words them the same.
 */
export function limitProblems(settings: HookwayConfig): string[] {
  const predicted = stackShape(settings);
  const throttled = throttledSources(settings).length;
  const { limits } = LIMITS;
  const problems: string[] = [];
  const owned = `${throttled} sources with their own throttle`;
  if (predicted.resources > limits.resources.value) {
    problems.push(`sources: ${owned} make the stack ${count(predicted.resources)} ${limits.resources.what}; ${holds('resources')}`);
  }
  if (predicted.templateBytes > limits.templateBytes.value) {
    problems.push(`sources: the stack's template takes up to ${count(predicted.templateBytes)} ${limits.templateBytes.what}; ${holds('templateBytes')}`);
  }
  if (predicted.restApiResources > limits.restApiResources.value) {
    problems.push(`sources: ${owned} need ${count(predicted.restApiResources)} ${limits.restApiResources.what}; ${holds('restApiResources')}`);
  }
  if (predicted.httpApiRoutes > limits.httpApiRoutes.value) {
    problems.push(`sources: ${owned} need ${count(predicted.httpApiRoutes)} ${limits.httpApiRoutes.what}; ${holds('httpApiRoutes')}`);
  }
  for (const [role, field, what] of [
    ['intake', 'sources', "the intake's role reads the sources'"],
    ['worker', 'routes', "the worker's role reads the destinations'"],
  ] as const) {
    if (predicted.rolePolicyChars[role] > limits.rolePolicyChars.value) {
      problems.push(
        `${field}: ${what} ${count(roleParameters(role, settings).length)} secret parameters; even granted by the shortest paths ` +
          `they share (${count(predicted.grants[role].patterns.length)}), they need ${count(predicted.rolePolicyChars[role])} ` +
          `${limits.rolePolicyChars.what}; ${holds('rolePolicyChars')}: put the parameters under fewer paths`,
      );
    }
  }
  // The targets' grants, in managed policies of their own: the worker's role holds the listeners' besides.
  for (const [grants, what, available] of [
    [workerTargetGrants(settings), "the worker's calls to the routes' targets", MANAGED_POLICIES_PER_ROLE - 1],
    [intakeJobGrants(settings), "the intake's reads of the jobs' executions", MANAGED_POLICIES_PER_ROLE],
  ] as const) {
    const needed = packGrants(grants).length;
    if (needed > available) {
      problems.push(
        `routes: ${what} need ${needed} managed policies of ${count(MANAGED_POLICY_CHARS)} characters; ` +
          `the role has room for ${available} ("Managed policies per role" is ${MANAGED_POLICIES_PER_ROLE}): name fewer resources`,
      );
    }
  }
  for (const role of ['intake', 'worker'] as const) {
    if (predicted.functionPolicyBytes[role] > limits.functionPolicyBytes.value) {
      problems.push(`(root): the ${role}'s permissions need ${count(predicted.functionPolicyBytes[role])} ${limits.functionPolicyBytes.what}; ${holds('functionPolicyBytes')}`);
    }
    if (predicted.environmentBytes[role] > limits.environmentBytes.value) {
      problems.push(`(root): the ${role}'s environment needs ${count(predicted.environmentBytes[role])} ${limits.environmentBytes.what}; ${holds('environmentBytes')}`);
    }
  }
  if (predicted.dashboardWidgets > limits.dashboardWidgets.value) {
    problems.push(`(root): the dashboard needs ${count(predicted.dashboardWidgets)} ${limits.dashboardWidgets.what}; ${holds('dashboardWidgets')}`);
  }
  if (predicted.dashboardMetrics > limits.dashboardMetrics.value) {
    problems.push(`(root): the dashboard needs ${count(predicted.dashboardMetrics)} ${limits.dashboardMetrics.what}; ${holds('dashboardMetrics')}`);
  }
  return problems;
}
