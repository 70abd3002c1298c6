/**
 * The HMAC request-signing scheme, in the style of AWS Signature Version 4 (simplified: one shared
 * secret per client, no derived signing keys, no region or service scope). Used by the verifier
 * (./verify.ts) and by the signing helper for callers (./sign.ts); the README has the same spec with a
 * shell (openssl) example.
 *
 * **Request headers**
 * ```
 * Authorization: HMAC-SHA256 Credential=<keyId>, SignedHeaders=<h1;h2;...>, Signature=<hex>
 * x-auth-date: 20250617T140327Z          request time, UTC, ISO 8601 basic format
 * x-auth-nonce: <16-128 of A-Z a-z 0-9 _ ->   unique per request (e.g. 16 random bytes, base64url)
 * x-content-sha256: <hex SHA-256 of the body> (of the empty string when there is none)
 * ```
 * `SignedHeaders` lists lower-case header names, sorted, each once, and must include `host`,
 * `x-auth-date`, `x-auth-nonce` and `x-content-sha256` (never `authorization`). Other headers
 * (`content-type`, ...) may be added.
 *
 * **Canonical request** (lines joined with `\n`, no trailing newline):
 * ```
 * <METHOD>                 upper case; GET for a WebSocket connect
 * <canonical path>         each /-separated segment percent-decoded, then percent-encoded (RFC 3986: all but A-Z a-z 0-9 - _ . ~, upper-case hex); "/" if empty
 * <canonical query>        encode(name)=encode(value) pairs sorted by encoded name, joined by &; "" if none; a name at most once
 * <canonical headers>      one "name:value" line per signed header, in SignedHeaders order; value trimmed, inner whitespace runs → one space
 * <empty line>
 * <SignedHeaders>          as in the Authorization header
 * <x-content-sha256 value>
 * ```
 * **String to sign** and **signature**:
 * ```
 * StringToSign = "HMAC-SHA256\n" + <x-auth-date> + "\n" + <keyId> + "\n" + hex(SHA-256(canonical request))
 * Signature    = hex(HMAC-SHA256(key = the client's secret as UTF-8 bytes, StringToSign))
 * ```
 * **Path.** The authorizer accepts the path with the stage (`/prod/orders/123`, as called on the
 * execute-api host) or without it (`/orders/123`, as on a `$default` stage); behind a custom domain with a
 * base path mapping, sign the path without the base path. **Query.** API Gateway hands the authorizer
 * decoded values: send spaces as `%20` and `+` as `%2B`; a raw `+` is ambiguous and refused by the signer.
 *
 * **Body.** Authorizers never see the body: the backend must compare `x-content-sha256` with the SHA-256
 * of the body it received (the authorizer passes the signed value on as `context.contentSha256`).
 *
 * @module
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { KEY_ID_PATTERN } from "#shared/store/keys";

/** The `Authorization` scheme name and the string-to-sign algorithm line. */
export const ALGORITHM = "HMAC-SHA256";
/** Request time header. */
export const DATE_HEADER = "x-auth-date";
/** Nonce header. */
export const NONCE_HEADER = "x-auth-nonce";
/** Body hash header (the backend checks it). */
export const BODY_HASH_HEADER = "x-content-sha256";
/** Headers every signature must cover. */
export const REQUIRED_SIGNED_HEADERS = ["host", DATE_HEADER, NONCE_HEADER, BODY_HASH_HEADER] as const;
/** Hex SHA-256 of the empty string: the `x-content-sha256` of a request without a body. */
export const EMPTY_BODY_SHA256 = createHash("sha256").update("").digest("hex");

/** Nonces: 16-128 characters of A-Z a-z 0-9 _ -. */
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;
/** Body hashes: 64 lower-case hex digits. */
export const BODY_HASH_PATTERN = /^[0-9a-f]{64}$/;
const DATE_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

/** The parsed `Authorization` header. `signature` is secret-ish: never log it. */
export interface HmacAuthorization {
  readonly keyId: string;
  /** Lower-case, sorted, unique. */
  readonly signedHeaders: readonly string[];
  /** 64 lower-case hex digits. */
  readonly signature: string;
}

/**
 * Parse `HMAC-SHA256 Credential=<keyId>, SignedHeaders=<h1;h2>, Signature=<hex>` (parameters in any
 * order, each once; spaces after commas optional).
 * @returns the parts, or `undefined` when the value is not such a header.
 */
export function parseAuthorization(value: string): HmacAuthorization | undefined {
  const match = /^[ \t]*HMAC-SHA256[ \t]+(.+?)[ \t]*$/.exec(value);
  if (match?.[1] === undefined) return undefined;
  const params = new Map<string, string>();
  for (const part of match[1].split(",")) {
    const at = part.indexOf("=");
    if (at === -1) return undefined;
    const name = part.slice(0, at).trim();
    if (params.has(name)) return undefined;
    params.set(name, part.slice(at + 1).trim());
  }
  const keyId = params.get("Credential");
  const headerList = params.get("SignedHeaders");
  const signature = params.get("Signature");
  if (params.size !== 3 || keyId === undefined || headerList === undefined || signature === undefined) return undefined;
  if (!KEY_ID_PATTERN.test(keyId) || !/^[0-9a-f]{64}$/.test(signature)) return undefined;
  const signedHeaders = headerList.split(";");
  const sorted = [...new Set(signedHeaders)].sort();
  if (signedHeaders.some((name) => !HEADER_NAME.test(name)) || signedHeaders.join(";") !== sorted.join(";")) return undefined;
  if (signedHeaders.includes("authorization")) return undefined;
  return { keyId, signedHeaders, signature };
}

/** Format the `Authorization` header value. */
export function formatAuthorization(auth: HmacAuthorization): string {
  return `${ALGORITHM} Credential=${auth.keyId}, SignedHeaders=${auth.signedHeaders.join(";")}, Signature=${auth.signature}`;
}

/** `x-auth-date` for `date`: `YYYYMMDDTHHMMSSZ`, UTC. */
export function formatAuthDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** Epoch milliseconds of an `x-auth-date` value, or `undefined` when it is not `YYYYMMDDTHHMMSSZ` or not a real time. */
export function parseAuthDate(value: string): number | undefined {
  const match = DATE_PATTERN.exec(value);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls over (month 13, second 61): refuse what does not round-trip.
  return formatAuthDate(new Date(ms)) === value ? ms : undefined;
}

/** RFC 3986 percent-encoding: everything but `A-Z a-z 0-9 - _ . ~`, upper-case hex (UTF-8). */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The canonical path: each segment decoded then {@link uriEncode}d; `/` when empty. */
export function canonicalPath(path: string): string {
  if (path === "" || path === "/") return "/";
  return path.split("/").map((segment) => uriEncode(safeDecode(segment))).join("/");
}

/** The canonical query from decoded `[name, value]` pairs: sorted by encoded name, `name=value` joined by `&`. */
export function canonicalQuery(pairs: Iterable<readonly [string, string]>): string {
  return [...pairs]
    .map(([name, value]) => [uriEncode(name), uriEncode(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

/** A header value as signed: trimmed, inner whitespace runs collapsed to one space. */
export function canonicalHeaderValue(value: string): string {
  return value.trim().replace(/\s+/g, " ");
}

/** What a signature covers. */
export interface CanonicalInput {
  /** HTTP method, any case (upper-cased). */
  readonly method: string;
  /** Request path (encoded or not; it is canonicalised). */
  readonly path: string;
  /** Decoded query pairs. */
  readonly query: Iterable<readonly [string, string]>;
  /** Lower-case name → value, holding at least every signed header. */
  readonly headers: Readonly<Record<string, string>>;
  /** Lower-case, sorted. */
  readonly signedHeaders: readonly string[];
}

/** The canonical request (see the module docs). Signed headers missing from `headers` count as empty. */
export function canonicalRequest(input: CanonicalInput): string {
  const headerLines = input.signedHeaders.map((name) => `${name}:${canonicalHeaderValue(input.headers[name] ?? "")}\n`).join("");
  return [
    input.method.toUpperCase(),
    canonicalPath(input.path),
    canonicalQuery(input.query),
    headerLines,
    input.signedHeaders.join(";"),
    input.headers[BODY_HASH_HEADER] ?? "",
  ].join("\n");
}

/** The string to sign for a canonical request. */
export function stringToSign(authDate: string, keyId: string, canonical: string): string {
  return [ALGORITHM, authDate, keyId, createHash("sha256").update(canonical, "utf8").digest("hex")].join("\n");
}

/** Hex HMAC-SHA256 of `text` with `secret` (UTF-8 bytes) as the key. */
export function hmacHex(secret: string, text: string): string {
  return createHmac("sha256", Buffer.from(secret, "utf8")).update(text, "utf8").digest("hex");
}

/** Constant-time comparison of two hex signatures of equal length. */
export function signaturesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
