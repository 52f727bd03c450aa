/**
 * The `POST /jobs` mapping templates, taken from the synthesised template and rendered with
 * velocityjs the way API Gateway renders them for that integration.
 */
import { render } from 'velocityjs';
import { JOB_HEADERS } from '../lib/job-templates';
import { readJson, readText, resource, synthesize } from './support';

/**
 * A string as API Gateway's VTL (Java) hands it back: `replaceAll` takes a regular expression,
 * which JavaScript's string `replaceAll` does not.
 */
class JavaString {
  constructor(private readonly value: string) {}

  replaceAll(regex: string, replacement: string): JavaString {
    if (/[\\$]/.test(replacement)) {
      throw new Error(`replacement ${replacement} uses Java's \\ or $ syntax, which this test does not emulate`);
    }
    return new JavaString(this.value.replace(new RegExp(regex, 'g'), replacement));
  }

  toString(): string {
    return this.value;
  }
}

/** `$util.escapeJavaScript`: Java's StringEscapeUtils.escapeJavaScript, code unit by code unit. */
function escapeJavaScript(value: string): JavaString {
  const named: Record<string, string> = { '\b': '\\b', '\n': '\\n', '\t': '\\t', '\f': '\\f', '\r': '\\r', "'": "\\'", '"': '\\"', '\\': '\\\\', '/': '\\/' };
  let escaped = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    const code = value.charCodeAt(i);
    escaped += named[ch] ?? (code < 0x20 || code > 0x7e ? `\\u${code.toString(16).toUpperCase().padStart(4, '0')}` : ch);
  }
  return new JavaString(escaped);
}

/** What API Gateway knows of a request, the variables of a mapping template. */
interface Request {
  /** The body's bytes, as sent. */
  readonly body: Buffer;
  readonly headers: Record<string, string>;
  readonly path?: Record<string, string>;
  readonly querystring?: Record<string, string>;
  readonly context: Record<string, any>;
}

/**
 * Renders a request template as API Gateway does for `POST /jobs`: the API treats every media type
 * as binary and the integration converts the body to text, so `$input.body` is the body base64-encoded.
 * A context variable API Gateway has no value for renders empty, as it does in AWS.
 */
function renderRequest(template: string, request: Request): string {
  return render(template, {
    input: {
      body: request.body.toString('base64'),
      params: () => ({ path: request.path ?? {}, querystring: request.querystring ?? {}, header: request.headers }),
    },
    util: {
      base64Decode: (text: string) => Buffer.from(text, 'base64').toString('utf8'),
      escapeJavaScript: (text: string) => escapeJavaScript(String(text)),
    },
    stageVariables: {},
    context: request.context,
  });
}

/** The request the seed's example shows: curl posting a report job, without an API key. */
const exampleRequest: Request = {
  body: Buffer.from('{"type": "report.generate", "payload": {"key": "value"}}'),
  headers: {
    Accept: '*/*',
    'CloudFront-Forwarded-Proto': 'https',
    'CloudFront-Viewer-Country': 'JP',
    'content-type': 'application/json',
    Host: 'abcdef1234.execute-api.ap-northeast-1.amazonaws.com',
    'User-Agent': 'curl/8.5.0',
    'X-Amzn-Trace-Id': 'Root=1-5e66d96f-7491f09xmpl79d18acf3d050',
    'X-Forwarded-For': '203.0.113.10, 198.51.100.7',
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
  },
  context: {
    apiId: 'abcdef1234',
    httpMethod: 'POST',
    stage: 'v1',
    requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    resourceId: 'r3pmxm',
    resourcePath: '/jobs',
    authorizer: { principalId: '' },
    identity: {
      accountId: '',
      apiKeyId: '',
      caller: '',
      cognitoAuthenticationProvider: '',
      cognitoAuthenticationType: '',
      cognitoIdentityId: '',
      cognitoIdentityPoolId: '',
      sourceIp: '203.0.113.10',
      user: '',
      userAgent: 'curl/8.5.0',
      userArn: '',
    },
  },
};

describe('the POST /jobs mapping templates', () => {
  const { template } = synthesize();
  const integration = resource(template, 'AWS::ApiGateway::Method', 'ApiRestApijobsPOST').Properties.Integration;
  const requestTemplate: string = integration.RequestTemplates['application/json'];
  const acceptedTemplate: string = integration.IntegrationResponses[0].ResponseTemplates['application/json'];

  test('the template is applied to a base64 body, which only CONVERT_TO_TEXT gives it', () => {
    expect(integration.ContentHandling).toBe('CONVERT_TO_TEXT');
    expect(requestTemplate).toContain('$util.base64Decode($input.body)');
    expect(requestTemplate).not.toMatch(/\$input\.(json|path)\(/);
  });

  test('render the job event the worker parses: exactly fixtures/apigw-async-job-event.json', () => {
    const rendered = renderRequest(requestTemplate, exampleRequest);
    expect(JSON.parse(rendered)).toEqual(readJson('fixtures/apigw-async-job-event.json'));
  });

  test("keep the caller's API key out of the event, and stay valid JSON whatever the headers hold", () => {
    const tricky = `it's "quoted" \\ back/slashed, tabbed\t, and non-ASCII: é 日本 😀`;
    const rendered = renderRequest(requestTemplate, {
      ...exampleRequest,
      body: Buffer.from('{"type": "report.generate", "payload": {"note": "caf\u00e9 \\"quoted\\""}}'),
      headers: { ...exampleRequest.headers, 'X-API-Key': 'secret-api-key-value', 'User-Agent': tricky },
      querystring: { q: tricky },
      context: {
        ...exampleRequest.context,
        identity: { ...exampleRequest.context.identity, apiKeyId: 'k3y1d', userAgent: `agent "1.0" it's` },
      },
    });
    expect(rendered).not.toContain('secret-api-key-value');
    const event = JSON.parse(rendered);
    expect(event.params.header['User-Agent']).toBe(tricky);
    expect(event.params.header['X-API-Key']).toBeUndefined();
    expect(event.params.querystring.q).toBe(tricky);
    expect(event.context['api-key']).toBe('k3y1d');
    expect(event.context['user-agent']).toBe(`agent "1.0" it's`);
    expect(event.bodyJson).toEqual({ type: 'report.generate', payload: { note: 'café "quoted"' } });
  });

  test('keep only the allowed headers: no Authorization, Cookie or X-Api-Key reaches the worker or the jobs DLQ', () => {
    const rendered = renderRequest(requestTemplate, {
      ...exampleRequest,
      headers: {
        ...exampleRequest.headers,
        Authorization: 'Bearer secret-token',
        Cookie: 'session=secret-cookie',
        'x-api-key': 'secret-api-key-value',
        'X-Custom': 'anything',
      },
    });
    for (const secret of ['secret-token', 'secret-cookie', 'secret-api-key-value', 'anything']) {
      expect(rendered).not.toContain(secret);
    }
    const kept = Object.keys(JSON.parse(rendered).params.header).map((name) => name.toLowerCase());
    expect(kept.every((name) => (JOB_HEADERS as readonly string[]).includes(name))).toBe(true);
    expect(kept).toContain('content-type');
  });

  test('the local gateway keeps the same headers', () => {
    const rust = readText('crates/core/src/job.rs');
    const list = /pub const KEPT_HEADERS: \[&str; \d+\] = \[([^\]]*)\]/.exec(rust);
    expect(list).not.toBeNull();
    const names = [...list![1].matchAll(/"([^"]+)"/g)].map((match) => match[1]);
    expect(names).toEqual([...JOB_HEADERS]);
  });

  test('answer 202 with the request id as the job id', () => {
    expect(integration.IntegrationResponses).toEqual([expect.objectContaining({ StatusCode: '202' })]);
    const answer = render(acceptedTemplate, { context: { requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef' } });
    expect(JSON.parse(answer)).toEqual({ jobId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef', status: 'ACCEPTED' });
  });
});
