/**
 * The app as `cdk deploy` runs it, building the Lambda binaries, but with a stand-in `cargo` on the
 * PATH: it records how cargo-lambda-cdk calls it and leaves the `bootstrap` file a real build would.
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
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
  function runApp(bin: string, outdir: string, env: Record<string, string> = {}, extraContext: Record<string, string> = {}) {
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
        CDK_CONTEXT_JSON: JSON.stringify({ ...context, ...extraContext, 'aws:cdk:bundling-stacks': ['**'] }),
      },
    });
  }

  /** The asset directory of a function's code, by the function's logical id prefix. */
  function assetOf(outdir: string, stackName: string, functionPrefix: string): string {
    const template = JSON.parse(fs.readFileSync(path.join(outdir, `${stackName}.template.json`), 'utf8'));
    const [fn] = Object.entries<any>(template.Resources).filter(([id, r]) => id.startsWith(functionPrefix) && r.Type === 'AWS::Lambda::Function');
    return path.join(outdir, `asset.${fn[1].Properties.Code.S3Key.replace(/\.zip$/, '')}`);
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
    // Each function's code is its own crate's build, with the configuration beside it, byte for byte.
    const configuration = fs.readFileSync(path.join(ROOT, 'hookway.json'));
    for (const [prefix, crate] of [
      ['IntakeLambdaFunction', 'intake'],
      ['WorkerLambdaFunction', 'worker'],
    ]) {
      const asset = assetOf(outdir, 'Hookway', prefix);
      expect(fs.readFileSync(path.join(asset, 'bootstrap'), 'utf8').trim()).toBe(`${ROOT}/crates/${crate}`);
      expect(fs.readdirSync(asset).sort()).toEqual(['bootstrap', 'hookway.json']);
      expect(fs.readFileSync(path.join(asset, 'hookway.json')).equals(configuration)).toBe(true);
    }
  });

  test('-c config=… and -c stackName=…: that file is in the packages, and a changed file is a new asset (a deploy updates the code)', () => {
    const staging = path.join(work, 'staging.json');
    // The same settings, written otherwise: other bytes, another digest.
    fs.writeFileSync(staging, `${JSON.stringify(JSON.parse(fs.readFileSync(path.join(ROOT, 'hookway.json'), 'utf8')))}\n`);
    const outdir = path.join(work, 'staging.out');
    const run = runApp(path.join(work, 'bin'), outdir, { CARGO_CALLS: path.join(work, 'calls-staging') }, { stackName: 'hookway-staging', config: staging });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    for (const prefix of ['IntakeLambdaFunction', 'WorkerLambdaFunction']) {
      const asset = assetOf(outdir, 'hookway-staging', prefix);
      expect(fs.readFileSync(path.join(asset, 'hookway.json')).equals(fs.readFileSync(staging))).toBe(true);
      expect(path.basename(asset)).not.toBe(path.basename(assetOf(path.join(work, 'cdk.out'), 'Hookway', prefix)));
    }
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'hookway-staging.template.json'), 'utf8'));
    expect(template.Outputs.ConfigDigest.Value).toBe(`sha256:${createHash('sha256').update(fs.readFileSync(staging)).digest('hex')}`);
  });
});
