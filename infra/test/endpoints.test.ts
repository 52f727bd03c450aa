/**
 * `webhooks.endpoint`: the REST API (the default), an HTTP API or the intake's Function URL serves
 * `/webhooks/*`; `POST /jobs` and `GET /jobs/{id}` stay on the REST API in every case.
 */
import { Validations } from 'aws-cdk-lib';
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../lib/config';
import { arnOf, build, configWith, HOOKWAY_JSON, outputs, ref, resource, synthesize } from './support';

const WEBHOOKS = ['GET /webhooks/{source}', 'POST /webhooks/{source}'];
const ENDPOINTS = ['rest', 'http-api', 'function-url'] as const;

/** The REST API's routes, e.g. `POST /jobs`. */
function restRoutes(template: Template): string[] {
  const resources = template.findResources('AWS::ApiGateway::Resource');
  const pathOf = (id: string): string => {
    const { ParentId, PathPart } = resources[id].Properties;
    return (ParentId['Fn::GetAtt'] ? '' : pathOf(ParentId.Ref)) + `/${PathPart}`;
  };
  return Object.values(template.findResources('AWS::ApiGateway::Method'))
    .map((method: any) => `${method.Properties.HttpMethod} ${pathOf(method.Properties.ResourceId.Ref)}`)
    .sort();
}

/** An output's value, references written `${LogicalId}` or `${LogicalId.Attribute}`. */
const output = (template: Template, name: string): string => outputs(template)[name];

const withEndpoint = (endpoint: string, changes: Record<string, any> = {}) => configWith({ webhooks: { endpoint }, ...changes });

describe.each(ENDPOINTS)('webhooks.endpoint %s', (endpoint) => {
  const { template } = synthesize({ config: withEndpoint(endpoint) });

  test('keeps POST /jobs and GET /jobs/{id} on the REST API, with the webhooks there only for rest', () => {
    const webhooks = endpoint === 'rest' ? WEBHOOKS : [];
    expect(restRoutes(template)).toEqual(['GET /jobs/{id}', 'POST /jobs', ...webhooks].sort());
    expect(output(template, 'JobsUrl')).toMatch(/\/jobs$/);
    expect(output(template, 'ApiUrl')).toContain('.execute-api.');
  });

  test('is clean under every cdk-nag AWS Solutions rule, or acknowledged with its reason', () => {
    const { app } = build({ config: withEndpoint(endpoint) });
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(', ')}`)).toEqual([]);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  test('has an HTTP API only for http-api, and a Function URL only for function-url', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', endpoint === 'http-api' ? 1 : 0);
    template.resourceCountIs('AWS::Lambda::Url', endpoint === 'function-url' ? 1 : 0);
  });
});

describe('webhooks.endpoint http-api', () => {
  const throttled = HOOKWAY_JSON.sources.map((source: any) => (source.name === 'github' ? { ...source, throttle: { rate: 5, burst: 9 } } : source));
  const { template } = synthesize({ config: withEndpoint('http-api', { sources: throttled }) });
  const intake = resource(template, 'AWS::Lambda::Function', 'IntakeLambdaFunction').id;
  const api = resource(template, 'AWS::ApiGatewayV2::Api', 'WebhooksApiHttpApi');
  const stage = resource(template, 'AWS::ApiGatewayV2::Stage', 'WebhooksApiStage');

  test('serves POST and GET /webhooks/{source}, and /webhooks/<name> for a source with its own throttle, and nothing else', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((route: any) => route.Properties);
    expect(routes.map((route) => route.RouteKey).sort()).toEqual([...WEBHOOKS, 'GET /webhooks/github', 'POST /webhooks/github'].sort());
    for (const route of routes) {
      expect(route).toMatchObject({ ApiId: ref(api.id), AuthorizationType: 'NONE' });
    }
  });

  test('proxies to the intake with payload format 2.0, allowed by one permission for every webhook route', () => {
    const integrations = Object.values(template.findResources('AWS::ApiGatewayV2::Integration')).map((i: any) => i.Properties);
    expect(integrations).toEqual([{ ApiId: ref(api.id), IntegrationType: 'AWS_PROXY', IntegrationUri: arnOf(intake), PayloadFormatVersion: '2.0' }]);
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).map((p: any) => p.Properties);
    const viaHttpApi = permissions.filter((p) => JSON.stringify(p.SourceArn ?? '').includes(api.id));
    expect(viaHttpApi).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: arnOf(intake),
        Principal: 'apigateway.amazonaws.com',
        SourceArn: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':', ref(api.id), '/*/*/webhooks/*']],
        },
      },
    ]);
  });

  test("throttles a source's own routes with its throttle, and {source} with the api default, on the $default stage", () => {
    expect(stage.Properties).toMatchObject({
      ApiId: ref(api.id),
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
    });
    expect(stage.Properties.RouteSettings).toEqual({
      'POST /webhooks/github': { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 9 },
      'GET /webhooks/github': { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 9 },
    });
    // A route setting names a route that must exist first.
    const routes = Object.keys(template.findResources('AWS::ApiGatewayV2::Route'));
    expect(stage.DependsOn).toEqual(expect.arrayContaining(routes));
  });

  test('writes every request to an access log kept logRetentionDays', () => {
    const { DestinationArn, Format } = stage.Properties.AccessLogSettings;
    expect(JSON.parse(Format)).toMatchObject({ requestId: '$context.requestId', ip: '$context.identity.sourceIp', routeKey: '$context.routeKey', status: '$context.status' });
    const logs = resource(template, 'AWS::Logs::LogGroup', 'WebhooksApiAccessLogs');
    expect(DestinationArn).toEqual(arnOf(logs.id));
    expect(logs.Properties.RetentionInDays).toBe(30);
  });

  test("outputs the HTTP API's webhook URL, and alarms on its 5XX", () => {
    expect(output(template, 'WebhookUrl')).toBe(`\${${api.id}.ApiEndpoint}/webhooks/{source}`);
    expect(output(template, 'WebhooksApiUrl')).toBe(`\${${api.id}.ApiEndpoint}`);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: '5xx',
      Namespace: 'AWS/ApiGateway',
      Dimensions: [{ Name: 'ApiId', Value: ref(api.id) }],
      Threshold: 1,
    });
  });
});

describe('webhooks.endpoint function-url', () => {
  const { template } = synthesize({ config: withEndpoint('function-url') });
  const intake = resource(template, 'AWS::Lambda::Function', 'IntakeLambdaFunction');
  const url = resource(template, 'AWS::Lambda::Url', 'IntakeLambdaFunctionFunctionUrl');

  test('serves the webhooks from the intake\'s Function URL: no auth (the intake verifies signatures), buffered', () => {
    expect(url.Properties).toEqual({ AuthType: 'NONE', InvokeMode: 'BUFFERED', TargetFunctionArn: arnOf(intake.id) });
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
    expect(restRoutes(template).some((route) => route.includes('/webhooks'))).toBe(false);
  });

  test("is throttled by the intake's reserved concurrency", () => {
    expect(intake.Properties.ReservedConcurrentExecutions).toBe(50);
    const changed = synthesize({ config: withEndpoint('function-url', { intake: { reservedConcurrency: 20 } }) }).template;
    expect(resource(changed, 'AWS::Lambda::Function', 'IntakeLambdaFunction').Properties.ReservedConcurrentExecutions).toBe(20);
  });

  test('outputs the Function URL as the webhook URL, and keeps IntakeFunctionUrl', () => {
    expect(output(template, 'WebhookUrl')).toBe(`\${${url.id}.FunctionUrl}webhooks/{source}`);
    expect(output(template, 'IntakeFunctionUrl')).toBe(`\${${url.id}.FunctionUrl}`);
  });
});

describe('the deprecated intake.functionUrl', () => {
  test('still adds a Function URL beside the REST routes, with a deprecation warning naming its replacement', () => {
    const { stack, template } = synthesize({ config: configWith({ intake: { functionUrl: true } }) });
    template.resourceCountIs('AWS::Lambda::Url', 1);
    expect(restRoutes(template)).toContain('POST /webhooks/{source}');
    Annotations.fromStack(stack).hasWarning('/Hookway', Match.stringLikeRegexp('intake.functionUrl is deprecated: .*webhooks.endpoint: "function-url"'));
  });
});

describe('what an endpoint cannot have is refused, naming the field', () => {
  test.each([
    [{ webhooks: { endpoint: 'http-api', waf: { ratePer5Minutes: 100 } } }, 'webhooks.waf: AWS WAF attaches to a REST API only'],
    [{ webhooks: { endpoint: 'function-url', waf: { ratePer5Minutes: 100 } } }, 'webhooks.waf: AWS WAF attaches to a REST API only'],
    [{ webhooks: { endpoint: 'http-api' }, intake: { functionUrl: true } }, 'intake.functionUrl: contradicts "webhooks": {"endpoint": "http-api"}'],
    [
      { webhooks: { endpoint: 'function-url' }, sources: [{ name: 'github', scheme: 'github', secretParameters: ['/g'], throttle: { rate: 1, burst: 1 } }] },
      'sources[0].throttle: a Function URL has no per-source throttle',
    ],
    [{ webhooks: { endpoint: 'http_api' } }, 'webhooks.endpoint: must be one of rest, http-api, function-url'],
  ])('%j', (changes, message) => {
    expect(() => configWith(changes)).toThrow(ConfigError);
    expect(() => configWith(changes)).toThrow(message);
  });

  test('the WAF is accepted with rest, where it attaches', () => {
    expect(() => configWith({ webhooks: { endpoint: 'rest', waf: { ratePer5Minutes: 100 } } })).not.toThrow();
  });
});
