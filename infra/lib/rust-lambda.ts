import { spawnSync } from 'child_process';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { ServicePrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { ApplicationLogLevel, Architecture, LoggingFormat, SystemLogLevel, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { RustFunction } from 'cargo-lambda-cdk';
import { Construct } from 'constructs';

/** Where the configuration lies in each function's package, beside `bootstrap` (`$LAMBDA_TASK_ROOT/hookway.json`). */
export const PACKAGED_CONFIG = 'hookway.json';

export interface RustLambdaProps {
  /** The Cargo.toml of the crate that builds the binary. */
  readonly manifestPath: string;
  /** The binary, one of the crate's `[[bin]]`s. */
  readonly binaryName: string;
  readonly description: string;
  readonly memoryMb: number;
  readonly timeout: Duration;
  /** Concurrency reserved for the function, if any. */
  readonly reservedConcurrency?: number;
  readonly environment: Record<string, string>;
  /** The configuration file, copied byte for byte into the package as `hookway.json`. */
  readonly configFile: string;
  readonly logRetention: RetentionDays;
  /** Active AWS X-Ray tracing (`"tracing": true` in hookway.json). */
  readonly tracing: boolean;
}

/**
 * A Rust binary as an arm64 Lambda on `provided.al2023`, built by `cargo lambda` at synth time,
 * logging JSON to a log group of its own, with a role that may write there and nothing else yet.
 *
 * What it logs, and what Lambda adds: the binary writes JSON lines with a `level` (hookway-core's
 * telemetry), which Lambda's JSON log format passes on as they are, filtering them at the
 * application level; EMF lines are JSON too, carried unchanged, so CloudWatch still extracts their
 * metrics. Lambda's own lines (START, END, REPORT: about 300 bytes an invocation, which for the
 * intake is a webhook) are INFO or DEBUG, so the system level WARN keeps them out of CloudWatch Logs
 * (at $0.50 per GB ingested) and keeps what matters (timeouts, crashes, out of memory). Each
 * invocation's duration stays in Lambda's own metrics; its memory used and init time were only in
 * REPORT (system level INFO for a while, or Lambda Insights, to size the memory).
 */
export class RustLambda extends Construct {
  readonly function: RustFunction;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: RustLambdaProps) {
    super(scope, id);
    if (Stack.of(this).bundlingRequired) {
      checkBuildTools();
    }

    const logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention });
    this.logGroup = logGroup;
    // A role of its own instead of the default one, whose AWS managed policy may write to any log group.
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.binaryName}: its log group, and the grants its construct adds`,
    });
    logGroup.grantWrite(role);

    this.function = new RustFunction(this, 'Function', {
      manifestPath: props.manifestPath,
      binaryName: props.binaryName,
      bundling: {
        // The configuration rides in the package, not in the 4 KB environment. The asset's hash is
        // of the bundled output (cargo-lambda-cdk's default), so a changed configuration is a new
        // asset, and a deploy updates the code.
        commandHooks: {
          beforeBundling: () => [],
          // Readable by everyone, as Lambda needs its code's files, whatever the source file's mode.
          afterBundling: (_inputDir: string, outputDir: string) => {
            const packaged = shellQuoted(`${outputDir}/${PACKAGED_CONFIG}`);
            return [`cp ${shellQuoted(props.configFile)} ${packaged}`, `chmod 0644 ${packaged}`];
          },
        },
      },
      runtime: 'provided.al2023',
      architecture: Architecture.ARM_64,
      description: props.description,
      memorySize: props.memoryMb,
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: props.environment,
      role,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      // Lambda passes this to the binary as AWS_LAMBDA_LOG_LEVEL, which hookway-core's logging reads.
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      systemLogLevelV2: SystemLogLevel.WARN,
      tracing: props.tracing ? Tracing.ACTIVE : undefined,
    });
    if (props.tracing) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'Active X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords take no resource narrower than *.',
      });
    }
  }
}

/**
 * cargo-lambda-cdk builds with `cargo lambda` when it runs here, and otherwise falls back to
 * Docker, whose own error ("Cannot connect to the Docker daemon") says nothing of what is missing.
 * Without either, say what to do instead, before any build starts.
 */
function checkBuildTools(): void {
  if (succeeds('cargo', ['lambda', '--version']) || succeeds('docker', ['version'])) {
    return;
  }
  throw new Error(
    'Building the Lambda binaries needs cargo-lambda and zig, or Docker, and neither is here. ' +
      'Run `make tools` once (it installs cargo-lambda and zig into .venv, where the app finds them), ' +
      'or start Docker; then run the command again. (`make deploy` and `make synth` run `make tools` themselves.)',
  );
}

function succeeds(command: string, args: string[]): boolean {
  const run = spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 });
  return run.error === undefined && run.status === 0;
}

/** A word for `bash -c`, whatever the path holds. */
function shellQuoted(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
