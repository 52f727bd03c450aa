import { Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  HttpApi,
  HttpIntegrationType,
  HttpMethod,
  type HttpRoute,
  HttpRouteIntegration,
  type HttpRouteIntegrationConfig,
  HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ApiConfig, SourceConfig } from './config';
import { stackScopedName } from './names';

export interface WebhooksHttpApiProps {
  /** The default throttle of every source without its own. */
  readonly api: ApiConfig;
  /** The sources: those with a throttle of their own get routes of their own, `POST` and `GET /webhooks/<name>`. */
  readonly sources: readonly SourceConfig[];
  /** Serves the routes: verifies, queues, answers the handshakes. */
  readonly intake: IFunction;
  readonly logRetention: RetentionDays;
}

/** The methods each route serves, as the REST API's resources do. */
const METHODS = [HttpMethod.POST, HttpMethod.GET] as const;

/**
 * The intake as the routes' proxy integration, payload 2.0, without the permission per route that
 * HttpLambdaIntegration adds: the API holds one for all of them.
 */
class IntakeIntegration extends HttpRouteIntegration {
  constructor(private readonly intake: IFunction) {
    super('Intake');
  }

  bind(): HttpRouteIntegrationConfig {
    return { type: HttpIntegrationType.AWS_PROXY, uri: this.intake.functionArn, payloadFormatVersion: PayloadFormatVersion.VERSION_2_0 };
  }
}

/**
 * `webhooks.endpoint: "http-api"`: `POST|GET /webhooks/{source}` from an API Gateway HTTP API, $1.00
 * a million requests where the REST API costs $3.50. Lambda proxy, payload 2.0, on the `$default`
 * stage (no stage in the URL). `/webhooks/{source}` serves every source at the stage's default
 * throttle (`api`'s); a source with a throttle of its own has routes of its own with it as their
 * route throttle (the HTTP API prefers `/webhooks/github` to `/webhooks/{source}`), as on the REST
 * API. A source that is not configured is answered 404 by the intake. Every request is written to
 * an access log. An HTTP API serves HTTPS only. What it gives up beside the REST API: WAF, usage
 * plans and API keys, and the gateway's custom error bodies.
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
      apiName: stackScopedName(this, 'webhooks', 128),
      description: 'Hookway: webhooks in (POST|GET /webhooks/{source})',
      // The stage below, with its throttles and access logs.
      createDefaultStage: false,
    });
    const intake = new IntakeIntegration(props.intake);
    const routes: HttpRoute[] = [];
    for (const method of METHODS) {
      routes.push(...this.httpApi.addRoutes({ path: '/webhooks/{source}', methods: [method], integration: intake }));
    }
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    for (const source of props.sources) {
      if (!source.throttle) {
        continue;
      }
      for (const method of METHODS) {
        routes.push(...this.httpApi.addRoutes({ path: `/webhooks/${source.name}`, methods: [method], integration: intake }));
        routeSettings[`${method} /webhooks/${source.name}`] = { ThrottlingRateLimit: source.throttle.rate, ThrottlingBurstLimit: source.throttle.burst };
      }
    }
    props.intake.addPermission('WebhooksPermission', {
      scope: this,
      principal: new ServicePrincipal('apigateway.amazonaws.com'),
      sourceArn: Stack.of(this).formatArn({ service: 'execute-api', resource: this.httpApi.apiId, resourceName: '*/*/webhooks/*' }),
    });

    this.stage = new HttpStage(this, 'Stage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      // `/webhooks/{source}`, and any route without a setting of its own: the API's default.
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
    // The throttled sources' own throttles: the L2 stage sets the default only. A route setting
    // names a route that must exist before the stage is updated.
    if (Object.keys(routeSettings).length > 0) {
      (this.stage.node.defaultChild as CfnStage).routeSettings = routeSettings;
    }
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
