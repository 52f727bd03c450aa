/**
 * A team's production configuration at the size one stack is built for: 500 sources of mixed
 * schemes and providers (50 with a throttle of their own, the secrets under a few path prefixes)
 * and 1,000 routes (forwards that sign and send an Authorization header, some rate limited, with
 * filters). Deterministic, so the same file comes out every time.
 *
 * `npx ts-node infra/test/large-config.ts target/hookway-500.json` writes it (make infra-test
 * does); the tests build it in memory.
 */
import * as fs from 'fs';
import * as path from 'path';

export interface LargeConfigOptions {
  readonly sources?: number;
  /** How many of the sources have a throttle of their own. */
  readonly throttled?: number;
  readonly routes?: number;
}

/** The teams whose secrets share a path prefix: `/hookway/prod/<team>/<source>/...`. */
const TEAMS = ['payments', 'commerce', 'devtools', 'messaging', 'social'] as const;

/** Schemes whose sources need nothing beyond a secret, by the team that owns them. */
const PLAIN: Array<[string, (typeof TEAMS)[number]]> = [
  ['stripe', 'payments'],
  ['paddle', 'payments'],
  ['lemon-squeezy', 'payments'],
  ['square', 'payments'],
  ['shopify', 'commerce'],
  ['woocommerce', 'commerce'],
  ['github', 'devtools'],
  ['gitlab', 'devtools'],
  ['linear', 'devtools'],
  ['sentry', 'devtools'],
  ['vercel', 'devtools'],
  ['slack', 'messaging'],
  ['twilio', 'messaging'],
  ['svix', 'messaging'],
  ['standard-webhooks', 'messaging'],
  ['zoom', 'social'],
];

function source(index: number, throttled: boolean): Record<string, unknown> {
  // Every eighth source is a generic HMAC sender, every twentieth Meta (with its verify token).
  const kind = index % 20 === 19 ? 'meta' : index % 8 === 7 ? 'hmac' : PLAIN[index % PLAIN.length][0];
  const team = kind === 'meta' ? 'social' : kind === 'hmac' ? 'payments' : PLAIN[index % PLAIN.length][1];
  const name = `${kind}-${String(index).padStart(3, '0')}`;
  const secrets = `/hookway/prod/${team}/${name}`;
  return {
    name,
    scheme: kind,
    // Every tenth source is rotating its secret: two parameters.
    secretParameters: index % 10 === 3 ? [`${secrets}/secret`, `${secrets}/next`] : [`${secrets}/secret`],
    ...(kind === 'meta' ? { verifyTokenParameter: `${secrets}/verify-token` } : {}),
    ...(kind === 'hmac'
      ? { hmac: { signatureHeader: 'X-Signature', prefix: 'sha256=', template: '{timestamp}.{body}', encoding: 'hex', timestampHeader: 'X-Timestamp' } }
      : {}),
    ...(throttled ? { throttle: { rate: 5 + (index % 20), burst: 10 + (index % 40) } } : {}),
  };
}

function route(index: number, sources: readonly Record<string, unknown>[]): Record<string, unknown> {
  const from = sources[index % sources.length].name as string;
  // 200 destinations, five routes each, each with its own signing secret and token.
  const destination = `dest-${String(Math.floor(index / 5) % 200).padStart(3, '0')}`;
  const outbound = `/hookway/prod/outbound/${destination}`;
  const forward = {
    url: `https://${destination}.internal.example.com/hooks/${from}`,
    sign: { secretParameters: [`${outbound}/signing`] },
    authorization: { parameter: `${outbound}/token` },
    ...(index % 4 === 0 ? { rateLimit: { perSecond: 1 + (index % 50) } } : {}),
  };
  // Routes filter on what the signature covers: Stripe's event type is in its signed body, the
  // others' on a signed field of the body (`where`), never on an unsigned type header.
  return {
    source: index % 50 === 49 ? `${from.split('-')[0]}-*` : from,
    ...(from.startsWith('stripe-') ? { type: ['invoice.*', 'customer.subscription.*'][index % 2] } : {}),
    ...(index % 3 === 0 ? { where: [{ pointer: '/data/object/status', in: ['paid', 'open'] }] } : {}),
    // Every fifth route fans out to a second destination, which logs too.
    ...(index % 5 === 0 ? { handlers: [{ forward }, 'log'] } : { handler: { forward } }),
  };
}

/** The configuration, as hookway.json would hold it. */
export function largeConfig(options: LargeConfigOptions = {}): Record<string, unknown> {
  const count = options.sources ?? 500;
  const throttled = options.throttled ?? 50;
  // The throttled sources are spread among the others.
  const step = throttled > 0 ? Math.floor(count / throttled) : Infinity;
  const sources = Array.from({ length: count }, (_, i) => source(i, i % step === 0 && i / step < throttled));
  // The last route logs whatever no other took.
  const routes = Array.from({ length: (options.routes ?? 1000) - 1 }, (_, i) => route(i, sources));
  return { sources, routes: [...routes, { source: '*', handler: 'log' }] };
}

if (require.main === module) {
  const [out] = process.argv.slice(2);
  if (!out) {
    throw new Error('usage: ts-node infra/test/large-config.ts <file>');
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(largeConfig(), null, 2)}\n`);
}
