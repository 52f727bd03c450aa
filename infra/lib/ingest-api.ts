import { Stack, Validations } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  AwsIntegration,
  ContentHandling,
  EndpointType,
  type IApiKey,
  JsonSchemaType,
  JsonSchemaVersion,
  LambdaIntegration,
  LogGroupLogDestination,
  type MethodDeploymentOptions,
  MethodLoggingLevel,
  Period,
  ResponseType,
  PassthroughBehavior,
  type Resource,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import type { ApiConfig, JobsConfig, SourceConfig, ThrottleConfig, WebhooksConfig } from './config';
import { JOB_ACCEPTED_TEMPLATE, JOB_REQUEST_TEMPLATE } from './job-templates';
import { stackScopedName } from './names';

export interface IngestApiProps {
  readonly api: ApiConfig;
  /** The sources: those with a throttle of their own get a resource of their own, `/webhooks/<name>` (REST endpoint only). */
  readonly sources: readonly SourceConfig[];
  /** The jobs' usage plan throttle and quota, and POST /jobs's own throttle. */
  readonly jobs: JobsConfig;
  /** The webhooks' endpoint (their routes are here when it is `rest`) and the optional WAF web ACL. */
  readonly webhooks: WebhooksConfig;
  /** Serves `POST|GET /webhooks/{source}` and `GET /jobs/{id}`. */
  readonly intake: IFunction;
  /** Runs the jobs of `POST /jobs`, invoked asynchronously. */
  readonly worker: IFunction;
  readonly logRetention: RetentionDays;
  /** Active AWS X-Ray tracing of the stage. */
  readonly tracing: boolean;
}

/**
 * The REST API: `POST /webhooks/{source}` for the senders (and `GET`, for the handshakes of Meta and
 * Dropbox) when `webhooks.endpoint` is `rest`, and always `POST /jobs` and `GET /jobs/{id}`, behind
 * an API key, for the clients that submit jobs.
 */
export class IngestApi extends Construct {
  readonly restApi: RestApi;
  /** The key `POST /jobs` and `GET /jobs/{id}` require in `x-api-key`; its value stays in API Gateway. */
  readonly apiKey: IApiKey;
  /** The stage's access logs. */
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: IngestApiProps) {
    super(scope, id);

    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    // Each source its own throttle (a flood to one never starves another's real deliveries), and
    // POST /jobs its own: the cap on the worker's job invocations, whoever holds a key.
    const throttle = (limits: ThrottleConfig): MethodDeploymentOptions => ({
      throttlingRateLimit: limits.rate,
      throttlingBurstLimit: limits.burst,
    });
    const methodOptions: Record<string, MethodDeploymentOptions> = { '/jobs/POST': throttle(props.jobs.throttle) };
    // The webhooks' routes are here with `webhooks.endpoint: "rest"` only; `/jobs` is here always.
    const rest = props.webhooks.endpoint === 'rest';
    // A source with a throttle of its own has a resource of its own: a method throttle applies to a
    // resource, and API Gateway prefers `/webhooks/github` to `/webhooks/{source}`. Every other
    // source is served by `/webhooks/{source}`, whose methods have the stage's default throttle.
    const throttled = rest ? props.sources.filter((source) => source.throttle !== undefined) : [];
    for (const source of throttled) {
      const limits = throttle(source.throttle!);
      methodOptions[`/webhooks/${source.name}/POST`] = limits;
      methodOptions[`/webhooks/${source.name}/GET`] = limits;
    }
    this.accessLogs = accessLogs;
    this.restApi = new RestApi(this, 'RestApi', {
      restApiName: Stack.of(this).stackName,
      description: 'Hookway: webhooks in, asynchronous jobs in',
      endpointTypes: [EndpointType.REGIONAL],
      // Every body is binary: the intake receives it base64-encoded and so byte for byte as sent,
      // whatever its content type or charset, and a signature over it verifies. (A text body would be
      // decoded as UTF-8 on the way.) See job-templates.ts for what this means for POST /jobs.
      binaryMediaTypes: ['*/*'],
      // Execution logging needs the account's API Gateway CloudWatch role.
      cloudWatchRole: true,
      deployOptions: {
        stageName: props.api.stageName,
        throttlingRateLimit: props.api.throttlingRateLimit,
        throttlingBurstLimit: props.api.throttlingBurstLimit,
        methodOptions,
        // Errors only, and never bodies: they are the senders' data.
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        tracingEnabled: props.tracing,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.custom(
          JSON.stringify({
            requestId: AccessLogField.contextRequestId(),
            requestTime: AccessLogField.contextRequestTime(),
            ip: AccessLogField.contextIdentitySourceIp(),
            httpMethod: AccessLogField.contextHttpMethod(),
            resourcePath: AccessLogField.contextResourcePath(),
            path: AccessLogField.contextPath(),
            protocol: AccessLogField.contextProtocol(),
            status: AccessLogField.contextStatus(),
            responseLength: AccessLogField.contextResponseLength(),
            responseLatency: AccessLogField.contextResponseLatency(),
            integrationStatus: AccessLogField.contextIntegrationStatus(),
            integrationLatency: AccessLogField.contextIntegrationLatency(),
            apiKeyId: AccessLogField.contextIdentityApiKeyId(),
            errorType: AccessLogField.contextErrorResponseType(),
            error: AccessLogField.contextErrorMessage(),
          }),
        ),
      },
    });

    // The stack outputs this URL, with the others, as ApiUrl.
    this.restApi.node.tryRemoveChild('Endpoint');

    const intake = new LambdaIntegration(props.intake, { allowTestInvoke: false });
    if (rest) {
      this.addWebhooks(props.intake, throttled);
    }
    // API Gateway's answer to a path it has no resource for, "Missing Authentication Token" (403),
    // made a 404 as the intake's.
    this.restApi.addGatewayResponse('NoSuchResource', {
      type: ResponseType.MISSING_AUTHENTICATION_TOKEN,
      statusCode: '404',
      templates: { 'application/json': '{"error": "not found"}' },
    });

    const jobs = this.restApi.root.addResource('jobs');
    this.addSubmitJob(jobs, props.worker);
    jobs.addResource('{id}').addMethod('GET', intake, { apiKeyRequired: true });

    this.apiKey = this.restApi.addApiKey('JobsKey', { description: 'Hookway: POST /jobs and GET /jobs/{id}' });
    this.restApi
      .addUsagePlan('JobsPlan', {
        description: 'Hookway: the clients of POST /jobs and GET /jobs/{id}',
        apiStages: [{ api: this.restApi, stage: this.restApi.deploymentStage }],
        throttle: { rateLimit: props.jobs.throttle.rate, burstLimit: props.jobs.throttle.burst },
        quota: { limit: props.jobs.quota.limit, period: Period[props.jobs.quota.period] },
      })
      .addApiKey(this.apiKey);

    if (props.webhooks.waf) {
      this.addWaf(props.webhooks.waf.ratePer5Minutes);
    }

    Validations.of(this.restApi).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          "API Gateway's account-wide logging role, which execution logging needs, with the managed policy AWS " +
          'publishes for exactly that role.',
      },
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'A WAF web ACL only with webhooks.waf (it costs about $6 a month): each source is throttled on its own, ' +
          'POST /jobs and GET /jobs/{id} need an API key, the intake has reserved concurrency and rejects every ' +
          'webhook whose signature does not verify before anything is queued.',
      },
      {
        id: 'AwsSolutions-APIG4',
        reason:
          'Webhook senders cannot use IAM or Cognito; a webhook is authenticated by its signature, which the intake ' +
          'verifies with the source secret. POST /jobs and GET /jobs/{id} are authenticated by their API key.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason: 'No Cognito users: webhooks are authenticated by their signature, jobs by their API key (see APIG4).',
      },
    );
  }

  /**
   * `POST|GET /webhooks/{source}`, and `/webhooks/<name>` for each source with its own throttle, all
   * proxied to the intake, which answers a source that is not configured with 404. Meta and
   * Dropbox check an endpoint with a GET before their first event; the intake answers it for those
   * providers alone (405 for the others) and never queues it. One permission lets API Gateway
   * invoke the intake through any of them, instead of one per method: a function's resource-based
   * policy holds 20 KB.
   */
  private addWebhooks(intake: IFunction, throttled: readonly SourceConfig[]): void {
    // The proxy integration without LambdaIntegration's permission per method.
    const integration = new AwsIntegration({ proxy: true, service: 'lambda', path: `2015-03-31/functions/${intake.functionArn}/invocations` });
    const webhooks = this.restApi.root.addResource('webhooks');
    for (const resource of [webhooks.addResource('{source}'), ...throttled.map((source) => webhooks.addResource(source.name))]) {
      resource.addMethod('POST', integration);
      resource.addMethod('GET', integration);
    }
    intake.addPermission('WebhooksPermission', {
      scope: this,
      principal: new ServicePrincipal('apigateway.amazonaws.com'),
      sourceArn: this.restApi.arnForExecuteApi('*', '/webhooks/*', this.restApi.deploymentStage.stageName),
    });
  }

  /** A web ACL on the stage: any one address may make `ratePer5Minutes` requests in 5 minutes, then 403. */
  private addWaf(ratePer5Minutes: number): void {
    const visibility = (metricName: string) => ({ cloudWatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true });
    const acl = new CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      description: 'Hookway: a per-address rate limit in front of the API',
      defaultAction: { allow: {} },
      // WAF's metric names are the account's: the stack's name keeps each stack's apart.
      visibilityConfig: visibility(stackScopedName(this, 'Api', 128, '')),
      rules: [
        {
          name: 'RatePerAddress',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { aggregateKeyType: 'IP', limit: ratePer5Minutes } },
          visibilityConfig: visibility(stackScopedName(this, 'RatePerAddress', 128, '')),
        },
      ],
    });
    new CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.restApi.deploymentStage.stageArn,
      webAclArn: acl.attrArn,
    });
  }

  /**
   * `POST /jobs` → the worker, asynchronously (`X-Amz-Invocation-Type: Event`), answered `202` at
   * once with the job's id: API Gateway alone would cut a synchronous request at 29 s.
   */
  private addSubmitJob(jobs: Resource, worker: IFunction): void {
    const validator = this.restApi.addRequestValidator('JobValidator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const job = this.restApi.addModel('Job', {
      contentType: 'application/json',
      description: 'A job: its type, which routes it to a handler, and any JSON payload',
      schema: {
        schema: JsonSchemaVersion.DRAFT4,
        title: 'Job',
        type: JsonSchemaType.OBJECT,
        properties: {
          type: { type: JsonSchemaType.STRING, minLength: 1 },
          payload: {},
        },
        required: ['type'],
        additionalProperties: false,
      },
    });
    const integration = new LambdaIntegration(worker, {
      proxy: false,
      allowTestInvoke: false,
      requestParameters: { 'integration.request.header.X-Amz-Invocation-Type': "'Event'" },
      // The body reaches the template base64-encoded (see job-templates.ts). Only JSON has a
      // template; any other content type is refused (415) rather than passed to the worker raw.
      contentHandling: ContentHandling.CONVERT_TO_TEXT,
      passthroughBehavior: PassthroughBehavior.NEVER,
      requestTemplates: { 'application/json': JOB_REQUEST_TEMPLATE },
      integrationResponses: [
        {
          statusCode: '202',
          // The answer is text: with every media type binary, API Gateway would otherwise base64-
          // decode it for any client whose Accept header matches (*/*, as curl sends).
          contentHandling: ContentHandling.CONVERT_TO_TEXT,
          responseTemplates: { 'application/json': JOB_ACCEPTED_TEMPLATE },
        },
      ],
    });
    jobs.addMethod('POST', integration, {
      apiKeyRequired: true,
      requestValidator: validator,
      // The model applies whatever the content type says (`$default`), so no body skips validation.
      requestModels: { $default: job },
      requestParameters: { 'method.request.header.Content-Type': true },
      methodResponses: [{ statusCode: '202' }],
    });
  }
}
