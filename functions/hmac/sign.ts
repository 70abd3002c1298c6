/**
 * Sign a request for the HMAC authorizer: the helper for callers (Node.js 20+, `node:crypto` only).
 * The scheme is specified in ./scheme.ts and in the README.
 *
 * @example
 * ```ts
 * import { signRequest } from "./functions/hmac/sign.ts";
 * const body = JSON.stringify({ sku: "A-1", quantity: 2 });
 * const url = "https://abcdef123.execute-api.us-east-1.amazonaws.com/orders";
 * const { headers } = signRequest({ method: "POST", url, keyId, secret, body, headers: { "content-type": "application/json" } });
 * const response = await fetch(url, { method: "POST", headers, body });
 * ```
 *
 * @module
 */
import { createHash, randomBytes } from "node:crypto";
import {
  BODY_HASH_HEADER, canonicalHeaderValue, canonicalRequest, DATE_HEADER, formatAuthDate, formatAuthorization, hmacHex,
  NONCE_HEADER, NONCE_PATTERN, stringToSign,
} from "./scheme.ts";

/** What to sign. */
export interface SignRequestInput {
  /** HTTP method, e.g. `GET` (`GET` for a WebSocket connect). */
  readonly method: string;
  /** The full URL the request goes to (`https://host/stage/path?query`). */
  readonly url: string | URL;
  /** The client's key id (`Credential=`). */
  readonly keyId: string;
  /** The client's secret, as `npm run keys -- create --type hmac` printed it. */
  readonly secret: string;
  /** Further headers to send and sign (`content-type`, ...); names any case. Never `authorization`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The body (its SHA-256 goes into `x-content-sha256`); default none (the empty string's hash). */
  readonly body?: string | Uint8Array;
  /** Request time; default now. */
  readonly date?: Date;
  /** The nonce; default 16 random bytes, base64url. */
  readonly nonce?: string;
  /**
   * A custom domain's base path mapping (`/v1`) to leave out of the signed path, which is the API's own
   * path (with or without the stage). Default none: sign the URL's path as it is.
   */
  readonly basePath?: string;
}

/** The result of {@link signRequest}. */
export interface SignedRequest {
  /**
   * Headers to send, lower-case names: `authorization`, `x-auth-date`, `x-auth-nonce`, `x-content-sha256`
   * and the extra ones. `host` is signed (the URL's host unless `headers` gave one) but not included unless
   * given: every HTTP client sets it from the URL (and `fetch` refuses to set it).
   */
  readonly headers: Record<string, string>;
  /** The canonical request that was signed (for debugging a mismatch; holds no secret). */
  readonly canonicalRequest: string;
  /** The string to sign (for debugging; holds no secret). */
  readonly stringToSign: string;
}

/**
 * Sign a request.
 * @throws {TypeError} for a URL with a raw `+` or a repeated parameter name in the query, a path outside
 *   `basePath`, a bad nonce, or an `authorization` header among `headers`.
 */
export function signRequest(input: SignRequestInput): SignedRequest {
  const url = new URL(input.url);
  if (url.search.includes("+")) throw new TypeError("the query has a raw +: send a space as %20 and a plus as %2B");
  const names = [...url.searchParams.keys()];
  if (new Set(names).size !== names.length) throw new TypeError("a query parameter name appears twice: the scheme signs each name once");
  let path = url.pathname;
  if (input.basePath !== undefined && input.basePath !== "" && input.basePath !== "/") {
    const base = input.basePath.replace(/\/+$/, "");
    if (path !== base && !path.startsWith(`${base}/`)) throw new TypeError(`the URL path ${path} is not under basePath ${base}`);
    path = path.slice(base.length) || "/";
  }
  const nonce = input.nonce ?? randomBytes(16).toString("base64url");
  if (!NONCE_PATTERN.test(nonce)) throw new TypeError("the nonce must be 16-128 characters of A-Z a-z 0-9 _ -");
  const authDate = formatAuthDate(input.date ?? new Date());
  const bodyHash = createHash("sha256").update(input.body ?? "").digest("hex");

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    const lower = name.toLowerCase();
    if (lower === "authorization") throw new TypeError("the authorization header cannot be signed");
    headers[lower] = canonicalHeaderValue(value);
  }
  headers[DATE_HEADER] = authDate;
  headers[NONCE_HEADER] = nonce;
  headers[BODY_HASH_HEADER] = bodyHash;
  const signed = { host: url.host, ...headers };
  const signedHeaders = Object.keys(signed).sort();

  const canonical = canonicalRequest({ method: input.method, path, query: url.searchParams, headers: signed, signedHeaders });
  const toSign = stringToSign(authDate, input.keyId, canonical);
  const signature = hmacHex(input.secret, toSign);
  return {
    headers: { authorization: formatAuthorization({ keyId: input.keyId, signedHeaders, signature }), ...headers },
    canonicalRequest: canonical,
    stringToSign: toSign,
  };
}
