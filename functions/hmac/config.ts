/**
 * Configuration of the HMAC request-signature authorizer, read once at init from the environment.
 *
 * | variable | meaning |
 * |---|---|
 * | `API_KEYS_TABLE` | the keys table (items of `type: "hmac"` hold each client's secret). Required. |
 * | `NONCES_TABLE` | the nonces table (replay protection). Required. |
 * | `HMAC_MAX_SKEW_SECONDS` | how far `x-auth-date` may be from the authorizer's clock, either way; 1-900, default 300. Also how long nonces are kept. |
 * | `KEY_CACHE_TTL_SECONDS`, `KEY_CACHE_MAX_ENTRIES` | client lookup cache, see shared/store/cache.ts (default 60 s, 1000). |
 * | `DYNAMODB_ENDPOINT`, `DYNAMODB_TIMEOUT_MS` | see shared/store/dynamodb.ts |
 * | `REQUIRED_SCOPES`, `HTTP_API_RESPONSE`, `HTTP_API_UNAUTHENTICATED` | see shared/config/common.ts |
 *
 * The credential is always the `Authorization` header (`TOKEN_SOURCES` does not apply): the signature
 * covers other headers, so the scheme needs REQUEST events (a REST TOKEN event carries no headers and is refused).
 *
 * @module
 */
import { readCommonConfig, type CommonConfig } from "#shared/config/common";
import { EnvReader, type Env } from "#shared/config/env";
import { readCacheConfig, type TtlCacheOptions } from "#shared/store/cache";
import { readStoreConfig, readTableName, type StoreConfig } from "#shared/store/dynamodb";

/** The HMAC authorizer's settings. Frozen. */
export interface HmacConfig extends CommonConfig {
  /** Keys table name. */
  readonly keysTable: string;
  /** Nonces table name. */
  readonly noncesTable: string;
  /** Allowed distance between `x-auth-date` and now, seconds, both directions. */
  readonly maxSkewSeconds: number;
  readonly cache: TtlCacheOptions;
  readonly store: StoreConfig;
}

/**
 * Parse and check the environment.
 * @throws {ConfigError} naming every bad or missing variable and its fix.
 */
export function parseHmacConfig(source: Env): HmacConfig {
  const env = new EnvReader(source);
  const keysTable = readTableName(env, "API_KEYS_TABLE", "API keys");
  const noncesTable = readTableName(env, "NONCES_TABLE", "HMAC nonces");
  const maxSkewSeconds = env.integer("HMAC_MAX_SKEW_SECONDS", {
    defaultValue: 300, min: 1, max: 900, fix: "give the seconds x-auth-date may differ from the authorizer's clock, 1 to 900",
  });
  const cache = readCacheConfig(env);
  const store = readStoreConfig(env);
  const common = readCommonConfig(env);
  env.finish();
  return Object.freeze({ ...common, keysTable, noncesTable, maxSkewSeconds, cache, store });
}
