import * as path from 'path';
import { ConfigError, loadConfig, parseConfig } from '../lib/config';
import { config, HOOKWAY_JSON, ROOT, SCHEMA } from './support';

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
  test("the repository's hookway.json loads, and the Lambdas get it minified", () => {
    const loaded = loadConfig(path.join(ROOT, 'hookway.json'), path.join(ROOT, 'hookway.schema.json'));
    expect(loaded.settings.sources.map((s) => s.name)).toEqual(['github', 'stripe', 'slack', 'shopify', 'standard-webhooks', 'hmac']);
    expect(loaded.json).toBe(JSON.stringify(HOOKWAY_JSON));
    expect(loaded.json).not.toMatch(/\n/);
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
    expect(JSON.parse(config({ sources: [github] }).json)).toEqual({ sources: [github] });
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
