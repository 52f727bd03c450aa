import { Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { type CfnStage, HttpApi, HttpMethod, type HttpRoute, HttpStage, LogGroupLogDestination, PayloadFormatVersion } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ApiConfig, SourceConfig } from './config';

export interface WebhooksHttpApiProps {
  /** The default throttle of every source without its own. */
  readonly api: ApiConfig;
  /** The sources: two routes each, `POST` and `GET /webhooks/<name>`, with the source's own throttle. */
  readonly sources: readonly SourceConfig[];
  /** Serves the routes: verifies, queues, answers the handshakes. */
  readonly intake: IFunction;
  readonly logRetention: RetentionDays;
}

/** The methods each source's routes serve, as the REST API's resources do. */
const METHODS = [HttpMethod.POST, HttpMethod.GET] as const;

/**
 * `webhooks.endpoint: "http-api"`: `POST|GET /webhooks/{source}` from an API Gateway HTTP API, $1.00
 * a million requests where the REST API costs $3.50. Lambda proxy, payload 2.0, on the `$default`
 * stage (no stage in the URL). Each source is a route of its own with its own route throttle (its
 * `throttle`, else `api`'s), as each is a resource with a method throttle on the REST API; a source
 * that is not configured matches no route and is answered 404 by the HTTP API itself, no Lambda
 * invoked. Every request is written to an access log. An HTTP API serves HTTPS only. What it gives
 * up beside the REST API: WAF, usage plans and API keys, and the gateway's custom error bodies.
 */
export class WebhooksHttpApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  /** The stage's access logs. */
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: WebhooksHttpApiProps) {
    super(scope, id);

    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `${Stack.of(this).stackName}-webhooks`,
      description: 'Hookway: webhooks in (POST|GET /webhooks/{source})',
      // The stage below, with its throttles and access logs.
      createDefaultStage: false,
    });
    const intake = new HttpLambdaIntegration('Intake', props.intake, { payloadFormatVersion: PayloadFormatVersion.VERSION_2_0 });
    const routes: HttpRoute[] = [];
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    for (const source of props.sources) {
      const limits = source.throttle ?? { rate: props.api.throttlingRateLimit, burst: props.api.throttlingBurstLimit };
      for (const method of METHODS) {
        routes.push(...this.httpApi.addRoutes({ path: `/webhooks/${source.name}`, methods: [method], integration: intake }));
        routeSettings[`${method} /webhooks/${source.name}`] = { ThrottlingRateLimit: limits.rate, ThrottlingBurstLimit: limits.burst };
      }
    }

    this.stage = new HttpStage(this, 'Stage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      // Any route without a setting of its own (there is none): the API's default.
      throttle: { rateLimit: props.api.throttlingRateLimit, burstLimit: props.api.throttlingBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            httpMethod: '$context.httpMethod',
            routeKey: '$context.routeKey',
            path: '$context.path',
            protocol: '$context.protocol',
            status: '$context.status',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationStatus: '$context.integrationStatus',
            integrationLatency: '$context.integrationLatency',
            error: '$context.error.message',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    // Each source's own throttle: the L2 stage sets the default only. A route setting names a route
    // that must exist before the stage is updated.
    (this.stage.node.defaultChild as CfnStage).routeSettings = routeSettings;
    for (const route of routes) {
      this.stage.node.addDependency(route);
    }

    Validations.of(this.httpApi).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Webhook senders cannot use IAM, JWT or a Lambda authorizer; a webhook is authenticated by its signature, which ' +
        'the intake verifies with the source secret before anything is queued.',
    });
  }

  /** `https://{id}.execute-api.{region}.amazonaws.com`: the `$default` stage has no path of its own. */
  get url(): string {
    return this.httpApi.apiEndpoint;
  }
}
