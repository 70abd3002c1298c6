/**
 * Parse and format `execute-api` ARNs: the `methodArn` of REST / WebSocket / HTTP API 1.0 events and
 * the `routeArn` of HTTP API 2.0 events.
 *
 * Shape: `arn:{partition}:execute-api:{region}:{accountId}:{apiId}/{stage}/{route}` where `route` is
 * `{HTTP verb}/{resource path}` on REST and HTTP APIs (`GET/orders/123`) and the route key on WebSocket
 * APIs (`$connect`). The partition is kept as received (`aws`, `aws-cn`, `aws-us-gov`, ...).
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html
 * @module
 */

/** The parts of an `execute-api` ARN. */
export interface ExecuteApiArn {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly apiId: string;
  /** Stage name, `$default`, or `*` (console test invocations). */
  readonly stage: string;
  /** Everything after the stage, without the leading slash: `GET/orders/123`, `$connect`, or `""`. */
  readonly route: string;
}

const ARN = /^arn:(aws(?:-[a-z]+)*):execute-api:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):([A-Za-z0-9]+)\/([^/]+)(?:\/(.*))?$/;

/** Parse an `execute-api` ARN; `undefined` when it is not one. */
export function parseExecuteApiArn(arn: string): ExecuteApiArn | undefined {
  const match = ARN.exec(arn);
  if (match === null) return undefined;
  const [, partition = "", region = "", accountId = "", apiId = "", stage = "", route = ""] = match;
  return { partition, region, accountId, apiId, stage, route };
}

/** `arn:{partition}:execute-api:{region}:{accountId}:{apiId}/{path}` for the API of `arn`. */
export function formatExecuteApiArn(arn: ExecuteApiArn, path: string): string {
  return `arn:${arn.partition}:execute-api:${arn.region}:${arn.accountId}:${arn.apiId}/${path}`;
}

/** Every route of every method of `arn`'s API on `arn`'s stage: `.../{apiId}/{stage}/*`. */
export function wholeStageResource(arn: ExecuteApiArn): string {
  return formatExecuteApiArn(arn, `${arn.stage}/*`);
}

/** Every stage and route of `arn`'s API: `.../{apiId}/*`. */
export function wholeApiResource(arn: ExecuteApiArn): string {
  return formatExecuteApiArn(arn, "*");
}
