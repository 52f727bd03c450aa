/**
 * infra/limits.json against the stack it describes: its predictions (the stack's, and `hookway
 * config check`'s, which hold to the same cases) are what synthesised templates hold, counts
 * exactly and sizes as upper bounds that are not loose; a configuration past a limit is refused
 * at synth in the check's words; and the 500-source configuration fits every limit.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { limitProblems, LIMITS, stackShape } from '../lib/limits';
import { largeConfig } from './large-config';
import { cases, expand } from './cases';
import { type Measured, measure } from './measure';
import { build, config } from './support';

/** The longest stack name CloudFormation takes: every generated name at its longest. */
const LONGEST_STACK = `H${'x'.repeat(127)}`;

/** The template as `cdk deploy` would send it: with its metadata, an alarm email and the longest stack name. */
function deployed(document: unknown): { template: any; settings: ReturnType<typeof config>['settings'] } {
  const loaded = config(document);
  const { stack } = build({ config: loaded, asDeployed: true, alarmEmail: 'ops@example.com', stackName: LONGEST_STACK });
  return { template: Template.fromStack(stack).toJSON(), settings: loaded.settings };
}

/** How much the prediction may exceed what a template holds: sizes are bounds over every option. */
const SLACK = { templateBytes: 15_000, rolePolicyChars: 20, functionPolicyBytes: 500 };

function holdsTo(measured: Measured, predicted: ReturnType<typeof stackShape>): void {
  for (const exact of ['resources', 'restApiResources', 'httpApiRoutes', 'dashboardWidgets', 'dashboardMetrics'] as const) {
    expect({ [exact]: measured[exact] }).toEqual({ [exact]: predicted[exact] });
  }
  expect(measured.environmentBytes).toEqual(predicted.environmentBytes);
  const bounded = (what: string, real: number, bound: number, slack: number) => {
    expect({ what, within: real <= bound && bound - real <= slack, real, bound }).toEqual({ what, within: true, real, bound });
  };
  bounded('templateBytes', measured.templateBytes, predicted.templateBytes, SLACK.templateBytes);
  for (const role of ['intake', 'worker'] as const) {
    bounded(`${role} rolePolicyChars`, measured.rolePolicyChars[role], predicted.rolePolicyChars[role], SLACK.rolePolicyChars);
    bounded(`${role} functionPolicyBytes`, measured.functionPolicyBytes[role], predicted.functionPolicyBytes[role], SLACK.functionPolicyBytes);
  }
}

describe('infra/limits.json', () => {
  test("the case named for the repository's hookway.json is that file", () => {
    const { $schema: _, ...file } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'hookway.json'), 'utf8'));
    expect(cases().find((c) => c.name === "the repository's hookway.json")?.config).toEqual(file);
  });

  describe.each(cases().map((c) => [c.name, c] as const))('%s', (_, c) => {
    const document = expand(c);

    test('predicts what limits-cases.json says, which hookway config check predicts too', () => {
      const { settings } = config(document);
      const shape = stackShape(settings);
      expect({
        ...shape,
        grants: {
          intake: { patterns: shape.grants.intake.patterns, exact: shape.grants.intake.exact },
          worker: { patterns: shape.grants.worker.patterns, exact: shape.grants.worker.exact },
        },
        problems: limitProblems(settings),
      }).toEqual(c.expected);
    });

    if (c.expected.problems.length === 0) {
      test('holds to the template: counts exactly, sizes as bounds', () => {
        const { template, settings } = deployed(document);
        holdsTo(measure(template), stackShape(settings));
      });
    } else {
      test("is refused at synth, in the check's words", () => {
        expect(() => build({ config: config(document) })).toThrow(c.expected.problems.join('\n  '));
      });
    }
  });

  describe("the routes' targets, whose grants are managed policies of their own", () => {
    const machine = (name: string) => `arn:aws-us-gov:states:us-gov-west-1:123456789012:stateMachine:${name}`;
    const five = [
      { sqs: { queueArn: 'arn:aws-us-gov:sqs:us-gov-west-1:123456789012:orders', kmsKeyArn: 'arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' } },
      { sns: { topicArn: 'arn:aws-us-gov:sns:us-gov-west-1:123456789012:payments' } },
      { eventBridge: { busArn: 'arn:aws-us-gov:events:us-gov-west-1:123456789012:event-bus/payments' } },
      { lambda: { functionArn: 'arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:fulfil:live' } },
      { stepFunctions: { stateMachineArn: machine('orders') } },
    ];
    const queues = (n: number) => Array.from({ length: n }, (_, i) => ({ sqs: { queueArn: `arn:aws-us-gov:sqs:us-gov-west-1:123456789012:tenant-${i}-${'q'.repeat(i % 40)}` } }));
    const withTargets = (handlers: readonly unknown[]) => ({
      ...largeConfig({ sources: 20, throttled: 2, routes: 20 }),
      routes: [
        { source: 'stripe-000', handlers },
        { source: 'jobs', handler: { stepFunctions: { stateMachineArn: machine('reports') } } },
        { source: '*', handler: 'log' },
      ],
    });

    test.each([
      ['all five', five],
      ['300 queues, in several policies', queues(300)],
    ])('%s: hold to the predictions, and their own share of the template is predicted closely', (_, handlers) => {
      const { template, settings } = deployed(withTargets(handlers));
      const measured = measure(template);
      const predicted = stackShape(settings);
      holdsTo(measured, predicted);
      expect(limitProblems(settings)).toEqual([]);
      // Against the same stack without targets: what the policies add, counted exactly and bounded closely.
      const without = deployed({ ...withTargets([]), routes: [{ source: '*', handler: 'log' }] });
      const plain = { measured: measure(without.template), predicted: stackShape(without.settings) };
      expect(measured.resources - plain.measured.resources).toBe(predicted.resources - plain.predicted.resources);
      const real = measured.templateBytes - plain.measured.templateBytes;
      const bound = predicted.templateBytes - plain.predicted.templateBytes;
      expect({ within: real <= bound && bound - real <= 1_000, real, bound }).toEqual({ within: true, real, bound });
    });
  });

  describe('the 500-source configuration: 50 with their own throttle, 1,000 routes', () => {
    const { template, settings } = deployed(largeConfig());
    const measured = measure(template);

    test('holds to the predictions', () => {
      holdsTo(measured, stackShape(settings));
      expect(limitProblems(settings)).toEqual([]);
    });

    test('fits every limit AWS sets, with room', () => {
      const { limits } = LIMITS;
      expect(measured.resources).toBeLessThanOrEqual(limits.resources.value);
      expect(measured.templateBytes).toBeLessThanOrEqual(limits.templateBytes.value);
      expect(measured.restApiResources).toBeLessThanOrEqual(limits.restApiResources.value);
      for (const role of ['intake', 'worker'] as const) {
        expect(measured.rolePolicyChars[role]).toBeLessThanOrEqual(limits.rolePolicyChars.value);
        expect(measured.functionPolicyBytes[role]).toBeLessThanOrEqual(limits.functionPolicyBytes.value);
        expect(measured.environmentBytes[role]).toBeLessThanOrEqual(1024);
      }
      expect(measured.dashboardWidgets).toBeLessThanOrEqual(limits.dashboardWidgets.value);
      expect(measured.dashboardMetrics).toBeLessThanOrEqual(limits.dashboardMetrics.value);
    });

    test('and as an HTTP API', () => {
      const http = deployed({ ...largeConfig(), webhooks: { endpoint: 'http-api' } });
      const measuredHttp = measure(http.template);
      holdsTo(measuredHttp, stackShape(http.settings));
      expect(measuredHttp.httpApiRoutes).toBe(2 + 2 * 50);
    });
  });
});
