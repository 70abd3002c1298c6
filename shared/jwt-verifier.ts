/**
 * What every JWT scheme's verifier shares around {@link verifyJwt}: the verified token becomes a
 * `Principal` through the scheme's own `toPrincipal` (which adds its rules: Cognito's `token_use` and app
 * client), any failure carries the token's unverified `iss` and `kid` for the decision line, and clean
 * successes are remembered in the verified-token cache (`shared/token-cache.ts`), keyed by the token's
 * SHA-256 and dropped whenever a JWKS key set changes ({@link keySetEpoch}).
 *
 * @module
 */
import type { Principal } from "./decide.ts";
import { AuthenticationError, AuthError, ReasonCode } from "./errors.ts";
import { keySetEpoch } from "./jwks/cache.ts";
import { detailOf, peekJwt, verifyJwt, type DecodedJwt, type JwtVerification } from "./jwt.ts";
import { withDetail } from "./pipeline.ts";
import { withTokenCache, type CachedVerify, type TokenCacheOptions } from "./token-cache.ts";

/**
 * A cached verifier of compact JWTs: `token` → `Principal`.
 * @param verification what {@link verifyJwt} checks (its `clockToleranceSeconds` also bounds `nbf` on cache hits).
 * @param toPrincipal the scheme's principal from a verified token. @throws {AuthError} for a scheme rule the token breaks.
 * @param tokenCacheOptions verified-token cache tunables (size, maximum age in ms, clock); `{maxEntries: 0}` turns it off.
 * @returns the verifier. @throws {AuthError} with the reason of the first failed check (`internal` for anything
 *   that is not an `AuthError`), detailed with the token's unverified `iss` and `kid`.
 */
export function createJwtVerifier(
  verification: JwtVerification,
  toPrincipal: (verified: DecodedJwt) => Principal,
  tokenCacheOptions?: TokenCacheOptions,
): CachedVerify<Principal> {
  async function verifyFresh(token: string): Promise<Principal> {
    try {
      return toPrincipal(await verifyJwt(token, verification));
    } catch (error) {
      const failure = error instanceof AuthError ? error : new AuthenticationError(ReasonCode.internal, "the token did not verify", { cause: error });
      throw withDetail(failure, detailOf(peekJwt(token)));
    }
  }
  return withTokenCache(verifyFresh, { timesOf: (principal) => principal.claims, epoch: keySetEpoch }, {
    clockToleranceSeconds: verification.clockToleranceSeconds,
    ...tokenCacheOptions,
  });
}
