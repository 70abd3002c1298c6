/**
 * Every authorizer event kind → one {@link AuthRequest}.
 *
 * Accepts what API Gateway really sends: header names in any case (and one header twice in different
 * case), `null` or missing maps, `multiValueHeaders` / `multiValueQueryStringParameters`, ARNs with a `*`
 * or `$default` stage and `{proxy+}` resources, `identitySource` as a string (1.0) or an array (2.0), and
 * client certificates under `requestContext.identity.clientCert` (REST, 1.0) or
 * `requestContext.authentication.clientCert` (2.0).
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
 * @module
 */
import { AuthenticationError, ReasonCode } from "../errors.ts";
import { parseExecuteApiArn } from "../policy/arn.ts";
import { EventKind, type AuthRequest, type ClientCertificate } from "./types.ts";

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const stringOr = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const objectOr = (value: unknown): Json => (isObject(value) ? value : {});

function malformed(what: string): AuthenticationError {
  return new AuthenticationError(ReasonCode.malformedEvent, `not an API Gateway authorizer event: ${what}`);
}

/** Which kind `event` is, from the fields API Gateway documents for each. */
function kindOf(event: Json): EventKind {
  if (event.version === "2.0") return EventKind.httpV2;
  if (event.version === "1.0") return EventKind.httpV1;
  if (event.type === "TOKEN") return EventKind.restToken;
  if (event.type === "REQUEST") {
    const context = objectOr(event.requestContext);
    return context.eventType === "CONNECT" ? EventKind.websocketConnect : EventKind.restRequest;
  }
  throw malformed("unknown type/version");
}

/**
 * Merge single- and multi-value maps into name → value, names optionally lower-cased. Values for one
 * name are de-duplicated and, when they differ, joined with `", "` (RFC 9110 §5.3).
 */
function mergeMaps(single: unknown, multi: unknown, lowerCase: boolean): Record<string, string> {
  const values = new Map<string, string[]>();
  const add = (rawName: string, value: unknown): void => {
    if (typeof value !== "string") return;
    const name = lowerCase ? rawName.toLowerCase() : rawName;
    const list = values.get(name);
    if (list === undefined) values.set(name, [value]);
    else if (!list.includes(value)) list.push(value);
  };
  for (const [name, list] of Object.entries(objectOr(multi))) {
    if (Array.isArray(list)) for (const value of list) add(name, value);
  }
  for (const [name, value] of Object.entries(objectOr(single))) add(name, value);
  const merged: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, list] of values) merged[name] = list.join(", ");
  return merged;
}

/** Cookies from HTTP API 2.0's `cookies` array, or from `Cookie` headers (RFC 6265 §5.4). */
function parseCookies(cookieList: unknown, cookieHeader: string | undefined): Record<string, string> {
  const pairs = Array.isArray(cookieList)
    ? cookieList.filter((item): item is string => typeof item === "string")
    : (cookieHeader ?? "").split(/;|, (?=[^;=]+=)/);
  const cookies = new Map<string, string[]>();
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    const name = at === -1 ? "" : pair.slice(0, at).trim();
    if (name === "") continue;
    const value = pair.slice(at + 1).trim();
    const list = cookies.get(name);
    if (list === undefined) cookies.set(name, [value]);
    else if (!list.includes(value)) list.push(value);
  }
  const merged: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, list] of cookies) merged[name] = list.join(", ");
  return merged;
}

function clientCertOf(value: unknown): ClientCertificate | undefined {
  if (!isObject(value) || typeof value.clientCertPem !== "string") return undefined;
  return value as unknown as ClientCertificate;
}

/**
 * Normalise any API Gateway authorizer event.
 *
 * @throws {AuthenticationError} reason `malformed_event` when `event` is not an authorizer event this
 *   project reads (no usable `methodArn` / `routeArn`, unknown type); the caller answers 401.
 */
export function toAuthRequest(event: unknown): AuthRequest {
  if (!isObject(event)) throw malformed("not an object");
  const kind = kindOf(event);
  const resourceArn = stringOr(kind === EventKind.httpV2 ? event.routeArn : event.methodArn);
  if (resourceArn === undefined) throw malformed(kind === EventKind.httpV2 ? "no routeArn" : "no methodArn");
  const arn = parseExecuteApiArn(resourceArn);
  if (arn === undefined) throw malformed("the ARN is not an execute-api ARN");

  const context = objectOr(event.requestContext);
  const headers = mergeMaps(event.headers, event.multiValueHeaders, true);
  const query = mergeMaps(event.queryStringParameters, event.multiValueQueryStringParameters, false);
  const identitySource = Array.isArray(event.identitySource)
    ? event.identitySource.filter((item): item is string => typeof item === "string")
    : typeof event.identitySource === "string" ? [event.identitySource] : [];

  const slash = arn.route.indexOf("/");
  const websocket = kind === EventKind.websocketConnect;
  const method = websocket ? "" : slash === -1 ? arn.route : arn.route.slice(0, slash);
  const path = websocket ? arn.route : slash === -1 ? "/" : arn.route.slice(slash);
  const identity = objectOr(context.identity);
  const http = objectOr(context.http);

  let routeKey: string | undefined;
  if (kind === EventKind.httpV2 || kind === EventKind.websocketConnect) routeKey = stringOr(event.routeKey) ?? stringOr(context.routeKey);
  else if (kind === EventKind.httpV1) routeKey = stringOr(context.routeKey);
  if (routeKey === undefined && kind !== EventKind.restToken) {
    const resource = stringOr(event.resource) ?? stringOr(context.resourcePath);
    const httpMethod = stringOr(event.httpMethod) ?? stringOr(context.httpMethod);
    if (resource !== undefined && httpMethod !== undefined) routeKey = `${httpMethod} ${resource}`;
  }

  return {
    kind,
    resourceArn,
    arn,
    method,
    path,
    routeKey,
    authorizationToken: kind === EventKind.restToken ? stringOr(event.authorizationToken) : undefined,
    headers,
    query,
    cookies: parseCookies(event.cookies, headers.cookie),
    identitySource,
    sourceIp: stringOr(http.sourceIp) ?? stringOr(identity.sourceIp),
    vpceId: stringOr(identity.vpceId) ?? headers["x-amzn-vpce-id"],
    clientCert: clientCertOf(objectOr(context.authentication).clientCert) ?? clientCertOf(identity.clientCert),
  };
}
