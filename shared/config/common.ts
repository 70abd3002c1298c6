/**
 * Settings every token scheme shares: `TOKEN_SOURCES`, `REQUIRED_SCOPES`, `ROUTE_RULES` /
 * `ROUTE_RULES_FILE`, `PRINCIPAL_CLAIM`, `CONTEXT_CLAIMS`, `HTTP_API_RESPONSE`,
 * `HTTP_API_UNAUTHENTICATED`, `CLOCK_TOLERANCE_SECONDS`.
 *
 * @module
 */
import { parseTokenSources, type TokenSource } from "../events/credentials.ts";
import type { ResponseOptions } from "../respond.ts";
import { parseRange, toBlockList, type NetworkPolicy, type Range } from "../network.ts";
import type { RouteRuleSet } from "../rules.ts";
import type { EnvReader } from "./env.ts";
import { readRouteRules } from "./rules.ts";

/** JWS algorithms a public-key verifier may be configured with (RFC 7518 §3.1, RFC 8037). `none` and HMAC never. */
export const ASYMMETRIC_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"] as const;

/** The shared settings, parsed. */
export interface CommonConfig {
  /** Where REQUEST events carry the credential, in order. Default `header:Authorization`. */
  readonly tokenSources: readonly TokenSource[];
  /** Scopes every call must hold (space-separated `REQUIRED_SCOPES`). Default none. */
  readonly requiredScopes: readonly string[];
  /** Seconds allowed past `exp` and before `nbf` (RFC 7519 §4.1.4-5). Integer 0-300, default 0. */
  readonly clockToleranceSeconds: number;
  /** Per-route rules; `undefined` when neither `ROUTE_RULES` nor `ROUTE_RULES_FILE` is set. */
  readonly routeRules: RouteRuleSet | undefined;
  /** Claim used as `principalId` (`PRINCIPAL_CLAIM`); `undefined`: the scheme's default (`sub`, else `client_id`). */
  readonly principalClaim: string | undefined;
  /** `ALLOWED_SOURCE_IPS`, `DENIED_SOURCE_IPS`, `ALLOWED_VPC_ENDPOINTS`. */
  readonly network: NetworkPolicy;
  readonly response: ResponseOptions;
}

/** One CIDR list variable; every bad entry recorded. */
function readRanges(env: EnvReader, name: string): Range[] {
  const ranges: Range[] = [];
  for (const entry of env.list(name, { fix: "list IPv4 or IPv6 addresses or CIDR ranges, comma-separated" })) {
    const range = parseRange(entry);
    if (typeof range === "string") env.problem(name, `has ${range}`, "use addresses or CIDR ranges such as 203.0.113.0/24 or 2001:db8::/32");
    else ranges.push(range);
  }
  return ranges;
}

/** `CONTEXT_CLAIMS` entries: `claim` or `name=claim` (a rename), comma-separated. */
function parseContextClaims(env: EnvReader): { name: string; claim: string }[] | undefined {
  if (env.raw("CONTEXT_CLAIMS") === undefined) return undefined;
  const entries = env.list("CONTEXT_CLAIMS", { fix: "list claims, or name=claim to rename, comma-separated" });
  return entries.map((entry) => {
    const at = entry.indexOf("=");
    const name = at === -1 ? entry : entry.slice(0, at).trim();
    const claim = at === -1 ? entry : entry.slice(at + 1).trim();
    if (name === "" || claim === "") env.problem("CONTEXT_CLAIMS", `has "${entry}"`, "write claim or name=claim");
    return { name, claim };
  });
}

/** Scheme-specific defaults of {@link readCommonConfig}. */
export interface CommonDefaults {
  /** `TOKEN_SOURCES` when unset, in its own syntax. Default `["header:Authorization"]`; the API key scheme uses `["header:x-api-key"]`. */
  readonly tokenSources?: readonly string[];
}

/** Read the shared settings; problems are recorded on `env` (thrown by `env.finish()`). */
export function readCommonConfig(env: EnvReader, defaults: CommonDefaults = {}): CommonConfig {
  const defaultSources = defaults.tokenSources ?? ["header:Authorization"];
  const sourceSpec = env.list("TOKEN_SOURCES", {
    defaultValue: defaultSources,
    fix: "list where REQUEST events carry the token, in order, e.g. header:Authorization,query:token,cookie:session",
  });
  const tokenSources = parseTokenSources(sourceSpec);
  if (sourceSpec.length === 0) {
    env.problem("TOKEN_SOURCES", "lists no source", `leave it unset for ${defaultSources.join(",")}, or list header:NAME, query:NAME or cookie:NAME`);
  } else if (typeof tokenSources === "string") {
    env.problem("TOKEN_SOURCES", `has ${tokenSources}`, "use header:NAME, query:NAME or cookie:NAME, comma-separated");
  }
  return {
    tokenSources: typeof tokenSources === "string" ? [] : tokenSources,
    requiredScopes: env.list("REQUIRED_SCOPES", { separator: " ", fix: "list the scopes every caller must hold, space-separated" }),
    clockToleranceSeconds: env.integer("CLOCK_TOLERANCE_SECONDS", {
      defaultValue: 0, min: 0, max: 300, fix: "give the seconds of clock skew to allow around exp and nbf, 0 to 300",
    }),
    routeRules: readRouteRules(env),
    principalClaim: env.raw("PRINCIPAL_CLAIM"),
    network: {
      allowed: toBlockList(readRanges(env, "ALLOWED_SOURCE_IPS")),
      denied: toBlockList(readRanges(env, "DENIED_SOURCE_IPS")),
      vpcEndpoints: env.list("ALLOWED_VPC_ENDPOINTS", { fix: "list VPC endpoint ids (vpce-...), comma-separated" }),
    },
    response: {
      contextClaims: parseContextClaims(env),
      httpApiResponse: env.oneOf("HTTP_API_RESPONSE", ["simple", "iam"], {
        defaultValue: "simple", fix: "use simple when the HTTP API has EnableSimpleResponses: true, iam otherwise",
      }),
      httpApiUnauthenticated: env.oneOf("HTTP_API_UNAUTHENTICATED", ["throw", "deny"], {
        defaultValue: "throw", fix: "use throw (reject with Unauthorized) or deny (isAuthorized: false, a 403)",
      }),
    },
  };
}
