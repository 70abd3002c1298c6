/**
 * Verify Amazon Cognito user pool tokens with aws-jwt-verify and the shared JWKS cache.
 *
 * aws-jwt-verify checks the signature, `iss` (the pool's issuer, regional or global form), `token_use`,
 * `client_id` (access tokens) or `aud` (ID tokens), `exp` and `nbf`. On top, `exp` is required (the
 * library accepts tokens without it) and keys come from the shared cache, optionally from `JWKS_URI`.
 *
 * A verified token is remembered (`shared/token-cache.ts`): the same token again is answered from a bounded
 * cache keyed by its SHA-256, with `exp`/`nbf` re-checked, until `exp` or the cache's maximum age, and never
 * after the JWKS cache has seen a key set change.
 *
 * @module
 */
import { CognitoJwtVerifier } from "aws-jwt-verify";
import * as jwtErrors from "aws-jwt-verify/error";
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import { AuthenticationError, AuthError, ReasonCode } from "#shared/errors";
import type { Credential } from "#shared/events/credentials";
import { scopesOf, type Principal } from "#shared/decide";
import { toAwsJwtVerifyCache } from "#shared/jwks/adapters";
import { jwksCacheFor, keySetEpoch, type JwksCache, type JwksCacheOptions } from "#shared/jwks/cache";
import { detailOf, peekJwt } from "#shared/jwt";
import { withDetail } from "#shared/pipeline";
import { withTokenCache, type TokenCacheOptions } from "#shared/token-cache";
import type { CognitoConfig } from "./config.ts";

/** A verifier bound to one configuration. */
export interface CognitoVerifier {
  /** Verify a Cognito token. @throws {AuthenticationError} with the reason code of the first failed check. */
  verify(credential: Credential): Promise<Principal>;
  /** Start each pool's JWKS fetch now, without waiting or failing (call at init). */
  warm(): void;
}

/** aws-jwt-verify error → reason code. */
function reasonForJwtError(error: unknown): ReasonCode {
  if (error instanceof jwtErrors.JwtExpiredError) return ReasonCode.expired;
  if (error instanceof jwtErrors.JwtNotBeforeError) return ReasonCode.notYetValid;
  if (error instanceof jwtErrors.JwtInvalidIssuerError) return ReasonCode.untrustedIssuer;
  if (error instanceof jwtErrors.CognitoJwtInvalidClientIdError || error instanceof jwtErrors.JwtInvalidAudienceError) return ReasonCode.wrongAudience;
  if (error instanceof jwtErrors.CognitoJwtInvalidTokenUseError) return ReasonCode.wrongTokenUse;
  if (error instanceof jwtErrors.JwtInvalidSignatureAlgorithmError) return ReasonCode.algorithmNotAllowed;
  if (error instanceof jwtErrors.JwtInvalidSignatureError) return ReasonCode.badSignature;
  if (error instanceof jwtErrors.KidNotFoundInJwksError || error instanceof jwtErrors.JwtWithoutValidKidError) return ReasonCode.unknownKid;
  if (error instanceof jwtErrors.FetchError || error instanceof jwtErrors.JwksValidationError) return ReasonCode.jwksUnavailable;
  if (error instanceof jwtErrors.JwtParseError || error instanceof jwtErrors.JwtInvalidClaimError || error instanceof jwtErrors.ParameterValidationError) return ReasonCode.malformedToken;
  return ReasonCode.internal;
}

/** The pool id at the end of a Cognito issuer or JWKS URI (`.../us-east-1_AbC123[/.well-known/jwks.json]`). */
function poolIdIn(uri: string): string | undefined {
  return /\/([a-z]{2}(?:-[a-z]+)+-\d+_[0-9A-Za-z]+)(?:\/|$)/.exec(uri)?.[1];
}

/**
 * Build the verifier for `config`.
 * @param cacheOptions JWKS cache tunables (tests inject a clock or shorter cooldowns).
 * @param tokenCacheOptions verified-token cache tunables (size, maximum age in ms, clock); `{maxEntries: 0}` turns it off.
 */
export function createCognitoVerifier(config: CognitoConfig, cacheOptions?: JwksCacheOptions, tokenCacheOptions?: TokenCacheOptions): CognitoVerifier {
  const overrides = new Map(config.userPools.flatMap((pool) => (pool.jwksUri === undefined ? [] : [[pool.userPoolId, pool.jwksUri] as const])));
  // aws-jwt-verify asks for the pool's well-known URI (regional or global issuer form); send both to one shared cache.
  const cacheFor = (jwksUri: string): JwksCache => {
    const poolId = poolIdIn(jwksUri);
    const override = poolId === undefined ? undefined : overrides.get(poolId);
    return jwksCacheFor(override ?? new URL(jwksUri), cacheOptions);
  };
  const verifier = CognitoJwtVerifier.create(
    config.userPools.map((pool) => ({
      userPoolId: pool.userPoolId,
      tokenUse: config.tokenUse,
      clientId: [...config.clientIds],
      graceSeconds: config.clockToleranceSeconds,
      customJwtCheck: ({ payload }: { payload: JwtPayload }) => {
        if (typeof payload.exp !== "number") throw new AuthenticationError(ReasonCode.missingClaim, "the token has no exp");
        // aws-jwt-verify still accepts a token at the very millisecond of exp; RFC 7519 §4.1.4 (and jose) do not.
        if (payload.exp * 1000 <= Date.now() - config.clockToleranceSeconds * 1000) throw new AuthenticationError(ReasonCode.expired, "the token has expired");
      },
    })),
    { jwksCache: toAwsJwtVerifyCache(cacheFor) },
  );

  // Both issuer forms Cognito uses (regional and global); a token naming any other is refused before any fetch.
  const issuers = new Set(config.userPools.flatMap(({ userPoolId }) => {
    const region = userPoolId.split("_")[0] ?? "";
    return [`https://cognito-idp.${region}.amazonaws.com/${userPoolId}`, `https://issuer-cognito-idp.${region}.amazonaws.com/${userPoolId}`];
  }));

  /** The fresh verification, no cache. */
  async function verifyFresh(token: string): Promise<Principal> {
    const peek = peekJwt(token);
    if (peek === undefined) throw new AuthenticationError(ReasonCode.malformedToken, "not a compact JWS");
    if (peek.iss === undefined || !issuers.has(peek.iss)) {
      throw withDetail(new AuthenticationError(ReasonCode.untrustedIssuer, "iss is not a configured user pool"), detailOf(peek));
    }
    // Cognito signs with RS256 only: refuse any other alg (none, HS*, ES*) before a key is looked up.
    if (peek.alg !== "RS256") throw withDetail(new AuthenticationError(ReasonCode.algorithmNotAllowed, "alg is not RS256"), detailOf(peek));
    try {
      const payload = await verifier.verify(token);
      const sub = typeof payload.sub === "string" ? payload.sub : undefined;
      const clientId = typeof payload.client_id === "string" ? payload.client_id : undefined;
      const principalId = sub ?? clientId;
      if (principalId === undefined) throw new AuthenticationError(ReasonCode.missingClaim, "the token has neither sub nor client_id");
      const groups = payload["cognito:groups"];
      return {
        principalId,
        claims: payload,
        scopes: scopesOf(payload),
        groups: Array.isArray(groups) ? groups.filter((group): group is string => typeof group === "string") : [],
        issuer: payload.iss,
      };
    } catch (error) {
      const failure = error instanceof AuthError ? error : new AuthenticationError(reasonForJwtError(error), "the token did not verify", { cause: error });
      throw withDetail(failure, detailOf(peek));
    }
  }
  const verifyCached = withTokenCache(verifyFresh, { timesOf: (principal) => principal.claims, epoch: keySetEpoch }, {
    clockToleranceSeconds: config.clockToleranceSeconds,
    ...tokenCacheOptions,
  });

  return {
    warm() {
      for (const pool of config.userPools) cacheFor(CognitoJwtVerifier.parseUserPoolId(pool.userPoolId).jwksUri).warm();
    },
    verify: (credential) => verifyCached(credential.value),
  };
}
