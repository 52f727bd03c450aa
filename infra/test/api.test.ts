import Ajv from 'ajv';
import type { Template } from 'aws-cdk-lib/assertions';
import { JOB_ACCEPTED_TEMPLATE, JOB_REQUEST_TEMPLATE } from '../lib/job-templates';
import { arnOf, configWith, HOOKWAY_JSON, ref, resource, synthesize } from './support';

const WEBHOOKS = ['GET /webhooks/{source}', 'POST /webhooks/{source}'];
/** hookway.json with github throttled on its own. */
const THROTTLED = HOOKWAY_JSON.sources.map((source: any) => (source.name === 'github' ? { ...source, throttle: { rate: 5, burst: 9 } } : source));

/** The resource paths of the API and the method on each, e.g. `POST /jobs`. */
function routes(template: Template): Record<string, any> {
  const resources = template.findResources('AWS::ApiGateway::Resource');
  const pathOf = (id: string): string => {
    const { ParentId, PathPart } = resources[id].Properties;
    return (ParentId['Fn::GetAtt'] ? '' : pathOf(ParentId.Ref)) + `/${PathPart}`;
  };
  return Object.fromEntries(
    Object.values(template.findResources('AWS::ApiGateway::Method')).map((method: any) => [
      `${method.Properties.HttpMethod} ${pathOf(method.Properties.ResourceId.Ref)}`,
      method.Properties,
    ]),
  );
}

const lambdaUri = (functionId: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':apigateway:', { Ref: 'AWS::Region' }, ':lambda:path/2015-03-31/functions/', arnOf(functionId), '/invocations']],
});

describe('the REST API', () => {
  const { template } = synthesize();
  const intake = resource(template, 'AWS::Lambda::Function', 'IntakeLambdaFunction').id;
  const worker = resource(template, 'AWS::Lambda::Function', 'WorkerLambdaFunction').id;
  const api = routes(template);
  const throttled = synthesize({ config: configWith({ sources: THROTTLED }) }).template;

  test('serves GET and POST /webhooks/{source} for every source, POST /jobs and GET /jobs/{id}, and nothing else', () => {
    expect(Object.keys(api).sort()).toEqual(['GET /jobs/{id}', 'POST /jobs', ...WEBHOOKS].sort());
  });

  test('a source with a throttle of its own has a resource of its own, which API Gateway prefers to {source}', () => {
    const own = routes(throttled);
    expect(Object.keys(own).sort()).toEqual(['GET /jobs/{id}', 'GET /webhooks/github', 'POST /jobs', 'POST /webhooks/github', ...WEBHOOKS].sort());
  });

  test('a source that is not configured reaches the intake, which answers 404; a path that is no route is 404 from API Gateway', () => {
    expect(api['POST /webhooks/{source}'].Integration.Uri).toEqual(lambdaUri(intake));
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'MISSING_AUTHENTICATION_TOKEN',
      StatusCode: '404',
      ResponseTemplates: { 'application/json': '{"error": "not found"}' },
    });
  });

  test('treats every body as binary, so the intake gets the bytes exactly as sent', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { BinaryMediaTypes: ['*/*'] });
  });

  test.each(['{source}', 'github'])("POST and GET /webhooks/%s proxy to the intake (GET: the providers' handshakes), without an API key", (path) => {
    const served = routes(throttled);
    const throttledIntake = resource(throttled, 'AWS::Lambda::Function', 'IntakeLambdaFunction').id;
    for (const method of ['POST', 'GET']) {
      expect(served[`${method} /webhooks/${path}`]).toMatchObject({
        AuthorizationType: 'NONE',
        Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST', Uri: lambdaUri(throttledIntake) },
      });
      expect(served[`${method} /webhooks/${path}`].ApiKeyRequired).toBeUndefined();
    }
  });

  test('GET /jobs/{id} proxies to the intake, behind the API key', () => {
    expect(api['GET /jobs/{id}']).toMatchObject({
      ApiKeyRequired: true,
      Integration: { Type: 'AWS_PROXY', Uri: lambdaUri(intake) },
    });
  });

  test("POST /jobs invokes the worker asynchronously (X-Amz-Invocation-Type: 'Event') and answers 202", () => {
    expect(api['POST /jobs']).toMatchObject({
      ApiKeyRequired: true,
      Integration: {
        Type: 'AWS',
        IntegrationHttpMethod: 'POST',
        Uri: lambdaUri(worker),
        RequestParameters: { 'integration.request.header.X-Amz-Invocation-Type': "'Event'" },
        ContentHandling: 'CONVERT_TO_TEXT',
        PassthroughBehavior: 'NEVER',
        RequestTemplates: { 'application/json': JOB_REQUEST_TEMPLATE },
        IntegrationResponses: [
          { StatusCode: '202', ContentHandling: 'CONVERT_TO_TEXT', ResponseTemplates: { 'application/json': JOB_ACCEPTED_TEMPLATE } },
        ],
      },
      MethodResponses: [{ StatusCode: '202' }],
    });
    expect(api['POST /jobs'].Integration.IntegrationResponses[0].SelectionPattern).toBeUndefined();
  });

  test('POST /jobs validates the Content-Type header and the body, whatever the content type says', () => {
    const validator = resource(template, 'AWS::ApiGateway::RequestValidator', 'ApiRestApiJobValidator');
    expect(validator.Properties).toMatchObject({ ValidateRequestBody: true, ValidateRequestParameters: true });
    expect(api['POST /jobs']).toMatchObject({
      RequestValidatorId: ref(validator.id),
      RequestParameters: { 'method.request.header.Content-Type': true },
      RequestModels: { $default: ref(resource(template, 'AWS::ApiGateway::Model', 'ApiRestApiJob').id) },
    });
  });

  test('the job model: a non-empty string type, any JSON payload, nothing else', () => {
    const { $schema, ...schema } = resource(template, 'AWS::ApiGateway::Model', 'ApiRestApiJob').Properties.Schema;
    expect($schema).toBe('http://json-schema.org/draft-04/schema#');
    // The keywords it uses mean the same in draft 4 and in ajv's draft 7.
    const valid = new Ajv({ strict: true }).compile(schema);
    for (const body of [{ type: 'report.generate' }, { type: 'x', payload: { any: ['json', 1, null] } }, { type: 'x', payload: 'text' }]) {
      expect({ body, valid: valid(body) }).toEqual({ body, valid: true });
    }
    for (const body of [{}, { type: '' }, { type: 7 }, { payload: {} }, { type: 'x', extra: 1 }, [], 'report', null]) {
      expect({ body, valid: valid(body) }).toEqual({ body, valid: false });
    }
  });

  test('the jobs methods need an API key of the usage plan on this stage', () => {
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 1);
    const stage = resource(template, 'AWS::ApiGateway::Stage', 'ApiRestApiDeploymentStage');
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      ApiStages: [{ ApiId: ref(resource(template, 'AWS::ApiGateway::RestApi', 'ApiRestApi').id), Stage: ref(stage.id) }],
    });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlanKey', {
      KeyId: ref(resource(template, 'AWS::ApiGateway::ApiKey', 'ApiRestApiJobsKey').id),
      KeyType: 'API_KEY',
    });
  });

  test('the jobs usage plan has a throttle and a quota, from jobs.throttle and jobs.quota', () => {
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 10, BurstLimit: 20 },
      Quota: { Limit: 100000, Period: 'DAY' },
    });
    const changed = synthesize({
      config: configWith({ jobs: { throttle: { rate: 2, burst: 4 }, quota: { limit: 500, period: 'MONTH' } } }),
    }).template;
    changed.hasResourceProperties('AWS::ApiGateway::UsagePlan', { Throttle: { RateLimit: 2, BurstLimit: 4 }, Quota: { Limit: 500, Period: 'MONTH' } });
    const settings = resource(changed, 'AWS::ApiGateway::Stage', 'ApiRestApiDeploymentStage').Properties.MethodSettings;
    expect(settings).toContainEqual(expect.objectContaining({ HttpMethod: 'POST', ResourcePath: '/~1jobs', ThrottlingRateLimit: 2, ThrottlingBurstLimit: 4 }));
  });

  test('a source with its own throttle has it as its methods’ throttle; the others share the API default on {source}; POST /jobs caps the job invocations', () => {
    const settings = resource(template, 'AWS::ApiGateway::Stage', 'ApiRestApiDeploymentStage').Properties.MethodSettings;
    // The stage's default (`*/*`) applies to each method that has no setting of its own: {source}'s.
    expect(settings.map((s: any) => `${s.HttpMethod} ${s.ResourcePath}`)).toEqual(['* /*', 'POST /~1jobs']);
    expect(settings).toContainEqual(expect.objectContaining({ HttpMethod: 'POST', ResourcePath: '/~1jobs', ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 }));
    const own = resource(throttled, 'AWS::ApiGateway::Stage', 'ApiRestApiDeploymentStage').Properties.MethodSettings;
    for (const method of ['POST', 'GET']) {
      expect(own).toContainEqual(expect.objectContaining({ HttpMethod: method, ResourcePath: '/~1webhooks~1github', ThrottlingRateLimit: 5, ThrottlingBurstLimit: 9 }));
    }
    expect(own.some((s: any) => s.ResourcePath.includes('stripe') || s.ResourcePath.includes('{source}'))).toBe(false);
  });

  test('the stage: its name and throttling from hookway.json, error logging, JSON access logs', () => {
    const stage = resource(template, 'AWS::ApiGateway::Stage', 'ApiRestApiDeploymentStage').Properties;
    expect(stage.StageName).toBe('v1');
    expect(stage.MethodSettings[0]).toEqual(
      { HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200, LoggingLevel: 'ERROR', DataTraceEnabled: false },
    );
    const format = JSON.parse(stage.AccessLogSetting.Format);
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status', ip: '$context.identity.sourceIp' });
    const logGroup = stage.AccessLogSetting.DestinationArn['Fn::Join'][1].at(-1).Ref;
    expect(template.findResources('AWS::Logs::LogGroup')[logGroup].Properties.RetentionInDays).toBe(30);
    // Execution logging writes through the account's API Gateway role.
    template.resourceCountIs('AWS::ApiGateway::Account', 1);

    const changed = synthesize({
      config: configWith({ api: { stageName: 'prod', throttlingRateLimit: 5, throttlingBurstLimit: 10 } }),
    }).template;
    const prod = resource(changed, 'AWS::ApiGateway::Stage', 'ApiRestApiDeploymentStage').Properties;
    expect(prod.StageName).toBe('prod');
    expect(prod.MethodSettings[0]).toMatchObject({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 });
  });

  test('no WAF by default; with webhooks.waf, a web ACL on the stage with a per-address rate rule', () => {
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    const guarded = synthesize({ config: configWith({ webhooks: { waf: { ratePer5Minutes: 2000 } } }) }).template;
    const acl = resource(guarded, 'AWS::WAFv2::WebACL', 'ApiWebAcl');
    expect(acl.Properties).toMatchObject({
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      Rules: [{ Name: 'RatePerAddress', Action: { Block: {} }, Statement: { RateBasedStatement: { AggregateKeyType: 'IP', Limit: 2000 } } }],
    });
    const stage = resource(guarded, 'AWS::ApiGateway::Stage', 'ApiRestApiDeploymentStage');
    const association = resource(guarded, 'AWS::WAFv2::WebACLAssociation', 'ApiWebAclAssociation').Properties;
    expect(association.WebACLArn).toEqual({ 'Fn::GetAtt': [acl.id, 'Arn'] });
    expect(JSON.stringify(association.ResourceArn)).toContain(stage.id);
  });

  test('API Gateway may invoke the intake through /webhooks/* with one permission, whatever the sources; and each function through its own jobs method', () => {
    const apiId = resource(template, 'AWS::ApiGateway::RestApi', 'ApiRestApi').id;
    const stage = resource(template, 'AWS::ApiGateway::Stage', 'ApiRestApiDeploymentStage').id;
    const sourceArn = (path: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':', { Ref: apiId }, '/', { Ref: stage }, path]],
    });
    // API Gateway's permissions (the worker's release rule has its own, tested with the worker).
    const permissionsOf = (t: Template) =>
      Object.values(t.findResources('AWS::Lambda::Permission'))
        .map((p: any) => p.Properties)
        .filter((p) => p.Principal === 'apigateway.amazonaws.com');
    const invoke = (fn: string, path: string) => ({ Action: 'lambda:InvokeFunction', FunctionName: arnOf(fn), Principal: 'apigateway.amazonaws.com', SourceArn: sourceArn(path) });
    expect(permissionsOf(template)).toEqual(
      expect.arrayContaining([invoke(intake, '/*/webhooks/*'), invoke(intake, '/GET/jobs/*'), invoke(worker, '/POST/jobs')]),
    );
    expect(permissionsOf(template)).toHaveLength(3);
    expect(permissionsOf(throttled)).toHaveLength(3);
  });
});

describe('the Function URL', () => {
  test('is there only when (the deprecated) intake.functionUrl asks for it, without IAM auth (the intake verifies signatures)', () => {
    const { template } = synthesize();
    template.resourceCountIs('AWS::Lambda::Url', 0);

    const withUrl = synthesize({ config: configWith({ intake: { functionUrl: true } }) }).template;
    const intake = resource(withUrl, 'AWS::Lambda::Function', 'IntakeLambdaFunction').id;
    withUrl.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', TargetFunctionArn: arnOf(intake) });
    withUrl.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunctionUrl',
      FunctionName: arnOf(intake),
      Principal: '*',
      FunctionUrlAuthType: 'NONE',
    });
    // Lambda now also requires lambda:InvokeFunction for a public URL, here allowed only through the URL.
    withUrl.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: arnOf(intake),
      Principal: '*',
      InvokedViaFunctionUrl: true,
    });
  });
});
