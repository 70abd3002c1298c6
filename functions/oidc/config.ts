/**
 * Configuration of the OIDC / OAuth 2.0 JWT authorizer, read once at init from the environment.
 *
 * | variable | meaning |
 * |---|---|
 * | `ISSUER` | exact `iss`; https, or http on a loopback host only. Required. |
 * | `AUDIENCE` | allowed `aud` values, comma-separated. Required (`*` refused). |
 * | `JWKS_URI` | JWKS location; default: `jwks_uri` from `ISSUER`'s discovery document. |
 * | `ALGORITHMS` | allowed `alg` values, comma-separated; default `RS256`; `none` and HS* refused. |
 * | `REQUIRED_SCOPES`, `TOKEN_SOURCES`, `HTTP_API_RESPONSE`, `HTTP_API_UNAUTHENTICATED`, `CLOCK_TOLERANCE_SECONDS` | see shared/config/common.ts |
 *
 * @module
 */
import { ASYMMETRIC_ALGORITHMS, readCommonConfig, type CommonConfig } from "#shared/config/common";
import { EnvReader, type Env } from "#shared/config/env";

/** The OIDC authorizer's settings. Frozen. */
export interface OidcConfig extends CommonConfig {
  /** Exact issuer identifier compared with `iss` (RFC 7519 §4.1.1); a trailing slash matters. */
  readonly issuer: string;
  /** Allowed audiences: the token's `aud` must hold at least one (RFC 7519 §4.1.3). */
  readonly audiences: readonly string[];
  /** JWKS location, or `undefined` to use OpenID discovery. */
  readonly jwksUri: URL | undefined;
  /** Allowed JWS `alg` values. */
  readonly algorithms: readonly string[];
}

/**
 * Parse and check the environment.
 * @throws {ConfigError} naming every bad or missing variable and its fix.
 */
export function parseOidcConfig(source: Env): OidcConfig {
  const env = new EnvReader(source);
  const issuerUrl = env.httpsUrl("ISSUER", { required: true, fix: "set the exact iss of your tokens, e.g. https://example.eu.auth0.com/" });
  const audiences = env.list("AUDIENCE", { required: true, fix: "set the aud your issuer puts in access tokens, comma-separated" });
  const jwksUri = env.httpsUrl("JWKS_URI", { fix: "set the issuer's JWKS URL (https), or leave it empty to use discovery" });
  const algorithms = env.list("ALGORITHMS", { defaultValue: ["RS256"], fix: `allow only ${ASYMMETRIC_ALGORITHMS.join(", ")}` });
  if (algorithms.length === 0) env.problem("ALGORITHMS", "lists no algorithm", "leave it unset for RS256, or list the allowed algorithms, comma-separated");
  const refused = algorithms.filter((alg) => !(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg));
  if (refused.length > 0) env.problem("ALGORITHMS", `has ${refused.join(", ")}`, `allow only ${ASYMMETRIC_ALGORITHMS.join(", ")} (never none or HMAC with public keys)`);
  const common = readCommonConfig(env);
  env.finish();
  return Object.freeze({
    ...common,
    // Keep the issuer exactly as written: `iss` is compared as a string, trailing slash included.
    issuer: issuerUrl === undefined ? "" : (env.raw("ISSUER") ?? ""),
    audiences,
    jwksUri,
    algorithms,
  });
}
