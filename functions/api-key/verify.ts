/**
 * Verify API keys against the keys table (DynamoDB).
 *
 * Steps: parse `<prefix>_<keyId>_<secret>` (else `malformed_token`, no store access); one `GetItem` by
 * key id through the bounded lookup cache (`unknown_key`, `store_unavailable`); refuse revoked
 * (`revoked_key`) and expired (`expired_key`) items; compare `SHA-256(secret)` with the stored hash in
 * constant time (`wrong_secret`). The principal carries the item's scopes (checked by the shared rules)
 * and its usage-plan key, returned to API Gateway as `usageIdentifierKey`.
 *
 * @module
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Principal } from "#shared/decide";
import { AuthenticationError, AuthError, ReasonCode } from "#shared/errors";
import type { Credential } from "#shared/events/credentials";
import { withDetail } from "#shared/pipeline";
import { TtlCache } from "#shared/store/cache";
import { callBudgetMs, createDocumentClient } from "#shared/store/dynamodb";
import { createKeyStore, type KeyItem } from "#shared/store/keys";
import type { ApiKeyConfig } from "./config.ts";
import { parseApiKey, secretMatches } from "./key.ts";

/** A verifier bound to one configuration. */
export interface ApiKeyVerifier {
  /**
   * Verify an API key.
   * @throws {AuthenticationError} `malformed_token`, `unknown_key`, `revoked_key`, `expired_key`,
   *   `wrong_secret`, `store_unavailable`, `internal`.
   */
  verify(credential: Credential): Promise<Principal>;
}

/** Test seams of {@link createApiKeyVerifier}. */
export interface ApiKeyVerifierDeps {
  /** DynamoDB document client; default: one made from `config.store`. */
  readonly client?: DynamoDBDocumentClient;
  /** Clock in epoch milliseconds; default `Date.now`. */
  readonly now?: () => number;
}

/** The verified key as the backend sees it in `context`. */
function principalOf(item: KeyItem): Principal {
  return {
    principalId: item.principalId,
    claims: { sub: item.principalId, scope: item.scopes.join(" "), keyId: item.keyId, authScheme: "api-key" },
    scopes: item.scopes,
    groups: [],
    kid: item.keyId,
    ...(item.usagePlanKey === undefined ? {} : { usageIdentifierKey: item.usagePlanKey }),
  };
}

/** Build the verifier for `config`. */
export function createApiKeyVerifier(config: ApiKeyConfig, deps: ApiKeyVerifierDeps = {}): ApiKeyVerifier {
  const now = deps.now ?? ((): number => Date.now());
  const store = createKeyStore({
    client: deps.client ?? createDocumentClient(config.store),
    table: config.table,
    type: "api-key",
    cache: new TtlCache<string, KeyItem | null>({ ...config.cache, now }),
    budgetMs: callBudgetMs(config.store),
  });

  return {
    async verify({ value }) {
      const parts = parseApiKey(value, config.prefix);
      if (parts === undefined) throw new AuthenticationError(ReasonCode.malformedToken, `not a ${config.prefix}_<keyId>_<secret> API key`);
      try {
        const item = await store.get(parts.keyId, Math.floor(now() / 1000));
        if (item.secretHash === undefined || !secretMatches(parts.secret, item.secretHash)) {
          throw new AuthenticationError(ReasonCode.wrongSecret, "the secret does not match the key id");
        }
        return principalOf(item);
      } catch (error) {
        const failure = error instanceof AuthError ? error : new AuthenticationError(ReasonCode.internal, "key verification failed", { cause: error });
        throw withDetail(failure, { kid: parts.keyId });
      }
    },
  };
}
