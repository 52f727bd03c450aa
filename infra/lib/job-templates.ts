/**
 * The mapping templates of `POST /jobs`, the API's one non-proxy integration.
 *
 * The API treats every media type as binary, so that the intake receives each webhook's bytes
 * exactly as sent. API Gateway therefore sees every `POST /jobs` body as binary too, and a mapping
 * template cannot read a binary body as JSON: `$input.json()` and `$input.path()` do not work. So
 * the integration converts the body to text (contentHandling CONVERT_TO_TEXT), which for a binary
 * payload API Gateway does by base64-encoding it, and the template "can only access the
 * Base64-encoded string through `$input.body`" (AWS, "Content type conversions in API Gateway"):
 * it decodes it with `$util.base64Decode` and inserts the JSON as it is. That is safe because the
 * request validator has already held the body to the job model: one JSON object, before the
 * integration runs. (Were it ever not, a body that is not one JSON value would make an event that
 * Lambda refuses or the worker rejects; the real `params` and `context` follow it and cannot be
 * replaced.) Every other value goes through `$util.escapeJavaScript`.
 *
 * Otherwise this is the console's "method request passthrough" template (the shape of
 * fixtures/apigw-async-job-event.json, which the worker parses), with three changes that keep the
 * event valid JSON and free of the caller's credential:
 * - `escapeJavaScript` escapes `'` as `\'`, which is not JSON; as AWS documents, `.replaceAll` undoes it;
 * - only the headers of {@link JOB_HEADERS} are kept: never `x-api-key` (`api-key` carries the key's
 *   id, never the key itself), `Authorization` or `Cookie`, which would otherwise sit in the event,
 *   in the worker's logs and, for a job that fails, in the jobs dead-letter queue;
 * - the caller's User-Agent is escaped like any other header.
 */
/**
 * The request headers a job event keeps, lowercase: what says where the request came from and what
 * it carries, nothing that authenticates it. The local gateway keeps the same
 * (`hookway_core::job::KEPT_HEADERS`).
 */
export const JOB_HEADERS = [
  'accept',
  'cloudfront-forwarded-proto',
  'cloudfront-viewer-country',
  'content-type',
  'host',
  'idempotency-key',
  'user-agent',
  'x-amzn-trace-id',
  'x-forwarded-for',
  'x-forwarded-port',
  'x-forwarded-proto',
  'x-request-id',
] as const;

const KEPT = `[${JOB_HEADERS.map((name) => `"${name}"`).join(', ')}]`;

export const JOB_REQUEST_TEMPLATE = String.raw`#set($allParams = $input.params())
#set($keptHeaders = ${KEPT})
{
"bodyJson" : $util.base64Decode($input.body),
"params" : {
#foreach($type in $allParams.keySet())
    #set($params = $allParams.get($type))
"$type" : {
    #set($separator = "")
    #foreach($paramName in $params.keySet())
    #set($kept = false)
    #if($type != "header")#set($kept = true)#end
    #foreach($keptHeader in $keptHeaders)#if($paramName.toLowerCase() == $keptHeader)#set($kept = true)#end#end
    #if($kept)
    $separator"$paramName" : "$util.escapeJavaScript($params.get($paramName)).replaceAll("\\'","'")"
    #set($separator = ",")
    #end
    #end
}
    #if($foreach.hasNext),#end
#end
},
"stage-variables" : {
#foreach($key in $stageVariables.keySet())
"$key" : "$util.escapeJavaScript($stageVariables.get($key)).replaceAll("\\'","'")"
    #if($foreach.hasNext),#end
#end
},
"context" : {
    "account-id" : "$context.identity.accountId",
    "api-id" : "$context.apiId",
    "api-key" : "$context.identity.apiKeyId",
    "authorizer-principal-id" : "$context.authorizer.principalId",
    "caller" : "$context.identity.caller",
    "cognito-authentication-provider" : "$context.identity.cognitoAuthenticationProvider",
    "cognito-authentication-type" : "$context.identity.cognitoAuthenticationType",
    "cognito-identity-id" : "$context.identity.cognitoIdentityId",
    "cognito-identity-pool-id" : "$context.identity.cognitoIdentityPoolId",
    "http-method" : "$context.httpMethod",
    "stage" : "$context.stage",
    "source-ip" : "$context.identity.sourceIp",
    "user" : "$context.identity.user",
    "user-agent" : "$util.escapeJavaScript($context.identity.userAgent).replaceAll("\\'","'")",
    "user-arn" : "$context.identity.userArn",
    "request-id" : "$context.requestId",
    "resource-id" : "$context.resourceId",
    "resource-path" : "$context.resourcePath"
    }
}
`;

/** The body of the `202` answer: the job's id is the API request's id, which the worker also sees. */
export const JOB_ACCEPTED_TEMPLATE = '{"jobId": "$context.requestId", "status": "ACCEPTED"}';
