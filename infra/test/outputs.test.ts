import type { Template } from 'aws-cdk-lib/assertions';
import { configWith, resource, synthesize } from './support';

/** An output's value with its references written `${LogicalId}`, the way Fn::Sub would. */
function outputs(template: Template): Record<string, string> {
  const text = (value: any): string => {
    if (typeof value === 'string') return value;
    if (value.Ref) return `\${${value.Ref}}`;
    if (value['Fn::GetAtt']) return `\${${value['Fn::GetAtt'].join('.')}}`;
    if (value['Fn::Join']) return value['Fn::Join'][1].map(text).join(value['Fn::Join'][0]);
    throw new Error(`unexpected ${JSON.stringify(value)}`);
  };
  return Object.fromEntries(Object.entries(template.findOutputs('*')).map(([id, output]) => [id, text(output.Value)]));
}

describe('the outputs', () => {
  const { template } = synthesize();
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
});
