/**
 * Load a built bundle (`dist/<name>/index.mjs`) with a given environment, the way Lambda would on a cold
 * start, and capture everything it logs.
 *
 * @module
 */
import { loadHandler, type AuthorizerHandler } from "../../scripts/lib/invoke-bundle.ts";

let instance = 0;

/** Variables every test bundle gets unless overridden: quiet logs are still captured at DEBUG. */
const BASE_ENV = { POWERTOOLS_LOG_LEVEL: "DEBUG", POWERTOOLS_LOGGER_LOG_EVENT: "true", POWERTOOLS_SERVICE_NAME: "test-authorizer" };

/** Configuration variables the bundles read; cleared before each load so loads do not leak into each other. */
const CONFIG_VARS = [
  "ISSUER", "AUDIENCE", "JWKS_URI", "ALGORITHMS", "REQUIRED_SCOPES", "REQUIRED_GROUPS", "TOKEN_SOURCES", "HTTP_API_RESPONSE",
  "HTTP_API_UNAUTHENTICATED", "CLOCK_TOLERANCE_SECONDS", "USER_POOL_ID", "CLIENT_ID", "TOKEN_USE",
  "API_KEYS_TABLE", "NONCES_TABLE", "API_KEY_PREFIX", "HMAC_MAX_SKEW_SECONDS", "KEY_CACHE_TTL_SECONDS", "KEY_CACHE_MAX_ENTRIES",
  "DYNAMODB_ENDPOINT", "DYNAMODB_TIMEOUT_MS",
  "ALLOWED_SUBJECTS", "ALLOWED_SANS", "ALLOWED_ISSUERS", "ALLOWED_FINGERPRINTS", "ALLOWED_MATCH", "TRUSTED_CA_PEM", "TRUSTED_CA_FILE",
  "REVOKED", "REVOKED_FILE", "PRINCIPAL_FROM",
  "INTROSPECTION_ENDPOINT", "INTROSPECTION_CLIENT_ID", "INTROSPECTION_CLIENT_SECRET", "INTROSPECTION_TIMEOUT_MS",
  "INTROSPECTION_CACHE_TTL_SECONDS", "INTROSPECTION_NEGATIVE_CACHE_TTL_SECONDS", "INTROSPECTION_CACHE_MAX_ENTRIES",
  "REQUIREMENT", "JWT_TOKEN_SOURCES", "API_KEY_TOKEN_SOURCES", "INTROSPECTION_TOKEN_SOURCES", "ALLOWED_SOURCE_IPS", "DENIED_SOURCE_IPS", "ALLOWED_VPC_ENDPOINTS",
  "ROUTE_RULES", "ROUTE_RULES_FILE", "PROVIDERS", "PROVIDERS_FILE", "PRINCIPAL_CLAIM", "CONTEXT_CLAIMS",
];

/**
 * A fresh instance of bundle `name` (its own module scope, config and JWKS caches) with `env` applied.
 * @throws what the cold start throws (e.g. a ConfigError).
 */
export async function freshBundle(name: "oidc" | "cognito" | "multi-issuer" | "api-key" | "hmac" | "mtls" | "introspection" | "combined", env: Record<string, string>): Promise<AuthorizerHandler> {
  for (const variable of CONFIG_VARS) delete process.env[variable];
  Object.assign(process.env, BASE_ENV, env);
  instance += 1;
  return loadHandler(name, { instance: `${name}-${instance}` });
}

/** Everything written to stdout and stderr while the capture is on. */
export interface LogCapture {
  readonly text: () => string;
  readonly stop: () => void;
}

/** Start capturing stdout and stderr (still passed through silently: nothing is printed). */
export function captureLogs(): LogCapture {
  const chunks: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const grab = (chunk: unknown): boolean => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"));
    return true;
  };
  process.stdout.write = grab;
  process.stderr.write = grab;
  return {
    text: () => chunks.join(""),
    stop: () => {
      process.stdout.write = out;
      process.stderr.write = err;
    },
  };
}

/** The decision lines (parsed JSON) among captured log text. */
export function decisionLines(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((line) => line.includes('"authorizer decision"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
