/**
 * Verify Amazon Cognito user pool tokens with the shared JWT verification (`shared/jwt.ts`, signatures on
 * node:crypto) and the shared JWKS cache: the checks aws-jwt-verify makes for Cognito, and a few more.
 *
 * Checks: `iss` is one of the configured pools (regional or global form) before any network call;
 * `alg` is RS256 (Cognito signs with nothing else) before any key lookup; the signature with the pool's
 * key named by `kid` (from the pool's JWKS, or the pool's `JWKS_URI` override); `exp` required; `nbf`;
 * `token_use` is the configured one; `client_id` (access tokens) or `aud` (ID tokens) is an allowed app
 * client. Group and scope requirements are decided later, from the principal.
 *
 * A verified token is remembered (`shared/token-cache.ts`): the same token again is answered from a bounded
 * cache keyed by its SHA-256, with `exp`/`nbf` re-checked, until `exp` or the cache's maximum age, and never
 * after the JWKS cache has seen a key set change.
 *
 * @see https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
 * @module
 */
import { AuthenticationError, ReasonCode } from "#shared/errors";
import type { Credential } from "#shared/events/credentials";
import { principalIdOf, scopesOf, type Principal } from "#shared/decide";
import { jwksCacheFor, type JwksCache, type JwksCacheOptions } from "#shared/jwks/cache";
import type { JwtVerification } from "#shared/jwt";
import { createJwtVerifier } from "#shared/jwt-verifier";
import type { TokenCacheOptions } from "#shared/token-cache";
import { cognitoIssuers, type CognitoConfig } from "./config.ts";

/** A verifier bound to one configuration. */
export interface CognitoVerifier {
  /** Verify a Cognito token. @throws {AuthenticationError} with the reason code of the first failed check. */
  verify(credential: Credential): Promise<Principal>;
  /** Start each pool's JWKS fetch now, without waiting or failing (call at init). */
  warm(): void;
}

/** A user pool's own JWKS location (`<regional issuer>/.well-known/jwks.json`). */
function poolJwksUri(userPoolId: string): URL {
  return new URL(`${cognitoIssuers(userPoolId)[0] ?? ""}/.well-known/jwks.json`);
}

/**
 * Build the verifier for `config`.
 * @param cacheOptions JWKS cache tunables (tests inject a clock or shorter cooldowns).
 * @param tokenCacheOptions verified-token cache tunables (size, maximum age in ms, clock); `{maxEntries: 0}` turns it off.
 */
export function createCognitoVerifier(config: CognitoConfig, cacheOptions?: JwksCacheOptions, tokenCacheOptions?: TokenCacheOptions): CognitoVerifier {
  // Both issuer forms of a pool share the pool's one JWKS cache.
  const jwksUriFor = new Map<string, URL>();
  for (const pool of config.userPools) {
    for (const issuer of cognitoIssuers(pool.userPoolId)) jwksUriFor.set(issuer, pool.jwksUri ?? poolJwksUri(pool.userPoolId));
  }
  const cacheFor = (uri: URL): JwksCache => jwksCacheFor(uri, cacheOptions);
  const verification: JwtVerification = {
    algorithms: ["RS256"],
    issuers: new Set(jwksUriFor.keys()),
    keyFor: (iss, kid, alg) => {
      const uri = jwksUriFor.get(iss); // always found: verifyJwt checked `iss` against `issuers` first
      if (uri === undefined) throw new AuthenticationError(ReasonCode.untrustedIssuer, "iss is not a configured user pool");
      return cacheFor(uri).getJwk(kid, alg);
    },
    clockToleranceSeconds: config.clockToleranceSeconds,
  };
  const clientIds = new Set(config.clientIds);

  const verifyToken = createJwtVerifier(verification, ({ payload }) => {
    if (payload.token_use !== config.tokenUse) throw new AuthenticationError(ReasonCode.wrongTokenUse, `token_use is not ${config.tokenUse}`);
    const client = config.tokenUse === "access" ? payload.client_id : payload.aud;
    if (typeof client !== "string" || !clientIds.has(client)) {
      throw new AuthenticationError(ReasonCode.wrongAudience, `${config.tokenUse === "access" ? "client_id" : "aud"} is not an allowed app client`);
    }
    const groups = payload["cognito:groups"];
    return {
      principalId: principalIdOf(payload),
      claims: payload,
      scopes: scopesOf(payload),
      groups: Array.isArray(groups) ? groups.filter((group): group is string => typeof group === "string") : [],
      issuer: payload.iss as string,
    };
  }, tokenCacheOptions);

  return {
    warm() {
      // Both issuer forms of a pool map to one URI, hence one cache: warming it twice starts one fetch.
      for (const uri of jwksUriFor.values()) cacheFor(uri).warm();
    },
    verify: (credential) => verifyToken(credential.value),
  };
}
