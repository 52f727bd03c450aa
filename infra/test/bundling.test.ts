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

/** A fresh clone without `make tools`, on a machine without Docker: both commands fail. */
const NO_CARGO_LAMBDA = `#!/bin/sh
echo "error: no such command: \`lambda\`" >&2
exit 101
`;
const NO_DOCKER = `#!/bin/sh
echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2
exit 1
`;

describe('the app, as cdk deploy runs it', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hookway-bundling-'));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  /** Runs cdk.json's app as the CLI does, bundling every stack, with `bin` first on the PATH. */
  function runApp(bin: string, outdir: string, env: Record<string, string> = {}) {
    const { app, context } = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8'));
    return spawnSync(app, {
      cwd: ROOT,
      shell: true,
      encoding: 'utf8',
      env: {
        ...process.env,
        ...env,
        PATH: `${bin}${path.delimiter}${process.env.PATH}`,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ ...context, 'aws:cdk:bundling-stacks': ['**'] }),
      },
    });
  }

  test('without cargo-lambda and without Docker, says to run make tools rather than fail in Docker\'s words', () => {
    const bin = path.join(work, 'bare');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'cargo'), NO_CARGO_LAMBDA, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'docker'), NO_DOCKER, { mode: 0o755 });
    const run = runApp(bin, path.join(work, 'bare.out'));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('Run `make tools` once');
    expect(run.stderr).toContain('or start Docker');
    expect(run.stderr).not.toContain('Cannot connect to the Docker daemon');
  });

  test('builds each binary with cargo lambda, in release mode, for arm64, from its own crate', () => {
    fs.mkdirSync(path.join(work, 'bin'));
    fs.writeFileSync(path.join(work, 'bin', 'cargo'), FAKE_CARGO, { mode: 0o755 });
    const calls = path.join(work, 'calls');
    const outdir = path.join(work, 'cdk.out');

    // What the CLI does: run cdk.json's app with the output folder and the context in the environment.
    const run = runApp(path.join(work, 'bin'), outdir, { CARGO_CALLS: calls });
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
