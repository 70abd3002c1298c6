/**
 * Where a token scheme finds its credential, and how it is taken out of the request.
 *
 * - TOKEN events: `authorizationToken`, either `Bearer <token>` or the bare token.
 * - REQUEST events: the ordered `TOKEN_SOURCES` list, e.g. `header:Authorization,query:token,cookie:session`;
 *   the first source present is used (a present but malformed value is an error, not a fall-through).
 * - The `Authorization` header must use the Bearer scheme (RFC 6750 §2.1; scheme name case-insensitive).
 *
 * @module
 */
import { AuthenticationError, ReasonCode } from "../errors.ts";
import { EventKind, type AuthRequest } from "./types.ts";

/**
 * One place a credential may be: a header (lower-case name), a query parameter, a cookie, or an entry of
 * the WebSocket `Sec-WebSocket-Protocol` header that starts with `name` (browsers cannot set
 * `Authorization` on a WebSocket handshake; they send `new WebSocket(url, ["bearer.<token>"])`; RFC 6455 §4.1).
 */
export interface TokenSource {
  readonly in: "header" | "query" | "cookie" | "subprotocol";
  readonly name: string;
}

/** The credential in a `Sec-WebSocket-Protocol` list: the entry starting with `prefix`, without it. */
function fromSubprotocols(header: string | undefined, prefix: string): string | undefined {
  if (header === undefined) return undefined;
  const entry = header.split(",").map((item) => item.trim()).find((item) => item.startsWith(prefix) && item.length > prefix.length);
  return entry?.slice(prefix.length);
}

/** A credential taken from a request. `value` is secret: never log it. */
export interface Credential {
  /** Where it came from: `authorizationToken`, or the source (`header:authorization`, `query:token`, ...). */
  readonly source: string;
  readonly value: string;
}

/** Largest credential accepted, in characters; larger values are `malformed_token` before any parsing. */
export const MAX_CREDENTIAL_LENGTH = 16_384;

/** RFC 6750 §2.1: `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** `Bearer` (any case), one or more spaces, the token; optional surrounding whitespace tolerated. */
const BEARER = /^[ \t]*bearer +([^ \t]+)[ \t]*$/i;

/**
 * Parse `TOKEN_SOURCES` (`header:Authorization,query:token,cookie:session`).
 * Returns the sources, or a problem string naming the bad entry.
 */
export function parseTokenSources(spec: readonly string[]): TokenSource[] | string {
  const sources: TokenSource[] = [];
  for (const entry of spec) {
    const match = /^(header|query|cookie|subprotocol):([!#$%&'*+\-.^_`|~0-9A-Za-z]+)$/.exec(entry);
    if (match === null) return `"${entry}" is not header:NAME, query:NAME, cookie:NAME or subprotocol:PREFIX`;
    const where = match[1] as TokenSource["in"];
    const name = match[2] as string;
    sources.push({ in: where, name: where === "header" ? name.toLowerCase() : name });
  }
  return sources;
}

function bearerOrBare(value: string, allowBare: boolean): string {
  const bearer = BEARER.exec(value);
  // Only spaces and tabs (HTTP optional whitespace, RFC 9110 §5.6.3) are trimmed: a CR or LF is never part of a token.
  const token = bearer?.[1] ?? (allowBare ? value.replace(/^[ \t]+|[ \t]+$/g, "") : undefined);
  // `Bearer` alone is a scheme without a token, not a bare token.
  if (token === undefined || !B64TOKEN.test(token) || (bearer === null && /^bearer$/i.test(token))) {
    throw new AuthenticationError(ReasonCode.malformedToken, "the credential is not a Bearer token (RFC 6750 §2.1)");
  }
  return token;
}

/**
 * Take the credential out of `req`.
 *
 * @param sources where REQUEST events carry it, in order (ignored for TOKEN events).
 * @throws {AuthenticationError} `missing_token` when no source holds a value; `malformed_token` when the
 *   value is too long, not a Bearer token in `Authorization`, or not RFC 6750 token characters.
 */
export function extractCredential(req: AuthRequest, sources: readonly TokenSource[]): Credential {
  let source: string | undefined;
  let raw: string | undefined;
  if (req.kind === EventKind.restToken) {
    source = "authorizationToken";
    raw = req.authorizationToken;
  } else {
    for (const candidate of sources) {
      const value = candidate.in === "subprotocol"
        ? fromSubprotocols(req.headers["sec-websocket-protocol"], candidate.name)
        : (candidate.in === "header" ? req.headers : candidate.in === "query" ? req.query : req.cookies)[candidate.name];
      if (value !== undefined && value.trim() !== "") {
        source = `${candidate.in}:${candidate.name}`;
        raw = value;
        break;
      }
    }
  }
  if (source === undefined || raw === undefined || raw.trim() === "") {
    throw new AuthenticationError(ReasonCode.missingToken, "no credential in the configured token sources");
  }
  if (raw.length > MAX_CREDENTIAL_LENGTH) {
    throw new AuthenticationError(ReasonCode.malformedToken, `the credential is longer than ${MAX_CREDENTIAL_LENGTH} characters`);
  }
  // Authorization must say Bearer; a TOKEN event's authorizationToken and other sources may hold the bare token.
  const allowBare = source !== "header:authorization";
  return { source, value: bearerOrBare(raw, allowBare) };
}
