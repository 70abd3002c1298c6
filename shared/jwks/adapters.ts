/**
 * Adapters that let both JWT libraries use the one shared {@link JwksCache}.
 *
 * @module
 */
import type { JWK, JWSHeaderParameters } from "jose";
import type { JwksCache as AwsJwksCache, Jwks as AwsJwks, JwkWithKid as AwsJwkWithKid } from "aws-jwt-verify/jwk";
import { AuthenticationError, ReasonCode } from "../errors.ts";
import type { Jwk, JwksCache } from "./cache.ts";

/** Where a verifier gets its cache: directly, or after discovery has found the JWKS URI. */
export type JwksCacheSource = () => JwksCache | Promise<JwksCache>;

/**
 * A jose key resolver (`jwtVerify(token, resolver, ...)`) backed by the shared cache.
 *
 * It only reads the protected header's `kid` and `alg` (jose has already checked `alg` against the
 * allow-list); `jku`, `x5u`, `x5c` and `jwk` headers are ignored. It returns the cached public JWK itself
 * (frozen, one object per key per fetch): jose imports it once per key object and algorithm and keeps the
 * imported key in its own WeakMap, so no `importJWK` (and none of jose's JWE tables) is bundled.
 * @throws {AuthenticationError} `malformed_token` without `alg` or with a `kid` that is not a string; `unknown_kid` or `jwks_unavailable` (from the cache).
 */
export function toJoseKeyResolver(source: JwksCacheSource): (header: JWSHeaderParameters) => Promise<JWK> {
  return async function resolveJoseKey(header) {
    const alg = header.alg;
    if (typeof alg !== "string") throw new AuthenticationError(ReasonCode.malformedToken, "the token has no alg");
    // RFC 7515 §4.1.4: `kid` is a string; any other type is a malformed header, not "no kid".
    if (header.kid !== undefined && typeof header.kid !== "string") throw new AuthenticationError(ReasonCode.malformedToken, "the token's kid is not a string");
    const cache = await source();
    const kid = header.kid;
    return (await cache.getJwk(kid, alg)) as JWK;
  };
}

/**
 * An aws-jwt-verify `JwksCache` backed by the shared cache.
 *
 * `cacheFor` maps the JWKS URI aws-jwt-verify asks for (the user pool's well-known URI) to the shared
 * cache to use: usually the cache of that URI, or the cache of a configured `JWKS_URI` override.
 */
export function toAwsJwtVerifyCache(cacheFor: (jwksUri: string) => JwksCache): AwsJwksCache {
  const withKid = (jwk: Jwk | undefined): AwsJwkWithKid => {
    if (jwk?.kid === undefined) throw new AuthenticationError(ReasonCode.unknownKid, "no key in the JWKS matches the token's kid and alg");
    return jwk as unknown as AwsJwkWithKid;
  };
  const headerOf = (decomposed: { header: { kid?: unknown; alg?: unknown } }): { kid: string | undefined; alg: string } => ({
    kid: typeof decomposed.header.kid === "string" ? decomposed.header.kid : undefined,
    alg: typeof decomposed.header.alg === "string" ? decomposed.header.alg : "",
  });
  return {
    async getJwk(jwksUri, decomposed) {
      const { kid, alg } = headerOf(decomposed);
      return withKid(await cacheFor(jwksUri).getJwk(kid, alg));
    },
    getCachedJwk(jwksUri, decomposed) {
      const { kid, alg } = headerOf(decomposed);
      return withKid(cacheFor(jwksUri).getCachedJwk(kid, alg));
    },
    addJwks(jwksUri, jwks) {
      cacheFor(jwksUri).addJwks(jwks);
    },
    async getJwks(jwksUri) {
      return (await cacheFor(jwksUri).getJwks()) as unknown as AwsJwks;
    },
  };
}
