/**
 * The cases both sides' predictions are held to (limits-cases.json): the stack's (limits.ts,
 * checked here against synthesised templates) and `hookway config check`'s
 * (crates/core/src/config/limits.rs, whose tests read the same file and expand it the same way).
 */
import * as fs from 'fs';
import * as path from 'path';

/** Sources and routes added to a case's configuration, by the rule of {@link expand}. */
export interface Generated {
  readonly sources?: number;
  /** How many of the generated sources (the first ones) have a throttle of their own. */
  readonly throttled?: number;
  /** `nested`: `/hookway/gen/team-<i % 4>/gen-<i>/secret`; `flat`: `/gen-<i>-secret`. */
  readonly secrets?: 'nested' | 'flat';
  readonly routes?: number;
}

export interface LimitCase {
  readonly name: string;
  readonly config: Record<string, any>;
  readonly generate?: Generated;
  readonly expected: Record<string, any>;
}

export const CASES_FILE = path.join(__dirname, 'limits-cases.json');

export function cases(): LimitCase[] {
  return JSON.parse(fs.readFileSync(CASES_FILE, 'utf8')).cases;
}

const pad = (i: number) => String(i).padStart(3, '0');

/**
 * The case's configuration with its generated sources and routes appended: source i is
 * `gen-<iii>` (github), throttled (10/s, burst 20) when i < throttled; route i forwards the events of
 * source `gen-<i % sources>` to `https://d<i % 50>.example.com/in` with the Authorization value
 * in `/hookway/out/d-<i % 50>/token`.
 */
export function expand(c: LimitCase): Record<string, any> {
  const g = c.generate ?? {};
  const secret = (i: number) => (g.secrets === 'flat' ? `/gen-${pad(i)}-secret` : `/hookway/gen/team-${i % 4}/gen-${pad(i)}/secret`);
  const sources = Array.from({ length: g.sources ?? 0 }, (_, i) => ({
    name: `gen-${pad(i)}`,
    scheme: 'github',
    secretParameters: [secret(i)],
    ...(i < (g.throttled ?? 0) ? { throttle: { rate: 10, burst: 20 } } : {}),
  }));
  const routes = Array.from({ length: g.routes ?? 0 }, (_, i) => ({
    source: `gen-${pad(i % (g.sources ?? 1))}`,
    handler: { forward: { url: `https://d${i % 50}.example.com/in`, authorization: { parameter: `/hookway/out/d-${i % 50}/token` } } },
  }));
  return { ...c.config, sources: [...(c.config.sources ?? []), ...sources], routes: [...(c.config.routes ?? []), ...routes] };
}

/**
 * `npx ts-node infra/test/cases.ts --update`: recomputes every case's `expected` from
 * limits.ts, after a deliberate change of infra/limits.json (limits.test.ts holds the predictions
 * to real templates, so an update cannot hide a wrong one).
 */
if (require.main === module && process.argv.includes('--update')) {
  // Loaded here only: the tests read the file without the stack's code.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { parseConfig } = require('../lib/config');
  const { limitProblems, stackShape } = require('../lib/limits');
  const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'hookway.schema.json'), 'utf8'));
  const file = JSON.parse(fs.readFileSync(CASES_FILE, 'utf8'));
  for (const c of file.cases as LimitCase[]) {
    const { settings } = parseConfig(JSON.stringify(expand(c)), schema, c.name);
    const shape = stackShape(settings);
    (c as any).expected = {
      ...shape,
      grants: {
        intake: { patterns: shape.grants.intake.patterns, exact: shape.grants.intake.exact },
        worker: { patterns: shape.grants.worker.patterns, exact: shape.grants.worker.exact },
      },
      problems: limitProblems(settings),
    };
  }
  fs.writeFileSync(CASES_FILE, `${JSON.stringify(file, null, 2)}\n`);
}
