/**
 * Compact JWTs: a strict decode, the unverified peek (for routing and log lines), and {@link verifyJwt},
 * the verification every JWT scheme uses (signature through `shared/jws.ts`, keys from the shared JWKS cache).
 *
 * The decode is where tokens that no verifier here may accept are refused, before any key lookup
 * (RFC 7519 §7.2, RFC 7515 §4.1.11): bytes that are not UTF-8, duplicate member names (so "first or last
 * wins" can never matter: the issuer chosen here and the claims verified come from one unambiguous text),
 * JSON nested more than 32 levels deep, a `crit` header (no extension is understood), `exp` / `nbf` /
 * `iat` that are not numbers a `Date` can hold (`1e400` parses as Infinity: a token that would never expire),
 * and registered claims of the wrong type (RFC 7519 §4.1: `iss`, `sub`, `jti` strings; `aud` a string or an
 * array of strings), as aws-jwt-verify refuses them too.
 *
 * @module
 */
import { AuthenticationError, ReasonCode } from "./errors.ts";
import type { Jwk } from "./jwks/cache.ts";
import { signatureValid } from "./jws.ts";

/** What a peek reveals: the header's `kid` and `alg`, the payload's `iss`. All unverified. */
export interface JwtPeek {
  readonly kid: string | undefined;
  readonly alg: string | undefined;
  readonly iss: string | undefined;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** Throws on bytes that are not UTF-8, instead of replacing them with U+FFFD as `Buffer#toString` does. */
const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** The NumericDate claims (RFC 7519 §4.1.4-6). */
const TIME_CLAIMS = ["exp", "nbf", "iat"] as const;

/** Largest NumericDate magnitude, in seconds, a JavaScript `Date` can hold (ECMA-262 §21.4.1.22: ±8.64e15 ms). */
const MAX_NUMERIC_DATE = 8.64e12;

/** Deepest nesting of arrays and objects accepted in a header or payload; real claims stay far below it. */
const MAX_DEPTH = 32;

/**
 * False when the top-level object of the JSON text `json` (already parsed once) names a member twice, or
 * nests deeper than {@link MAX_DEPTH} (a library parsing with a reviver recurses, and would fail only
 * where its stack ends).
 */
function shapeAllowed(json: string): boolean {
  const seen = new Set<string>();
  let depth = 0;
  let expectName = false;
  for (let index = 0; index < json.length; index += 1) {
    const char = json[index];
    if (char === '"') {
      let end = index + 1;
      while (json[end] !== '"') end += json[end] === "\\" ? 2 : 1;
      if (depth === 1 && expectName) {
        const name = JSON.parse(json.slice(index, end + 1)) as string; // escapes decoded: "\u0069ss" is "iss"
        if (seen.has(name)) return false;
        seen.add(name);
        expectName = false;
      }
      index = end;
    } else if (char === "{" || char === "[") {
      depth += 1;
      if (depth > MAX_DEPTH) return false;
      expectName = depth === 1;
    } else if (char === "}" || char === "]") {
      depth -= 1;
    } else if (char === "," && depth === 1) {
      expectName = true;
    }
  }
  return true;
}

function jsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const json = UTF8.decode(Buffer.from(segment, "base64url"));
    const value: unknown = JSON.parse(json);
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    return shapeAllowed(json) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** True when `iss`, `sub`, `jti` are strings and `aud` a string or an array of strings, where present (RFC 7519 §4.1). */
function registeredClaimsTyped(payload: Record<string, unknown>): boolean {
  for (const claim of ["iss", "sub", "jti"]) if (payload[claim] !== undefined && typeof payload[claim] !== "string") return false;
  const aud = payload.aud;
  return aud === undefined || typeof aud === "string" || (Array.isArray(aud) && aud.every((value) => typeof value === "string"));
}

/** True when every time claim present is a finite number a `Date` can hold. */
function timeClaimsUsable(payload: Record<string, unknown>): boolean {
  return TIME_CLAIMS.every((claim) => {
    const value = payload[claim];
    return value === undefined || (typeof value === "number" && Math.abs(value) <= MAX_NUMERIC_DATE);
  });
}

/** A compact JWS split and parsed by {@link decodeJwt}; nothing in it is verified. */
export interface DecodedJwt {
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Readonly<Record<string, unknown>>;
  /** `BASE64URL(header) "." BASE64URL(payload)`, as received: what the signature covers. */
  readonly signingInput: string;
  /** The third segment, still base64url (possibly empty, possibly not base64url at all). */
  readonly signature: string;
}

/**
 * Split and parse a compact JWS (RFC 7515 §7.1: three base64url segments, JSON header and payload).
 * @returns `undefined` when `token` is not one (wrong segment count, bad base64url, not UTF-8, non-JSON,
 *   a member named twice, nested too deep), or is one no verifier here may accept (a `crit` header; `exp`,
 *   `nbf` or `iat` not a finite number within a `Date`'s range; `iss`, `sub`, `jti` or `aud` of the wrong
 *   type): the callers answer `malformed_token`.
 */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const segments = token.split(".");
  if (segments.length !== 3 || !SEGMENT.test(segments[0] ?? "") || !SEGMENT.test(segments[1] ?? "")) return undefined;
  const header = jsonObject(segments[0] ?? "");
  const payload = jsonObject(segments[1] ?? "");
  if (header === undefined || payload === undefined) return undefined;
  if (header.crit !== undefined || !timeClaimsUsable(payload) || !registeredClaimsTyped(payload)) return undefined;
  return { header, payload, signingInput: `${segments[0] ?? ""}.${segments[1] ?? ""}`, signature: segments[2] ?? "" };
}

const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** `kid`, `alg` and `iss` of a decoded token. */
function peekOf({ header, payload }: DecodedJwt): JwtPeek {
  return { kid: text(header.kid), alg: text(header.alg), iss: text(payload.iss) };
}

/**
 * Read `kid`, `alg` and `iss` of a compact JWS, unverified.
 * @returns `undefined` whenever {@link decodeJwt} does.
 */
export function peekJwt(token: string): JwtPeek | undefined {
  const decoded = decodeJwt(token);
  return decoded === undefined ? undefined : peekOf(decoded);
}

/** `{iss, kid}` of a peek without undefined members, for `withDetail`. */
export function detailOf(peek: JwtPeek | undefined): { iss?: string; kid?: string } {
  return { ...(peek?.iss === undefined ? {} : { iss: peek.iss }), ...(peek?.kid === undefined ? {} : { kid: peek.kid }) };
}

/** What {@link verifyJwt} checks a token against. */
export interface JwtVerification {
  /** Allowed `alg` values (asymmetric only; anything else never verifies). */
  readonly algorithms: readonly string[];
  /** Accepted `iss` values, compared exactly; checked before any key lookup. */
  readonly issuers: ReadonlySet<string>;
  /**
   * The key for a token of issuer `iss` with header `kid` and `alg`: usually the shared JWKS cache's `getJwk`.
   * @throws {AuthenticationError} `unknown_kid` or `jwks_unavailable`.
   */
  readonly keyFor: (iss: string, kid: string | undefined, alg: string) => Jwk | Promise<Jwk>;
  /** When given, `aud` is required and must name one of these (a string or an array of strings, RFC 7519 §4.1.3). */
  readonly audiences?: readonly string[];
  /** Leeway for `exp` and `nbf`, in seconds. */
  readonly clockToleranceSeconds: number;
  /** Clock in ms since the epoch; default `Date.now`. */
  readonly now?: () => number;
}

/**
 * Verify a compact JWS JWT, in this order (the first failed check names the reason):
 * 1. decode ({@link decodeJwt}); a `b64` header member (RFC 7797) is refused too → `malformed_token`;
 * 2. `iss` is one of `issuers` → else `untrusted_issuer` (no network call for a foreign issuer);
 * 3. `alg` is a string → else `malformed_token`; in `algorithms` → else `algorithm_not_allowed`;
 *    `kid`, when present, a string → else `malformed_token`;
 * 4. the key from `keyFor` (only the configured JWKS: `jku`, `x5u`, `x5c` and `jwk` headers are never read);
 * 5. the signature (`shared/jws.ts`) → `bad_signature`; a third segment that is not base64url → `malformed_token`;
 * 6. claims, failing as: `aud` absent or naming none of `audiences` (when given) → `wrong_audience`;
 *    no `exp` → `missing_claim`; `nbf` > now + tolerance → `not_yet_valid`; `exp` ≤ now − tolerance →
 *    `expired` (RFC 7519 §4.1.4-5: a token is no longer valid *at* its `exp`, as jose does). "now" is
 *    whole seconds (`floor(now() / 1000)`).
 *
 * Synchronous apart from a key lookup that needs a fetch.
 * @returns the header and the claims, now verified.
 * @throws {AuthenticationError} with the reason codes above, or the key lookup's.
 */
export async function verifyJwt(token: string, options: JwtVerification): Promise<DecodedJwt> {
  const decoded = decodeJwt(token);
  if (decoded === undefined) throw new AuthenticationError(ReasonCode.malformedToken, "not a compact JWS");
  const { header, payload } = decoded;
  if (header.b64 !== undefined) throw new AuthenticationError(ReasonCode.malformedToken, "the token has a b64 header");
  const iss = payload.iss;
  if (typeof iss !== "string" || !options.issuers.has(iss)) throw new AuthenticationError(ReasonCode.untrustedIssuer, "iss is not a configured issuer");
  const alg = header.alg;
  if (typeof alg !== "string") throw new AuthenticationError(ReasonCode.malformedToken, "the token has no alg");
  if (!options.algorithms.includes(alg)) throw new AuthenticationError(ReasonCode.algorithmNotAllowed, "alg is not allowed");
  // RFC 7515 §4.1.4: `kid` is a string; any other type is a malformed header, not "no kid".
  if (header.kid !== undefined && typeof header.kid !== "string") throw new AuthenticationError(ReasonCode.malformedToken, "the token's kid is not a string");
  const jwk = await options.keyFor(iss, header.kid, alg);
  if (!SIGNATURE.test(decoded.signature)) throw new AuthenticationError(ReasonCode.malformedToken, "the signature is not base64url");
  if (!signatureValid(alg, decoded.signingInput, Buffer.from(decoded.signature, "base64url"), jwk)) {
    throw new AuthenticationError(ReasonCode.badSignature, "the signature does not verify");
  }
  checkClaims(payload, options);
  return decoded;
}

/** A base64url third segment; empty is well-formed (and never verifies). */
const SIGNATURE = /^[A-Za-z0-9_-]*$/;

/** Step 6 of {@link verifyJwt}. Time claims are numbers here: {@link decodeJwt} refused any other. */
function checkClaims(payload: Readonly<Record<string, unknown>>, { audiences, clockToleranceSeconds, now = Date.now }: JwtVerification): void {
  if (audiences !== undefined) {
    const aud = payload.aud as string | readonly string[] | undefined; // decodeJwt refused any other type
    const named = typeof aud === "string" ? [aud] : (aud ?? []);
    if (!named.some((value) => audiences.includes(value))) {
      throw new AuthenticationError(ReasonCode.wrongAudience, aud === undefined ? "the token has no aud" : "aud names none of the configured audiences");
    }
  }
  const { exp, nbf } = payload as { exp?: number; nbf?: number };
  if (exp === undefined) throw new AuthenticationError(ReasonCode.missingClaim, "the token has no exp");
  const seconds = Math.floor(now() / 1000);
  if (nbf !== undefined && nbf > seconds + clockToleranceSeconds) throw new AuthenticationError(ReasonCode.notYetValid, "the token is not valid yet (nbf)");
  if (exp <= seconds - clockToleranceSeconds) throw new AuthenticationError(ReasonCode.expired, "the token has expired");
}
