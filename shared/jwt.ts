/**
 * An unverified look at a compact JWT, for routing (which issuer?) and for log lines only.
 * Nothing read here is trusted: verification re-reads the token with jose or aws-jwt-verify.
 *
 * Every JWT verifier peeks first, so the peek is also where tokens that no verifier here may accept are
 * refused, whatever the library behind the verifier would make of them (RFC 7519 §7.2, RFC 7515 §4.1.11):
 * bytes that are not UTF-8, duplicate member names (so "first or last wins" can never matter: the issuer
 * chosen here and the claims the library verifies come from one unambiguous text), JSON nested more than
 * 32 levels deep, a `crit` header (no extension is understood), and `exp` / `nbf` / `iat` that are not
 * numbers a `Date` can hold (`1e400` parses as Infinity: a token that would never expire).
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

/** True when every time claim present is a finite number a `Date` can hold. */
function timeClaimsUsable(payload: Record<string, unknown>): boolean {
  return TIME_CLAIMS.every((claim) => {
    const value = payload[claim];
    return value === undefined || (typeof value === "number" && Math.abs(value) <= MAX_NUMERIC_DATE);
  });
}

/**
 * Read `kid`, `alg` and `iss` of a compact JWS (RFC 7515 §7.1: three base64url segments, JSON header and payload).
 * @returns `undefined` when `token` is not one (wrong segment count, bad base64url, not UTF-8, non-JSON,
 *   a member named twice, nested too deep), or is one no verifier here may accept (a `crit` header; `exp`,
 *   `nbf` or `iat` not a finite number within a `Date`'s range): the callers answer `malformed_token`.
 */
export function peekJwt(token: string): JwtPeek | undefined {
  const segments = token.split(".");
  if (segments.length !== 3 || !SEGMENT.test(segments[0] ?? "") || !SEGMENT.test(segments[1] ?? "")) return undefined;
  const header = jsonObject(segments[0] ?? "");
  const payload = jsonObject(segments[1] ?? "");
  if (header === undefined || payload === undefined) return undefined;
  if (header.crit !== undefined || !timeClaimsUsable(payload)) return undefined;
  const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
  return { kid: text(header.kid), alg: text(header.alg), iss: text(payload.iss) };
}

/** `{iss, kid}` of a peek without undefined members, for `withDetail`. */
export function detailOf(peek: JwtPeek | undefined): { iss?: string; kid?: string } {
  return { ...(peek?.iss === undefined ? {} : { iss: peek.iss }), ...(peek?.kid === undefined ? {} : { kid: peek.kid }) };
}
