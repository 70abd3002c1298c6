/**
 * Several issuers in one authorizer: the unverified `iss` only picks the provider (and so the keys);
 * that provider's verifier then checks everything against its own settings. A token naming an issuer
 * that is not configured is refused (`untrusted_issuer`) before any network call.
 *
 * @module
 */
import { AuthenticationError, ReasonCode } from "#shared/errors";
import type { Credential } from "#shared/events/credentials";
import type { Principal } from "#shared/decide";
import { detailOf, peekJwt } from "#shared/jwt";
import { withDetail } from "#shared/pipeline";
import { cognitoIssuers } from "../cognito/config.ts";
import { createCognitoVerifier } from "../cognito/verify.ts";
import { createOidcVerifier } from "../oidc/verify.ts";
import type { MultiIssuerConfig, Provider } from "./config.ts";

/** A verifier over every configured provider. */
export interface MultiIssuerVerifier {
  /** Verify with the provider `iss` names. @throws {AuthenticationError} `untrusted_issuer`, or the provider's reason. */
  verify(credential: Credential): Promise<Principal>;
  /** Start every provider's JWKS fetch now, without waiting or failing. */
  warm(): void;
  /** The provider that would verify a token with this `iss`, for `npm run explain`. */
  providerFor(iss: string | undefined): Provider | undefined;
}

/** Build the verifier: one per provider, each with its own JWKS cache (per URI, bounded). */
export function createMultiIssuerVerifier(config: MultiIssuerConfig): MultiIssuerVerifier {
  const byIssuer = new Map<string, { provider: Provider; verifier: { verify(credential: Credential): Promise<Principal>; warm(): void } }>();
  const all: { warm(): void }[] = [];
  for (const provider of config.providers) {
    const verifier = provider.type === "oidc" ? createOidcVerifier(provider.config) : createCognitoVerifier(provider.config);
    all.push(verifier);
    const issuers = provider.type === "oidc" ? [provider.config.issuer] : provider.config.userPools.flatMap((pool) => cognitoIssuers(pool.userPoolId));
    for (const issuer of issuers) byIssuer.set(issuer, { provider, verifier });
  }
  return {
    warm() {
      for (const verifier of all) verifier.warm();
    },
    providerFor(iss) {
      return iss === undefined ? undefined : byIssuer.get(iss)?.provider;
    },
    async verify(credential) {
      const peek = peekJwt(credential.value);
      if (peek === undefined) throw new AuthenticationError(ReasonCode.malformedToken, "not a compact JWS");
      const entry = peek.iss === undefined ? undefined : byIssuer.get(peek.iss);
      if (entry === undefined) throw withDetail(new AuthenticationError(ReasonCode.untrustedIssuer, "iss is not a configured provider"), detailOf(peek));
      const principal = await entry.verifier.verify(credential);
      return { ...principal, provider: entry.provider.name, ...(entry.provider.routeRules === undefined ? {} : { routeRules: entry.provider.routeRules }) };
    },
  };
}
