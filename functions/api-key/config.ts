/**
 * Configuration of the API key authorizer, read once at init from the environment.
 *
 * | variable | meaning |
 * |---|---|
 * | `API_KEYS_TABLE` | the keys table's name. Required. |
 * | `API_KEY_PREFIX` | the `<prefix>` of `<prefix>_<keyId>_<secret>` keys; default `ak`. |
 * | `TOKEN_SOURCES` | where REQUEST events carry the key; default `header:x-api-key`. TOKEN events: `authorizationToken`. |
 * | `KEY_CACHE_TTL_SECONDS`, `KEY_CACHE_MAX_ENTRIES` | lookup cache, see shared/store/cache.ts (default 60 s, 1000). |
 * | `DYNAMODB_ENDPOINT`, `DYNAMODB_TIMEOUT_MS` | see shared/store/dynamodb.ts |
 * | `REQUIRED_SCOPES`, `HTTP_API_RESPONSE`, `HTTP_API_UNAUTHENTICATED` | see shared/config/common.ts |
 *
 * @module
 */
import { readCommonConfig, type CommonConfig } from "#shared/config/common";
import { EnvReader, type Env } from "#shared/config/env";
import { readCacheConfig, type TtlCacheOptions } from "#shared/store/cache";
import { readStoreConfig, readTableName, type StoreConfig } from "#shared/store/dynamodb";
import { PREFIX_PATTERN } from "./key.ts";

/** The API key authorizer's settings. Frozen. */
export interface ApiKeyConfig extends CommonConfig {
  /** Keys table name. */
  readonly table: string;
  /** Key prefix, e.g. `ak`. */
  readonly prefix: string;
  readonly cache: TtlCacheOptions;
  readonly store: StoreConfig;
}

/**
 * Parse and check the environment.
 * @throws {ConfigError} naming every bad or missing variable and its fix.
 */
export function parseApiKeyConfig(source: Env): ApiKeyConfig {
  const env = new EnvReader(source);
  const table = readTableName(env, "API_KEYS_TABLE", "API keys");
  const prefix = env.raw("API_KEY_PREFIX") ?? "ak";
  if (!PREFIX_PATTERN.test(prefix)) env.problem("API_KEY_PREFIX", `is "${prefix}"`, "use a lower-case letter then up to 15 lower-case letters or digits, e.g. ak");
  const cache = readCacheConfig(env);
  const store = readStoreConfig(env);
  const common = readCommonConfig(env, { tokenSources: ["header:x-api-key"] });
  env.finish();
  return Object.freeze({ ...common, table, prefix, cache, store });
}
