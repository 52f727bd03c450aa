import { resource, synthesize } from './support';

/**
 * What the functions send to CloudWatch Logs, at $0.50 per GB ingested: their own JSON lines at
 * INFO and above, and none of Lambda's START, END and REPORT lines (about 300 bytes an invocation:
 * for the intake, a webhook).
 */
describe('the functions’ logging', () => {
  const { template } = synthesize();

  test.each(['IntakeLambdaFunction', 'WorkerLambdaFunction'])(
    '%s logs JSON, its own lines from INFO, Lambda’s from WARN',
    (id) => {
      const fn = resource(template, 'AWS::Lambda::Function', id);
      expect(fn.Properties.LoggingConfig).toMatchObject({
        LogFormat: 'JSON',
        ApplicationLogLevel: 'INFO',
        SystemLogLevel: 'WARN',
      });
      // The level comes from LoggingConfig, which Lambda hands the binary as AWS_LAMBDA_LOG_LEVEL:
      // a RUST_LOG in the environment would override it (hookway-core's telemetry reads it first).
      expect(Object.keys(fn.Properties.Environment?.Variables ?? {})).not.toContain('RUST_LOG');
    },
  );
});
