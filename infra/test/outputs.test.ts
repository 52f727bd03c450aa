import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { loadConfig } from '../lib/config';
import { configWith, outputs, resource, ROOT, synthesize } from './support';

describe('the outputs', () => {
  // As bin/hookway.ts loads it: the file's bytes.
  const { template } = synthesize({ config: loadConfig(path.join(ROOT, 'hookway.json'), path.join(ROOT, 'hookway.schema.json')) });
  const values = outputs(template);
  const api = resource(template, 'AWS::ApiGateway::RestApi', 'ApiRestApi').id;
  const stage = resource(template, 'AWS::ApiGateway::Stage', 'ApiRestApiDeploymentStage').id;
  const apiUrl = `https://\${${api}}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}/\${${stage}}/`;

  test('give every URL and name an operator needs', () => {
    expect(values).toEqual({
      ApiUrl: apiUrl,
      WebhookUrl: `${apiUrl}webhooks/{source}`,
      JobsUrl: `${apiUrl}jobs`,
      ApiKeyId: `\${${resource(template, 'AWS::ApiGateway::ApiKey', 'ApiRestApiJobsKey').id}}`,
      EventsQueueUrl: `\${${resource(template, 'AWS::SQS::Queue', 'QueueingEventsQueue').id}}`,
      EventsDeadLetterQueueUrl: `\${${resource(template, 'AWS::SQS::Queue', 'QueueingEventsDeadLetterQueue').id}}`,
      JobsDeadLetterQueueUrl: `\${${resource(template, 'AWS::SQS::Queue', 'QueueingJobsDeadLetterQueue').id}}`,
      TableName: `\${${resource(template, 'AWS::DynamoDB::Table', 'StateTable').id}}`,
      ArchiveBucketName: `\${${resource(template, 'AWS::S3::Bucket', 'ArchiveBucket').id}}`,
      ArchiveStreamName: `\${${resource(template, 'AWS::KinesisFirehose::DeliveryStream', 'ArchiveStream').id}}`,
      // What `sha256sum hookway.json` prints, and `hookway config check` too.
      ConfigDigest: `sha256:${createHash('sha256').update(fs.readFileSync(path.join(ROOT, 'hookway.json'))).digest('hex')}`,
      WorkerFunctionName: `\${${resource(template, 'AWS::Lambda::Function', 'WorkerLambdaFunction').id}}`,
      DashboardUrl: `https://\${AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=\${AWS::Region}#dashboards:name=\${${
        resource(template, 'AWS::CloudWatch::Dashboard', 'MonitoringDashboard').id
      }}`,
    });
    for (const [id, output] of Object.entries(template.findOutputs('*'))) {
      expect({ id, description: output.Description }).toEqual({ id, description: expect.stringMatching(/\w+/) });
    }
  });

  test('give the Function URL when there is one', () => {
    const withUrl = synthesize({ config: configWith({ intake: { functionUrl: true } }) }).template;
    const url = resource(withUrl, 'AWS::Lambda::Url', 'IntakeLambdaFunctionFunctionUrl').id;
    expect(outputs(withUrl).IntakeFunctionUrl).toBe(`\${${url}.FunctionUrl}`);
  });

  test('name the stream only when there is one, and the digest of whatever file the stack was built from', () => {
    const batches = synthesize({ config: configWith({ archive: { writer: 'worker' } }) });
    expect(outputs(batches.template).ArchiveStreamName).toBeUndefined();
    expect(outputs(batches.template).ConfigDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(outputs(batches.template).ConfigDigest).not.toBe(values.ConfigDigest);
  });
});
