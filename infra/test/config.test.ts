import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError, loadConfig, parseConfig, resolveConfigPath } from '../lib/config';
import { config, ROOT, SCHEMA } from './support';

const github = { name: 'github', scheme: 'github', secretParameters: ['/hookway/github/secret'] };
const SECTIONS = ['api', 'intake', 'worker', 'queue', 'jobs', 'archive', 'alarms'] as const;

function problemsOf(document: unknown): string {
  try {
    config(document);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('hookway.json', () => {
  test("the repository's hookway.json loads; the Lambdas get its bytes as they are, and its digest names them", () => {
    const file = path.join(ROOT, 'hookway.json');
    const loaded = loadConfig(file, path.join(ROOT, 'hookway.schema.json'));
    expect(loaded.settings.sources.map((s) => s.name)).toEqual(['github', 'stripe', 'slack', 'shopify', 'standard-webhooks', 'hmac']);
    expect(loaded.file).toBe(file);
    expect(loaded.bytes.equals(fs.readFileSync(file))).toBe(true);
    // What `sha256sum hookway.json` prints, after `sha256:`.
    expect(loaded.digest).toBe(`sha256:${createHash('sha256').update(fs.readFileSync(file)).digest('hex')}`);
    expect(loaded.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  test('the digest changes with any byte of the file, white space too', () => {
    const text = JSON.stringify({ sources: [github] });
    expect(config({ sources: [github] }).digest).not.toBe(parseConfig(text, SCHEMA, 'x').digest);
    expect(parseConfig(text, SCHEMA, 'x').digest).toBe(parseConfig(Buffer.from(text), SCHEMA, 'y').digest);
    expect(parseConfig(`${text}\n`, SCHEMA, 'x').digest).not.toBe(parseConfig(text, SCHEMA, 'x').digest);
  });

  test('the defaults are the schema’s, that is the Rust code’s, for every section the stack reads', () => {
    const { settings } = config({ sources: [github] });
    for (const section of SECTIONS) {
      expect({ section, value: settings[section] }).toEqual({ section, value: SCHEMA.properties[section].default });
    }
    expect(settings.logRetentionDays).toBe(SCHEMA.properties.logRetentionDays.default);
    // Every setting the stack reads has a default there, but those that may be left out (`null`).
    const optional = (property: any) => (property.anyOf ?? []).some((alternative: any) => alternative.type === 'null');
    for (const section of SECTIONS) {
      const properties = SCHEMA.$defs[SCHEMA.properties[section].$ref.split('/').pop()].properties;
      expect(Object.keys(SCHEMA.properties[section].default).sort()).toEqual(
        Object.keys(properties)
          .filter((name) => !optional(properties[name]))
          .sort(),
      );
    }
  });

  test('a section that names some settings keeps the defaults of the others', () => {
    const { settings } = config({ worker: { timeoutSeconds: 900 }, sources: [github] });
    expect(settings.worker).toEqual({ ...SCHEMA.properties.worker.default, timeoutSeconds: 900 });
  });

  test('the Lambdas get the file as written, without the defaults filled in', () => {
    const written = JSON.stringify({ sources: [github] }, null, 2);
    expect(parseConfig(written, SCHEMA, 'x').bytes.toString('utf8')).toBe(written);
  });

  test('every problem is named by its field', () => {
    const message = problemsOf({
      worker: { timeoutSeconds: 901, retries: 3 },
      sources: [{ ...github, toleranceSeconds: 0 }, { name: 'svix', scheme: 'svixx', secretParameters: ['/s'] }, { name: 'x', scheme: 'github' }],
    });
    expect(message).toMatch(/^test\.json is not a valid Hookway configuration:/);
    for (const expected of [
      'worker.timeoutSeconds: must be <= 900',
      'worker.retries: unknown field',
      'sources[0].toleranceSeconds: must be >= 1',
      'sources[2].secretParameters: missing field',
    ]) {
      expect(message).toContain(`\n  ${expected}`);
    }
    // The schemes come from the provider catalog, through the schema.
    expect(message).toMatch(/\n {2}sources\[1\]\.scheme: must be one of [a-z-]+(, [a-z-]+){30,}\n/);
    expect(message).toMatch(/sources\[1\]\.scheme: must be one of .*\btwilio\b.*\bhmac\b/);
  });

  test("the five targets load under their own keys, with the schema's defaults", () => {
    const handlers = [
      { sqs: { queueArn: 'arn:aws:sqs:eu-west-1:123456789012:orders.fifo', messageGroupPointer: '/data/id', kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/k' } },
      { sns: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:orders' } },
      { eventBridge: { busArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/payments' } },
      { lambda: { functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:fulfil:live', transform: '{id: .id}' } },
      { stepFunctions: { stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:orders', maxAttempts: 5 } },
    ];
    const { settings } = config({ sources: [github], routes: [{ source: 'github', where: [{ jq: '.action == "opened"' }], handlers }] });
    const [sqs, sns, eventBridge, lambda, stepFunctions] = settings.routes![0].handlers as any[];
    expect(sqs.sqs).toMatchObject({ queueArn: handlers[0].sqs!.queueArn, messageGroupPointer: '/data/id', kmsKeyArn: handlers[0].sqs!.kmsKeyArn, maxAttempts: 3 });
    expect(sns.sns).toMatchObject({ topicArn: handlers[1].sns!.topicArn, maxAttempts: 3 });
    expect(eventBridge.eventBridge).toMatchObject({ detailType: '{type}', source: 'hookway.{source}' });
    expect(lambda.lambda).toMatchObject({ invocationType: 'Event', timeoutSeconds: 30, transform: '{id: .id}' });
    expect(stepFunctions.stepFunctions).toMatchObject({ stateMachineArn: handlers[4].stepFunctions!.stateMachineArn, maxAttempts: 5 });
  });

  test("a target's unknown field, missing resource or unknown invocation type is refused", () => {
    const refused = (handler: unknown) => problemsOf({ sources: [github], routes: [{ source: 'github', handler }] });
    expect(refused({ sqs: { queueArn: 'arn:aws:sqs:eu-west-1:123456789012:q', queueUrl: 'https://sqs' } })).toContain('queueUrl');
    expect(refused({ sns: {} })).toContain('topicArn');
    expect(refused({ lambda: { functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:f', invocationType: 'DryRun' } })).toMatch(/routes\[0\]\.handler/);
    expect(refused({ stepFunctions: { stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:m', timeoutSeconds: 3 } })).toMatch(/routes\[0\]\.handler/);
  });

  test('sources are required', () => {
    expect(problemsOf({})).toContain('sources: missing field');
  });

  test('a retention CloudWatch Logs does not offer is refused', () => {
    expect(problemsOf({ logRetentionDays: 8, sources: [github] })).toContain('logRetentionDays: 8 is not a CloudWatch Logs retention; use one of 1, 3, 5, 7, 14, 30');
  });

  test('text that is not JSON is refused', () => {
    expect(() => parseConfig('{', SCHEMA, 'broken.json')).toThrow(/broken\.json is not a valid Hookway configuration:\n {2}\(root\): /);
  });
});

describe('-c config=FILE', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hookway-config-path-'));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('a relative path is found from the current directory first, then from the repository root', () => {
    fs.writeFileSync(path.join(work, 'staging.json'), '{}');
    expect(resolveConfigPath('staging.json', work, ROOT)).toBe(path.join(work, 'staging.json'));
    expect(resolveConfigPath('hookway.json', work, ROOT)).toBe(path.join(ROOT, 'hookway.json'));
    expect(resolveConfigPath(path.join(ROOT, 'hookway.json'), work, '/nowhere')).toBe(path.join(ROOT, 'hookway.json'));
  });

  test('a file found in neither says where it looked', () => {
    expect(() => resolveConfigPath('prod.json', work, ROOT)).toThrow(ConfigError);
    expect(() => resolveConfigPath('prod.json', work, ROOT)).toThrow(`not found; looked in ${path.join(work, 'prod.json')} and ${path.join(ROOT, 'prod.json')}`);
  });
});
