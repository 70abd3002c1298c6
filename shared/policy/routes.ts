/**
 * Route keys, written the way API Gateway writes them, and the `execute-api` ARN pattern each covers.
 *
 * - REST and HTTP APIs: `METHOD /path`; `ANY` or `*` for every method; `{param}` one path segment,
 *   `{proxy+}` the rest of the path; `*` in the path any run of characters; `$default` (HTTP API) every route.
 * - WebSocket APIs: the route key itself (`$connect`, `$disconnect`, `$default`, `sendMessage`).
 *
 * IAM wildcards cannot say "one segment": `{param}` becomes `*`, which also matches deeper paths. The
 * decision step adds explicit Denys where such a wildcard would reach a route the caller may not call.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html
 * @module
 */
import { formatExecuteApiArn, type ExecuteApiArn } from "./arn.ts";
import { SEGMENT } from "./evaluate.ts";

/** HTTP methods a route key may name. */
const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY", "*"]);

/** A route key parsed: the IAM pattern of the part after `{stage}/`. */
export interface ParsedRoute {
  /** The route key as written. */
  readonly routeKey: string;
  /** `GET/orders/*`, `*` + `/admin/*`, `$connect`: what follows `{apiId}/{stage}/` in the ARN (IAM wildcards). */
  readonly pattern: string;
  /** The same, exactly: `{param}` and the method of `ANY` as {@link SEGMENT} (one segment), not `*`. */
  readonly exact: string;
}

/**
 * Parse a route key.
 * @returns the parsed route, or a string saying what is wrong with it.
 */
export function parseRouteKey(routeKey: string): ParsedRoute | string {
  const key = routeKey.trim();
  if (key === "$default") return { routeKey: key, pattern: "*", exact: "*" };
  const space = key.indexOf(" ");
  if (space === -1) {
    // A WebSocket route key: `$connect`, `$disconnect`, or a custom action name.
    return /^\$?[A-Za-z0-9_.:-]+$/.test(key) ? { routeKey: key, pattern: key, exact: key } : `"${routeKey}" is not a route key`;
  }
  const method = key.slice(0, space).toUpperCase();
  const path = key.slice(space + 1).trim();
  if (!METHODS.has(method)) return `"${routeKey}" has an unknown method ${method}`;
  if (path !== "*" && !path.startsWith("/")) return `"${routeKey}": the path must start with / (or be *)`;
  const segments = path === "*" ? ["*"] : path.split("/").slice(1);
  const patterned: string[] = [];
  const exact: string[] = [];
  for (const [index, segment] of segments.entries()) {
    if (/^\{[A-Za-z0-9_-]+\+\}$/.test(segment)) {
      if (index !== segments.length - 1) return `"${routeKey}": {proxy+} must be the last segment`;
      patterned.push("*");
      exact.push("?*");
    } else if (/^\{[A-Za-z0-9_-]+\}$/.test(segment)) {
      patterned.push("*");
      exact.push(SEGMENT);
    } else if (/^[A-Za-z0-9._~!$&'()+,;=:@%*-]*$/.test(segment)) {
      patterned.push(segment);
      exact.push(segment);
    } else {
      return `"${routeKey}": the path segment "${segment}" has characters a route cannot have`;
    }
  }
  const verb = method === "ANY" || method === "*" ? "*" : method;
  const pathPattern = path === "*" ? "*" : `/${patterned.join("/")}`;
  const exactPath = path === "*" ? "*" : `/${exact.join("/")}`;
  return { routeKey: key, pattern: `${verb}${pathPattern}`, exact: `${verb === "*" ? SEGMENT : verb}${exactPath}` };
}

/** The full ARN pattern of `route` on `arn`'s API and stage: `arn:...:{apiId}/{stage}/GET/orders/*`. */
export function routeResource(arn: ExecuteApiArn, route: ParsedRoute): string {
  return formatExecuteApiArn(arn, `${arn.stage}/${route.pattern}`);
}

/** The exact language of `route` on `arn`'s API and stage (with {@link SEGMENT}), for overlap checks only. */
export function routeLanguage(arn: ExecuteApiArn, route: ParsedRoute): string {
  return formatExecuteApiArn(arn, `${arn.stage}/${route.exact}`);
}
