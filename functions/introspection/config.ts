/**
 * Configuration of the token introspection authorizer (opaque OAuth 2.0 access tokens, RFC 7662), read
 * once at init from the environment.
 *
 * | variable | meaning |
 * |---|---|
 * | `ISSUER` | the authorization server's issuer identifier; https, or http on a loopback host only. Used for discovery and compared with the answer's `iss` when present. Required unless `INTROSPECTION_ENDPOINT` is set. |
 * | `INTROSPECTION_ENDPOINT` | the introspection endpoint; default: `introspection_endpoint` from `ISSUER`'s discovery document |
 * | `INTROSPECTION_CLIENT_ID` | this authorizer's client id at the authorization server. Required. |
 * | `INTROSPECTION_CLIENT_SECRET` | its secret (`client_secret_basic`, RFC 6749 §2.3.1); or `INTROSPECTION_CLIENT_SECRET_ARN` (Secrets Manager) or `INTROSPECTION_CLIENT_SECRET_PARAMETER` (SSM SecureString), fetched at init. One is required. |
 * | `AUDIENCE` | allowed `aud` values, comma-separated; when set, the answer's `aud` must hold one |
 * | `INTROSPECTION_TIMEOUT_MS` | deadline of one introspection call, 100-9000 ms; default 3000 |
 * | `INTROSPECTION_CACHE_TTL_SECONDS` | longest an active answer is reused, 0-3600 s (never past `exp`); default 300; 0: no cache |
 * | `INTROSPECTION_NEGATIVE_CACHE_TTL_SECONDS` | how long an inactive answer is reused, 0-300 s; default 10 |
 * | `INTROSPECTION_CACHE_MAX_ENTRIES` | most answers kept, 1-100000; default 10000 |
 * | `REQUIRED_SCOPES`, `TOKEN_SOURCES`, `ROUTE_RULES`, `PRINCIPAL_CLAIM`, `CONTEXT_CLAIMS`, `HTTP_API_*`, `CLOCK_TOLERANCE_SECONDS` | see shared/config/common.ts |
 *
 * @module
 */
import { readCommonConfig, type CommonConfig } from "#shared/config/common";
import { readSecretRef, resolveSecret, type SecretRef } from "#shared/config/secret";
import { EnvReader, type Env } from "#shared/config/env";

/** The introspection authorizer's settings. Frozen. The client secret is in `clientSecret`: never log the config. */
export interface IntrospectionConfig extends CommonConfig {
  /** Exact issuer identifier, or `undefined` when only `INTROSPECTION_ENDPOINT` is configured. */
  readonly issuer: string | undefined;
  /** Introspection endpoint, or `undefined` to use discovery from `issuer`. */
  readonly introspectionEndpoint: URL | undefined;
  /** Client id for `client_secret_basic`. */
  readonly clientId: string;
  /** Client secret for `client_secret_basic`. Secret. */
  readonly clientSecret: string;
  /** Where the client secret is: `INTROSPECTION_CLIENT_SECRET`, `..._ARN` (Secrets Manager) or `..._PARAMETER` (SSM). */
  readonly clientSecretRef: SecretRef;
  /** Allowed audiences; empty: `aud` is not checked. */
  readonly audiences: readonly string[];
  /** Deadline of one introspection (or discovery) request, in ms. */
  readonly timeoutMs: number;
  /** Longest an active answer is reused, in seconds (never past its `exp`); 0 switches the cache off. */
  readonly cacheTtlSeconds: number;
  /** How long an inactive answer is reused, in seconds; 0: not cached. */
  readonly negativeCacheTtlSeconds: number;
  /** Most cached answers. */
  readonly cacheMaxEntries: number;
}

/**
 * Parse and check the environment.
 * @throws {ConfigError} naming every bad or missing variable and its fix.
 */
export function parseIntrospectionConfig(source: Env): IntrospectionConfig {
  const env = new EnvReader(source);
  const issuerUrl = env.httpsUrl("ISSUER", { fix: "set the authorization server's issuer identifier, e.g. https://idp.example.com/" });
  const introspectionEndpoint = env.httpsUrl("INTROSPECTION_ENDPOINT", { fix: "set the RFC 7662 introspection endpoint (https), or leave it empty to use ISSUER's discovery" });
  if (env.raw("ISSUER") === undefined && env.raw("INTROSPECTION_ENDPOINT") === undefined) {
    env.problem("ISSUER", "is missing", "set ISSUER (the endpoint is then discovered), or INTROSPECTION_ENDPOINT, or both");
  }
  const clientId = env.requiredString("INTROSPECTION_CLIENT_ID", { fix: "set the client id this authorizer authenticates with at the introspection endpoint" });
  const clientSecretRef = readSecretRef(env, "INTROSPECTION_CLIENT_SECRET", "set that client's secret (client_secret_basic) as INTROSPECTION_CLIENT_SECRET, or name it in Secrets Manager (INTROSPECTION_CLIENT_SECRET_ARN) or SSM (INTROSPECTION_CLIENT_SECRET_PARAMETER)");
  const audiences = env.list("AUDIENCE", { fix: "list the aud values this API accepts, comma-separated" });
  const timeoutMs = env.integer("INTROSPECTION_TIMEOUT_MS", {
    defaultValue: 3_000, min: 100, max: 9_000, fix: "give the ms one introspection call may take, 100 to 9000 (inside the authorizer's 10 s)",
  });
  const cacheTtlSeconds = env.integer("INTROSPECTION_CACHE_TTL_SECONDS", {
    defaultValue: 300, min: 0, max: 3_600, fix: "give the seconds an active answer is reused, 0 to 3600 (a revoked token is accepted for up to this long; 0: no cache)",
  });
  const negativeCacheTtlSeconds = env.integer("INTROSPECTION_NEGATIVE_CACHE_TTL_SECONDS", {
    defaultValue: 10, min: 0, max: 300, fix: "give the seconds an inactive answer is reused, 0 to 300",
  });
  const cacheMaxEntries = env.integer("INTROSPECTION_CACHE_MAX_ENTRIES", {
    defaultValue: 10_000, min: 1, max: 100_000, fix: "give the most answers kept per instance, 1 to 100000",
  });
  const common = readCommonConfig(env);
  env.finish();
  return Object.freeze({
    ...common,
    // Kept exactly as written: `iss` is compared as a string, trailing slash included.
    issuer: issuerUrl === undefined ? undefined : env.raw("ISSUER"),
    introspectionEndpoint,
    clientId,
    // Set now when it is in the environment; resolved at init (withClientSecret) when it is in Secrets Manager or SSM.
    clientSecret: clientSecretRef?.kind === "env" ? clientSecretRef.value : "",
    clientSecretRef: clientSecretRef ?? ({ kind: "env", value: "" } as const),
    audiences,
    timeoutMs,
    cacheTtlSeconds,
    negativeCacheTtlSeconds,
    cacheMaxEntries,
  });
}

/**
 * `config` with its client secret fetched when it lives in Secrets Manager or SSM (call once at init).
 * @throws {Error} naming the secret when it cannot be fetched: the cold start fails.
 */
export async function withClientSecret(config: IntrospectionConfig): Promise<IntrospectionConfig> {
  if (config.clientSecretRef.kind === "env") return config;
  return Object.freeze({ ...config, clientSecret: await resolveSecret(config.clientSecretRef) });
}
