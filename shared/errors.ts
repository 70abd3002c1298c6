/**
 * One error tree for every authorizer, each error carrying a stable {@link ReasonCode}.
 *
 * Schemes throw these; only `respond()` (shared/respond.ts) turns them into what API Gateway expects:
 * an {@link AuthenticationError} becomes a 401, an {@link AuthorizationError} a 403 (explicit Deny),
 * anything else is treated as unauthenticated with reason `internal`. No scheme picks a status code.
 *
 * @module
 */

/**
 * Closed set of reason codes written to the decision log line and carried by every error.
 * Stable: dashboards and alarms key on these strings.
 */
export const ReasonCode = {
  /** Allowed: credential verified and every requirement met. */
  ok: "ok",
  /** No credential where the configured token sources say it should be. */
  missingToken: "missing_token",
  /** Not a compact JWS: wrong segment count, bad base64url, non-JSON header or payload, too large. */
  malformedToken: "malformed_token",
  /** `exp` is in the past (RFC 7519 §4.1.4). */
  expired: "expired",
  /** `nbf` is in the future (RFC 7519 §4.1.5). */
  notYetValid: "not_yet_valid",
  /** A required claim (`exp`, `sub`, `token_use`, ...) is absent or of the wrong type. */
  missingClaim: "missing_claim",
  /** Signature does not verify with the key named by `kid`. */
  badSignature: "bad_signature",
  /** `alg` is not in the configured allow-list (`none` and HMAC are never in it). */
  algorithmNotAllowed: "algorithm_not_allowed",
  /** The token's `kid` is not in the issuer's JWKS, even after one refetch. */
  unknownKid: "unknown_kid",
  /** `iss` is not the configured issuer. */
  untrustedIssuer: "untrusted_issuer",
  /** `aud` (or Cognito `client_id`) holds none of the configured audiences. */
  wrongAudience: "wrong_audience",
  /** Cognito `token_use` is not the configured one (an ID token where access is expected, or the reverse). */
  wrongTokenUse: "wrong_token_use",
  /** A required scope is not granted. Authorization failure: 403. */
  insufficientScope: "insufficient_scope",
  /** A required Cognito group is missing. Authorization failure: 403. */
  missingGroup: "missing_group",
  /** A claim condition of the route's rule is not met. Authorization failure: 403. */
  claimMismatch: "claim_mismatch",
  /** No route rule covers the route called. Authorization failure: 403. */
  noMatchingRoute: "no_matching_route",
  /** The route's rule is met, but a Deny for an overlapping route the caller may not call also covers it (IAM has no one-segment wildcard): failed closed. 403. */
  routeConflict: "route_conflict",
  /** A certificate-bound token (RFC 8705) does not match the client certificate, or there is none. 401. */
  certificateBindingMismatch: "certificate_binding_mismatch",
  /** The route's rule requires a credential scheme the call did not verify. 403. */
  missingScheme: "missing_scheme",
  /** The source IP or VPC endpoint is outside the configured network conditions. 403. */
  networkDenied: "network_denied",
  /** The answer would exceed API Gateway's limits (Resource ARN over 512 characters, WebSocket result over 8 KB): failed closed. 403. */
  policyTooLarge: "policy_too_large",
  /** The JWKS could not be fetched (down, timeout, too large, not a JWKS) and no usable cached copy exists. */
  jwksUnavailable: "jwks_unavailable",
  /** The event is not an API Gateway authorizer event this project can read. */
  malformedEvent: "malformed_event",
  /** A bug or an unexpected error: treated as unauthenticated, never as an Allow. */
  internal: "internal",
  /** API key or HMAC key id not in the keys table (or an item of the other scheme). */
  unknownKey: "unknown_key",
  /** The key's item has `status: "revoked"`. */
  revokedKey: "revoked_key",
  /** The key's item has an `expiresAt` (epoch seconds) in the past. */
  expiredKey: "expired_key",
  /** API key id known, but the secret does not match the stored hash (compared in constant time). */
  wrongSecret: "wrong_secret",
  /** HMAC request timestamp (`x-auth-date`) further from the authorizer's clock than the allowed skew, either way. */
  clockSkew: "clock_skew",
  /** HMAC nonce (`x-auth-nonce`) already used by this key within the skew window. */
  replayedNonce: "replayed_nonce",
  /** A header HMAC requires (`host`, `x-auth-date`, `x-content-sha256`, `x-auth-nonce`) is unsigned, or a signed header is absent. */
  missingSignedHeader: "missing_signed_header",
  /** The key store (DynamoDB) failed or did not answer in time; never an Allow. */
  storeUnavailable: "store_unavailable",
  /** No client certificate in the request (`clientCert` absent: the API's custom domain does not use mutual TLS). */
  missingCertificate: "missing_certificate",
  /** `clientCertPem` is not exactly one parsable X.509 certificate. */
  malformedCertificate: "malformed_certificate",
  /** The client certificate's `notAfter` is in the past (RFC 5280 §4.1.2.5). */
  certificateExpired: "certificate_expired",
  /** The client certificate's `notBefore` is in the future (RFC 5280 §4.1.2.5). */
  certificateNotYetValid: "certificate_not_yet_valid",
  /** The client certificate matches none of the allowed subjects, SANs, issuers or fingerprints. */
  certificateNotAllowed: "certificate_not_allowed",
  /** The client certificate's serial number or fingerprint is on the revocation list. */
  certificateRevoked: "certificate_revoked",
  /** The client certificate is not issued (signed) by one of the trusted CA certificates. */
  untrustedCa: "untrusted_ca",
  /** Token introspection (RFC 7662) answered `active: false`: unknown, expired or revoked at the issuer. */
  tokenInactive: "token_inactive",
  /** The introspection endpoint (or its discovery) failed, timed out, refused our client, or answered no JSON; never an Allow. */
  introspectionUnavailable: "introspection_unavailable",
} as const;

/** One of the {@link ReasonCode} values, e.g. `"expired"`. */
export type ReasonCode = (typeof ReasonCode)[keyof typeof ReasonCode];

/**
 * Base of every error this project throws on purpose. `message` is safe to log: it never holds a
 * token, a key or a header value. `cause` may hold the library error (also never logged whole).
 */
export abstract class AuthError extends Error {
  /** Why the request failed; a {@link ReasonCode}. */
  readonly reason: ReasonCode;

  constructor(reason: ReasonCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.reason = reason;
  }
}

/** "Who are you?" failed: the credential is missing, malformed, expired, or does not verify. → 401. */
export class AuthenticationError extends AuthError {}

/** The caller is known but may not do this: missing scope, group or rule. → 403 (explicit Deny). */
export class AuthorizationError extends AuthError {}

/**
 * A misconfiguration found at init. Thrown from module scope so the cold start fails loudly; the
 * message lists every problem, each naming the environment variable and the fix.
 */
export class ConfigError extends Error {
  /** Each problem as `VARIABLE: what is wrong, and the fix`. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n- ${problems.join("\n- ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Reason code of any thrown value: the {@link AuthError}'s own, else `internal`. */
export function reasonOf(error: unknown): ReasonCode {
  return error instanceof AuthError ? error.reason : ReasonCode.internal;
}
