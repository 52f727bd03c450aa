/**
 * A stack per environment: two stacks of the same configuration, side by side in one account and
 * region, share no name AWS wants unique there. Every name the stack sets derives from the stack's
 * name; the others CloudFormation generates from it.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import { HookwayStack } from '../lib/hookway-stack';
import { stackNameProblem } from '../lib/names';
import { largeConfig } from './large-config';
import { config, readJson, ROOT } from './support';

/**
 * Names that are the same in every stack because they are scoped to a resource of the stack's own
 * (or are not names of anything), by resource type and the property's path; each with its reason.
 */
const SCOPED: Record<string, string> = {
  'AWS::ApiGateway::Stage StageName': "a stage's name is its API's",
  'AWS::ApiGatewayV2::Stage StageName': "a stage's name is its API's",
  'AWS::IAM::Policy PolicyName': "an inline policy's name is its role's",
  'AWS::Logs::LogStream LogStreamName': "a log stream's name is its log group's",
  'AWS::KinesisFirehose::DeliveryStream ExtendedS3DestinationConfiguration.CloudWatchLoggingOptions.LogStreamName':
    "a log stream's name is its log group's",
  'AWS::DynamoDB::Table AttributeDefinitions.AttributeName': "an attribute's name is its table's",
  'AWS::DynamoDB::Table KeySchema.AttributeName': "an attribute's name is its table's",
  'AWS::DynamoDB::Table TimeToLiveSpecification.AttributeName': "an attribute's name is its table's",
  'AWS::DynamoDB::Table GlobalSecondaryIndexes.IndexName': "an index's name is its table's",
  'AWS::DynamoDB::Table GlobalSecondaryIndexes.KeySchema.AttributeName': "an attribute's name is its table's",
  'AWS::CloudWatch::Alarm Dimensions.Name': 'a dimension name of a metric',
  'AWS::CloudWatch::Alarm MetricName': 'a metric name, of AWS/* namespaces where the dimensions name the stack’s resources',
  'AWS::CloudWatch::Alarm Metrics.MetricStat.Metric.Dimensions.Name': 'a dimension name of a metric',
  'AWS::CloudWatch::Alarm Metrics.MetricStat.Metric.MetricName': "a metric name, in the stack's own namespace",
  'AWS::WAFv2::WebACL Rules.Name': "a rule's name is its web ACL's",
  'AWS::ApplicationAutoScaling::ScalingPolicy PolicyName': "a scaling policy's name is its scalable target's",
  'AWS::ApplicationAutoScaling::ScalingPolicy TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType':
    'a metric type of AWS',
};

/** Every literal string of a `*Name` or `Namespace` property, as `Type path=value`. */
function names(template: any): Map<string, string> {
  const found = new Map<string, string>();
  const visit = (value: any, type: string, at: string[]) => {
    if (Array.isArray(value)) {
      value.forEach((v) => visit(v, type, at));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        if (typeof v === 'string' && (key.endsWith('Name') || key === 'Namespace')) {
          found.set(`${type} ${[...at, key].join('.')}=${v}`, `${type} ${[...at, key].join('.')}`);
        }
        visit(v, type, [...at, key]);
      }
    }
  };
  for (const resource of Object.values<any>(template.Resources)) {
    visit(resource.Properties ?? {}, resource.Type, []);
  }
  return found;
}

/** Both stacks in one app, as two `cdk deploy -c stackName=…` would make them. */
function sideBySide(document: unknown): Record<string, any> {
  const app = new App({ context: { ...readJson('cdk.json').context, [BUNDLING_STACKS]: [] } });
  const loaded = config(document);
  const stacks = ['hw-a', 'hw-b'].map((name) => new HookwayStack(app, name, { config: loaded, repositoryRoot: ROOT, alarmEmail: 'ops@example.com' }));
  return Object.fromEntries(stacks.map((stack) => [stack.stackName, Template.fromStack(stack).toJSON()]));
}

const slack = { workspaceId: 'T07EA123LEP', channelId: 'C07EZ1ABC23' };

describe.each([
  ['500 sources on the REST API, with a WAF and Slack', { ...largeConfig(), webhooks: { endpoint: 'rest', waf: { ratePer5Minutes: 2000 } }, alarms: { slack } }],
  ['500 sources on an HTTP API, provisioned state', { ...largeConfig(), webhooks: { endpoint: 'http-api' }, state: { billing: 'provisioned' } }],
  ['the Function URL', { ...largeConfig({ throttled: 0 }), webhooks: { endpoint: 'function-url' } }],
])('hw-a and hw-b side by side: %s', (_, document) => {
  const { 'hw-a': a, 'hw-b': b } = sideBySide(document);
  const namesA = names(a);
  const namesB = names(b);

  test('share no name, but those scoped to a resource of their own', () => {
    const shared = [...namesA.keys()].filter((name) => namesB.has(name));
    // AWS's own namespaces (AWS/Lambda, ...), whose metrics' dimensions name the stack's resources.
    const unexplained = shared.filter((name) => !(namesA.get(name)! in SCOPED) && !/ Namespace=AWS\//.test(name));
    expect(unexplained).toEqual([]);
  });

  test("name what AWS wants unique after the stack: the API, the metrics' namespace, WAF's metrics, the Slack channel, the release rule", () => {
    const mine = (n: Map<string, string>, stack: string) => [...n.keys()].filter((name) => name.includes(stack)).map((name) => name.replace(stack, '<stack>'));
    expect(mine(namesA, 'hw-a').sort()).toEqual(mine(namesB, 'hw-b').sort());
    expect(mine(namesA, 'hw-a').length).toBeGreaterThan(3);
    const namespaces = [...namesA.keys()].filter((name) => name.includes(' Namespace=') && !name.includes('=AWS/'));
    expect(namespaces.every((name) => name.endsWith('=hw-a'))).toBe(true);
  });

  test("never name the other stack: its queries and SEARCHes read their own namespace", () => {
    expect(JSON.stringify(a)).not.toContain('hw-b');
    expect(JSON.stringify(b)).not.toContain('hw-a');
    expect(JSON.stringify(a)).toContain('FROM SCHEMA(\\"hw-a\\", Pipeline, Reason, Source)');
    expect(JSON.stringify(a)).toContain('SEARCH(\'{\\\\\\"hw-a\\\\\\",Pipeline,Source}');
  });
});

describe('the stack name', () => {
  test('is what CloudFormation takes: letters, digits and hyphens, from a letter, at most 128', () => {
    for (const good of ['Hookway', 'hookway-staging', `h${'x'.repeat(127)}`]) {
      expect(stackNameProblem(good)).toBeUndefined();
    }
    for (const bad of ['', '1hookway', 'hookway_staging', 'hookway.prod', `h${'x'.repeat(128)}`]) {
      expect(stackNameProblem(bad)).toBe('a stack name is 1 to 128 letters, digits and hyphens, starting with a letter');
    }
  });

  test('at its longest, still gives every name within its limit, and two such stacks different names', () => {
    const app = new App({ context: { ...readJson('cdk.json').context, [BUNDLING_STACKS]: [] } });
    const document = { ...largeConfig({ sources: 5, throttled: 0, routes: 2 }), alarms: { slack }, webhooks: { endpoint: 'http-api' } };
    const stacks = [`a${'x'.repeat(127)}`, `a${'x'.repeat(126)}y`].map((name) => new HookwayStack(app, name, { config: config(document), repositoryRoot: ROOT }));
    const [one, two] = stacks.map((stack) => Template.fromStack(stack).toJSON());
    const slackName = (t: any) => Object.values<any>(t.Resources).find((r) => r.Type === 'AWS::Chatbot::SlackChannelConfiguration').Properties.ConfigurationName;
    const apiName = (t: any) => Object.values<any>(t.Resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Api').Properties.Name;
    const ruleName = (t: any) => Object.values<any>(t.Resources).find((r) => r.Type === 'AWS::Events::Rule').Properties.Name;
    for (const t of [one, two]) {
      expect(slackName(t).length).toBeLessThanOrEqual(128);
      expect(apiName(t).length).toBeLessThanOrEqual(128);
      expect(ruleName(t)).toMatch(/^[A-Za-z0-9-]{1,64}$/);
    }
    expect(slackName(one)).not.toBe(slackName(two));
    expect(apiName(one)).not.toBe(apiName(two));
    expect(ruleName(one)).not.toBe(ruleName(two));
  });
});
