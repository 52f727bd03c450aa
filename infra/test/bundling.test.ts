/**
 * The app as `cdk deploy` runs it, building the Lambda binaries, but with a stand-in `cargo` on the
 * PATH: it records how cargo-lambda-cdk calls it and leaves the `bootstrap` file a real build would.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT } from './support';

const FAKE_CARGO = `#!/bin/sh
# cargo lambda --version: cargo-lambda is installed, so the functions bundle here, not in Docker.
[ "$2" = "--version" ] && exit 0
echo "$(pwd) $*" >> "$CARGO_CALLS"
while [ "$#" -gt 0 ]; do
  [ "$1" = "--lambda-dir" ] && echo "$(pwd)" > "$2/bootstrap"
  shift
done
`;

describe('the app, as cdk deploy runs it', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hookway-bundling-'));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('builds each binary with cargo lambda, in release mode, for arm64, from its own crate', () => {
    fs.mkdirSync(path.join(work, 'bin'));
    fs.writeFileSync(path.join(work, 'bin', 'cargo'), FAKE_CARGO, { mode: 0o755 });
    const calls = path.join(work, 'calls');
    const outdir = path.join(work, 'cdk.out');

    // What the CLI does: run cdk.json's app with the output folder and the context in the environment.
    const { app, context } = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8'));
    const run = spawnSync(app, {
      cwd: ROOT,
      shell: true,
      encoding: 'utf8',
      env: {
        ...process.env,
        PATH: `${path.join(work, 'bin')}${path.delimiter}${process.env.PATH}`,
        CARGO_CALLS: calls,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ ...context, 'aws:cdk:bundling-stacks': ['**'] }),
      },
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: expect.any(String) });

    const builds = fs
      .readFileSync(calls, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.replace(/--lambda-dir \S+/, '--lambda-dir <asset>'))
      .sort();
    expect(builds).toEqual([
      `${ROOT}/crates/intake lambda build --lambda-dir <asset> --release --arm64 --bin hookway-intake --flatten hookway-intake`,
      `${ROOT}/crates/worker lambda build --lambda-dir <asset> --release --arm64 --bin hookway-worker --flatten hookway-worker`,
    ]);
    // Each function's code is its own crate's build.
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'Hookway.template.json'), 'utf8'));
    const builtFrom = (functionPrefix: string) => {
      const [fn] = Object.entries<any>(template.Resources).filter(([id]) => id.startsWith(functionPrefix));
      const asset = path.join(outdir, `asset.${fn[1].Properties.Code.S3Key.replace(/\.zip$/, '')}`);
      return fs.readFileSync(path.join(asset, 'bootstrap'), 'utf8').trim();
    };
    expect(builtFrom('IntakeLambdaFunction')).toBe(`${ROOT}/crates/intake`);
    expect(builtFrom('WorkerLambdaFunction')).toBe(`${ROOT}/crates/worker`);
  });
});
