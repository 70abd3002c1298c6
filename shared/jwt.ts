/**
 * An unverified look at a compact JWT, for routing (which issuer?) and for log lines only.
 * Nothing read here is trusted: verification re-reads the token with jose or aws-jwt-verify.
 *
 * @module
 */

/** What a peek reveals: the header's `kid` and `alg`, the payload's `iss`. All unverified. */
export interface JwtPeek {
  readonly kid: string | undefined;
  readonly alg: string | undefined;
  readonly iss: string | undefined;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

function jsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Read `kid`, `alg` and `iss` of a compact JWS (RFC 7515 §7.1: three base64url segments, JSON header and payload).
 * @returns `undefined` when `token` is not one (wrong segment count, bad base64url, non-JSON).
 */
export function peekJwt(token: string): JwtPeek | undefined {
  const segments = token.split(".");
  if (segments.length !== 3 || !SEGMENT.test(segments[0] ?? "") || !SEGMENT.test(segments[1] ?? "")) return undefined;
  const header = jsonObject(segments[0] ?? "");
  const payload = jsonObject(segments[1] ?? "");
  if (header === undefined || payload === undefined) return undefined;
  const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
  return { kid: text(header.kid), alg: text(header.alg), iss: text(payload.iss) };
}

/** `{iss, kid}` of a peek without undefined members, for `withDetail`. */
export function detailOf(peek: JwtPeek | undefined): { iss?: string; kid?: string } {
  return { ...(peek?.iss === undefined ? {} : { iss: peek.iss }), ...(peek?.kid === undefined ? {} : { kid: peek.kid }) };
}
