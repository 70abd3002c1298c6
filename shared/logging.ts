/**
 * The one Powertools Logger of a function, the decision log line, and event redaction.
 *
 * Rule: no token, cookie, API key, signature, secret or certificate PEM reaches a log line at any level.
 * The event is never logged as received: when event logging is on (`POWERTOOLS_LOGGER_LOG_EVENT=true`)
 * a redacted copy is logged instead (see {@link redactEvent}).
 *
 * @module
 */
import { Logger } from "@aws-lambda-powertools/logger";
import type { ReasonCode } from "./errors.ts";

/** The function's logger; `POWERTOOLS_SERVICE_NAME` and `POWERTOOLS_LOG_LEVEL` apply. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "lambda-authorizer" });

/** The fields of the single decision line each call writes. */
export interface DecisionLog {
  readonly eventKind: string;
  /** Route key or `METHOD /path`. */
  readonly route: string;
  readonly decision: "allow" | "deny" | "unauthenticated";
  readonly reason: ReasonCode;
  readonly principalId?: string | undefined;
  readonly iss?: string | undefined;
  readonly kid?: string | undefined;
  /** Provider that verified the credential (several-issuer functions). */
  readonly provider?: string | undefined;
  /** Library error class behind a failure (e.g. `JWTExpired`); never its message. */
  readonly errorName?: string | undefined;
  /** Claims left out of `context` for size. */
  readonly droppedClaims?: readonly string[] | undefined;
  /** Wall time of the call in milliseconds. */
  readonly durationMs: number;
}

/** Longest value of an attacker-controlled field (`iss`, `kid`) written to a log line. */
const MAX_LOGGED_CHARS = 128;

const clip = (value: string | undefined): string | undefined =>
  value === undefined || value.length <= MAX_LOGGED_CHARS ? value : `${value.slice(0, MAX_LOGGED_CHARS)}…`;

/** Write the call's decision line: one per call, `info` level. */
export function logDecision(fields: DecisionLog): void {
  const line: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    line[name] = typeof value === "string" ? clip(value) : value;
  }
  logger.info("authorizer decision", line);
}

/** Header names whose values are safe to log; every other header value is redacted. */
const SAFE_HEADERS = new Set([
  "accept", "accept-encoding", "accept-language", "content-length", "content-type", "host", "origin", "referer",
  "user-agent", "via", "x-amz-cf-id", "x-amzn-trace-id", "x-forwarded-for", "x-forwarded-port", "x-forwarded-proto",
  "cloudfront-forwarded-proto", "cloudfront-is-desktop-viewer", "cloudfront-is-mobile-viewer", "cloudfront-viewer-country",
  "connection", "upgrade", "sec-websocket-version", "sec-websocket-extensions",
]);
/** Top-level or nested fields whose whole value is a credential or certificate. */
const SECRET_FIELDS = new Set(["authorizationToken", "identitySource", "cookies", "clientCertPem", "apiKey"]);
const MAP_FIELDS = new Set(["queryStringParameters", "multiValueQueryStringParameters", "pathParameters"]);
const HEADER_FIELDS = new Set(["headers", "multiValueHeaders"]);
const REDACTED = "[redacted]";

/** Nesting kept in a logged event; deeper values become `[truncated]` (a deep event must not overflow the stack: a 500). */
const MAX_LOGGED_DEPTH = 32;

/**
 * A copy of `event` safe to log: credential fields, non-allow-listed header values, query and path
 * parameter values, cookies and certificate PEMs replaced by `[redacted]`; `rawQueryString` dropped;
 * values nested deeper than {@link MAX_LOGGED_DEPTH} replaced by `[truncated]`.
 */
export function redactEvent(event: unknown): unknown {
  return redactValue(event, undefined, 0);
}

function redactValue(value: unknown, field: string | undefined, depth: number): unknown {
  if (field !== undefined && SECRET_FIELDS.has(field)) return REDACTED;
  if (typeof value === "object" && value !== null && depth >= MAX_LOGGED_DEPTH) return "[truncated]";
  if (Array.isArray(value)) return value.map((item) => redactValue(item, undefined, depth + 1));
  if (typeof value !== "object" || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [name, inner] of Object.entries(value as Record<string, unknown>)) {
    if (name === "rawQueryString" || name === "rawPath") {
      copy[name] = name === "rawPath" ? inner : REDACTED;
    } else if (HEADER_FIELDS.has(name) && typeof inner === "object" && inner !== null) {
      copy[name] = Object.fromEntries(
        Object.entries(inner as Record<string, unknown>).map(([header, headerValue]) => [header, SAFE_HEADERS.has(header.toLowerCase()) ? headerValue : REDACTED]),
      );
    } else if (MAP_FIELDS.has(name) && typeof inner === "object" && inner !== null) {
      copy[name] = Object.fromEntries(Object.keys(inner as Record<string, unknown>).map((key) => [key, REDACTED]));
    } else {
      copy[name] = redactValue(inner, name, depth + 1);
    }
  }
  return copy;
}
