/**
 * The authorizer events API Gateway sends, and the one shape every step after normalisation reads.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
 * @module
 */
import type { ExecuteApiArn } from "../policy/arn.ts";

/** Which event (and so which answer format) a call is. */
export const EventKind = {
  /** REST API TOKEN authorizer: `type: "TOKEN"`, `authorizationToken`, `methodArn`. */
  restToken: "rest-token",
  /** REST API REQUEST authorizer: `type: "REQUEST"`, `methodArn`, headers, `requestContext`. */
  restRequest: "rest-request",
  /** WebSocket `$connect` REQUEST authorizer: `requestContext.eventType: "CONNECT"`. */
  websocketConnect: "websocket-connect",
  /** HTTP API, payload format 1.0: like REST REQUEST plus `version: "1.0"`; answered with an IAM policy. */
  httpV1: "http-v1",
  /** HTTP API, payload format 2.0: `version: "2.0"`, `routeArn`, `identitySource` array. */
  httpV2: "http-v2",
} as const;

/** One of the {@link EventKind} values. */
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

/** The client certificate API Gateway passes after mutual TLS (`clientCert` in the request context). */
export interface ClientCertificate {
  readonly clientCertPem: string;
  readonly subjectDN?: string;
  readonly issuerDN?: string;
  readonly serialNumber?: string;
  readonly validity?: { readonly notBefore?: string; readonly notAfter?: string };
}

/**
 * Every event kind, normalised. Maps never are `null`; header names are lower-case; a header, query
 * parameter or cookie sent more than once with different values holds them joined by `", "` (RFC 9110
 * §5.3), which no credential parser accepts, so an ambiguous credential is refused rather than guessed.
 */
export interface AuthRequest {
  readonly kind: EventKind;
  /** The ARN the call is about, as received (`methodArn` or `routeArn`). */
  readonly resourceArn: string;
  /** {@link resourceArn}, parsed. */
  readonly arn: ExecuteApiArn;
  /** HTTP method (`GET`), or `""` on WebSocket. */
  readonly method: string;
  /** Request path without the stage (`/orders/123`); the route key on WebSocket (`$connect`). */
  readonly path: string;
  /** Route key where the event names one: `GET /orders/{id}`, `$connect`, `$default`. */
  readonly routeKey: string | undefined;
  /** `authorizationToken` of a TOKEN event, as received. */
  readonly authorizationToken: string | undefined;
  /** Lower-case header name → value. */
  readonly headers: Readonly<Record<string, string>>;
  /** Query parameter name → value. */
  readonly query: Readonly<Record<string, string>>;
  /** Cookie name → value. */
  readonly cookies: Readonly<Record<string, string>>;
  /** The identity source values API Gateway resolved (`identitySource`), as an array. */
  readonly identitySource: readonly string[];
  readonly sourceIp: string | undefined;
  /** VPC endpoint the request came through (private APIs): `requestContext.identity.vpceId` or `x-amzn-vpce-id`. */
  readonly vpceId: string | undefined;
  readonly clientCert: ClientCertificate | undefined;
}

/** `${method} ${path}` or the route key: how logs and rules name the call's route. */
export function routeOf(req: AuthRequest): string {
  return req.routeKey ?? (req.method === "" ? req.path : `${req.method} ${req.path}`);
}
