/**
 * Verify OIDC / OAuth 2.0 JWT access (or ID) tokens with the shared JWT verification (`shared/jwt.ts`,
 * signatures on node:crypto) and the shared JWKS cache.
 *
 * Checks (RFC 7519 §7.2, RFC 8725): compact JWS only; unverified `iss` must be the configured issuer before
 * any network call; `alg` in the allow-list before any key lookup; signature with the issuer's key named
 * by `kid` (never `jku`, `x5u`, `x5c` or an embedded `jwk`); `aud`; `exp` required; `nbf`.
 *
 * A verified token is remembered (`shared/token-cache.ts`): the same token again is answered from a bounded
 * cache keyed by its SHA-256, with `exp`/`nbf` re-checked, until `exp` or the cache's maximum age, and never
 * after the JWKS cache has seen a key set change.
 *
 * @module
 */
import type { Credential } from "#shared/events/credentials";
import { principalIdOf, scopesOf, type Principal } from "#shared/decide";
import { jwksCacheFor, type JwksCache, type JwksCacheOptions } from "#shared/jwks/cache";
import { discoverJwksUri } from "#shared/jwks/discovery";
import type { JwtVerification } from "#shared/jwt";
import { createJwtVerifier } from "#shared/jwt-verifier";
import type { TokenCacheOptions } from "#shared/token-cache";
import type { OidcConfig } from "./config.ts";

/** A verifier bound to one configuration. */
export interface OidcVerifier {
  /** Verify a bearer token. @throws {AuthenticationError} with the reason code of the first failed check. */
  verify(credential: Credential): Promise<Principal>;
  /** Start discovery and the JWKS fetch now, without waiting or failing (call at init). */
  warm(): void;
}

/**
 * Build the verifier for `config`.
 * @param cacheOptions JWKS cache tunables (tests inject a clock or shorter cooldowns).
 * @param tokenCacheOptions verified-token cache tunables (size, maximum age in ms, clock); `{maxEntries: 0}` turns it off.
 */
export function createOidcVerifier(config: OidcConfig, cacheOptions?: JwksCacheOptions, tokenCacheOptions?: TokenCacheOptions): OidcVerifier {
  // The JWKS URI is configured or discovered once; a failed discovery is retried by the next request.
  let cachePromise: Promise<JwksCache> | undefined;
  const cache = (): Promise<JwksCache> => {
    if (config.jwksUri !== undefined) return Promise.resolve(jwksCacheFor(config.jwksUri, cacheOptions));
    cachePromise ??= discoverJwksUri(config.issuer, cacheOptions?.fetcher === undefined ? {} : { fetcher: cacheOptions.fetcher })
      .then((uri) => jwksCacheFor(uri, cacheOptions))
      .catch((error: unknown) => {
        cachePromise = undefined;
        throw error;
      });
    return cachePromise;
  };
  const verification: JwtVerification = {
    algorithms: config.algorithms,
    issuers: new Set([config.issuer]),
    keyFor: async (_iss, kid, alg) => (await cache()).getJwk(kid, alg),
    audiences: config.audiences,
    clockToleranceSeconds: config.clockToleranceSeconds,
  };

  const verifyToken = createJwtVerifier(verification, ({ header, payload }) => ({
    principalId: principalIdOf(payload),
    claims: payload,
    scopes: scopesOf(payload),
    groups: [],
    issuer: config.issuer,
    ...(typeof header.kid === "string" ? { kid: header.kid } : {}),
  }), tokenCacheOptions);

  return {
    warm() {
      cache().then((jwks) => jwks.warm(), () => undefined);
    },
    verify: (credential) => verifyToken(credential.value),
  };
}
