/**
 * Settings every token scheme shares: `TOKEN_SOURCES`, `REQUIRED_SCOPES`, `HTTP_API_RESPONSE`,
 * `HTTP_API_UNAUTHENTICATED`, `CLOCK_TOLERANCE_SECONDS`.
 *
 * @module
 */
import { parseTokenSources, type TokenSource } from "../events/credentials.ts";
import type { ResponseOptions } from "../respond.ts";
import type { EnvReader } from "./env.ts";

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
  readonly response: ResponseOptions;
}

/** Read the shared settings; problems are recorded on `env` (thrown by `env.finish()`). */
export function readCommonConfig(env: EnvReader): CommonConfig {
  const sourceSpec = env.list("TOKEN_SOURCES", {
    defaultValue: ["header:Authorization"],
    fix: "list where REQUEST events carry the token, in order, e.g. header:Authorization,query:token,cookie:session",
  });
  const tokenSources = parseTokenSources(sourceSpec);
  if (sourceSpec.length === 0) {
    env.problem("TOKEN_SOURCES", "lists no source", "leave it unset for header:Authorization, or list header:NAME, query:NAME or cookie:NAME");
  } else if (typeof tokenSources === "string") {
    env.problem("TOKEN_SOURCES", `has ${tokenSources}`, "use header:NAME, query:NAME or cookie:NAME, comma-separated");
  }
  return {
    tokenSources: typeof tokenSources === "string" ? [] : tokenSources,
    requiredScopes: env.list("REQUIRED_SCOPES", { separator: " ", fix: "list the scopes every caller must hold, space-separated" }),
    clockToleranceSeconds: env.integer("CLOCK_TOLERANCE_SECONDS", {
      defaultValue: 0, min: 0, max: 300, fix: "give the seconds of clock skew to allow around exp and nbf, 0 to 300",
    }),
    response: {
      httpApiResponse: env.oneOf("HTTP_API_RESPONSE", ["simple", "iam"], {
        defaultValue: "simple", fix: "use simple when the HTTP API has EnableSimpleResponses: true, iam otherwise",
      }),
      httpApiUnauthenticated: env.oneOf("HTTP_API_UNAUTHENTICATED", ["throw", "deny"], {
        defaultValue: "throw", fix: "use throw (reject with Unauthorized) or deny (isAuthorized: false, a 403)",
      }),
    },
  };
}
