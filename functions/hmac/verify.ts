/**
 * Verify HMAC-signed requests (scheme: ./scheme.ts) against the keys table, with replay protection in
 * the nonces table.
 *
 * Checks, cheapest first, each failure a 401 with its reason:
 * 1. `Authorization` parses as `HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...` (`malformed_token`);
 * 2. `host`, `x-auth-date`, `x-auth-nonce`, `x-content-sha256` are signed, and every signed header is
 *    present (`missing_signed_header`); their formats are right (`malformed_token`);
 * 3. `x-auth-date` is within `HMAC_MAX_SKEW_SECONDS` of now, either way (`clock_skew`);
 * 4. the key id is an active, unexpired `hmac` item (`unknown_key`, `revoked_key`, `expired_key`,
 *    `store_unavailable`), read through the bounded lookup cache;
 * 5. the signature matches, compared in constant time (`bad_signature`);
 * 6. the nonce was not used before: a conditional write, done only now so unsigned requests cannot
 *    fill the table (`replayed_nonce`, `store_unavailable`).
 *
 * **The secret is stored, not hashed.** HMAC verification needs the secret itself, so the keys table
 * holds it (attribute `secret`), protected by DynamoDB encryption at rest (`SSESpecification`), IAM
 * (only this function and the key tool may read it) and TLS in transit. Anyone who can read the table
 * can sign as any HMAC client: grant `dynamodb:GetItem` on it narrowly. A stronger set-up encrypts the
 * attribute with KMS (`kms:Decrypt` in the authorizer, one call per cache miss); not done here because
 * it cannot be tested without AWS.
 *
 * @module
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Principal } from "#shared/decide";
import { AuthenticationError, AuthError, ReasonCode } from "#shared/errors";
import { MAX_CREDENTIAL_LENGTH, type Credential } from "#shared/events/credentials";
import { EventKind, type AuthRequest } from "#shared/events/types";
import { withDetail } from "#shared/pipeline";
import { TtlCache } from "#shared/store/cache";
import { callBudgetMs, createDocumentClient } from "#shared/store/dynamodb";
import { createKeyStore, type KeyItem } from "#shared/store/keys";
import type { HmacConfig } from "./config.ts";
import { createNonceStore, type NonceStore } from "./nonces.ts";
import {
  BODY_HASH_HEADER, BODY_HASH_PATTERN, canonicalPath, canonicalRequest, DATE_HEADER, hmacHex, NONCE_HEADER, NONCE_PATTERN,
  parseAuthDate, parseAuthorization, REQUIRED_SIGNED_HEADERS, signaturesEqual, stringToSign,
} from "./scheme.ts";

/** A verifier bound to one configuration. */
export interface HmacVerifier {
  /**
   * Verify a signed request.
   * @param credential the `Authorization` header value (see {@link extractHmacCredential}).
   * @param req the normalised request: method, path, query and headers are what the signature covers.
   * @throws {AuthenticationError} see the module docs for the reasons.
   */
  verify(credential: Credential, req: AuthRequest): Promise<Principal>;
}

/** Test seams of {@link createHmacVerifier}. */
export interface HmacVerifierDeps {
  /** DynamoDB document client; default: one made from `config.store`. */
  readonly client?: DynamoDBDocumentClient;
  /** Clock in epoch milliseconds; default `Date.now`. */
  readonly now?: () => number;
  /** Nonce store; default: the nonces table. */
  readonly nonces?: NonceStore;
}

/**
 * The `Authorization` header of a REQUEST event (or a TOKEN event's `authorizationToken`, which then
 * fails for want of the signed headers).
 * @throws {AuthenticationError} `missing_token` when absent or blank; `malformed_token` when over 16 KB.
 */
export function extractHmacCredential(req: AuthRequest): Credential {
  const token = req.kind === EventKind.restToken;
  const value = token ? req.authorizationToken : req.headers.authorization;
  if (value === undefined || value.trim() === "") throw new AuthenticationError(ReasonCode.missingToken, "no Authorization header");
  if (value.length > MAX_CREDENTIAL_LENGTH) throw new AuthenticationError(ReasonCode.malformedToken, "the Authorization header is too long");
  return { source: token ? "authorizationToken" : "header:authorization", value };
}

/**
 * The paths a client may have signed for `req`: the API's own path (`/orders/123`) and, on a named
 * stage, the path with the stage as called on the execute-api host (`/prod/orders/123`). A WebSocket
 * connect is `GET` on `/` or `/<stage>`.
 */
export function signablePaths(req: AuthRequest): string[] {
  const route = req.kind === EventKind.websocketConnect ? "/" : req.path;
  const paths = [route];
  const stage = req.arn.stage;
  if (stage !== "$default" && stage !== "*") paths.push(`/${stage}${route === "/" ? "" : route}`, `/${stage}${route}`);
  return [...new Set(paths.map(canonicalPath))];
}

function principalOf(item: KeyItem, bodyHash: string): Principal {
  return {
    principalId: item.principalId,
    claims: { sub: item.principalId, scope: item.scopes.join(" "), keyId: item.keyId, authScheme: "hmac", contentSha256: bodyHash },
    scopes: item.scopes,
    groups: [],
    kid: item.keyId,
  };
}

function fail(reason: ReasonCode, message: string): never {
  throw new AuthenticationError(reason, message);
}

/** Build the verifier for `config`. */
export function createHmacVerifier(config: HmacConfig, deps: HmacVerifierDeps = {}): HmacVerifier {
  const now = deps.now ?? ((): number => Date.now());
  const client = deps.client ?? createDocumentClient(config.store);
  const budgetMs = callBudgetMs(config.store);
  const keys = createKeyStore({
    client,
    table: config.keysTable,
    type: "hmac",
    cache: new TtlCache<string, KeyItem | null>({ ...config.cache, now }),
    budgetMs,
  });
  const nonces = deps.nonces ?? createNonceStore(client, config.noncesTable, budgetMs);

  async function check(keyId: string, signedHeaders: readonly string[], signature: string, req: AuthRequest): Promise<Principal> {
    const missing = REQUIRED_SIGNED_HEADERS.filter((name) => !signedHeaders.includes(name));
    if (missing.length > 0) fail(ReasonCode.missingSignedHeader, `SignedHeaders lacks ${missing.join(", ")}`);
    const absent = signedHeaders.filter((name) => req.headers[name] === undefined);
    if (absent.length > 0) fail(ReasonCode.missingSignedHeader, `signed header(s) ${absent.join(", ")} not in the request`);

    const authDate = req.headers[DATE_HEADER]?.trim() ?? "";
    const nonce = req.headers[NONCE_HEADER]?.trim() ?? "";
    const bodyHash = req.headers[BODY_HASH_HEADER]?.trim() ?? "";
    const sentAt = parseAuthDate(authDate);
    if (sentAt === undefined) fail(ReasonCode.malformedToken, `${DATE_HEADER} is not YYYYMMDDTHHMMSSZ`);
    if (!NONCE_PATTERN.test(nonce)) fail(ReasonCode.malformedToken, `${NONCE_HEADER} is not 16-128 characters of A-Z a-z 0-9 _ -`);
    if (!BODY_HASH_PATTERN.test(bodyHash)) fail(ReasonCode.malformedToken, `${BODY_HASH_HEADER} is not 64 lower-case hex digits`);

    const nowMs = now();
    if (Math.abs(nowMs - sentAt) > config.maxSkewSeconds * 1000) fail(ReasonCode.clockSkew, `${DATE_HEADER} is more than ${config.maxSkewSeconds} s away`);

    const nowSeconds = Math.floor(nowMs / 1000);
    const item = await keys.get(keyId, nowSeconds);
    const secret = item.secret ?? fail(ReasonCode.unknownKey, "the item has no secret");
    const method = req.kind === EventKind.websocketConnect ? "GET" : req.method;
    const query = Object.entries(req.query);
    const matches = signablePaths(req).some((path) => {
      const canonical = canonicalRequest({ method, path, query, headers: req.headers, signedHeaders });
      return signaturesEqual(hmacHex(secret, stringToSign(authDate, keyId, canonical)), signature);
    });
    if (!matches) fail(ReasonCode.badSignature, "the signature does not match the request");

    await nonces.claim(keyId, nonce, Math.floor(sentAt / 1000) + config.maxSkewSeconds, nowSeconds);
    return principalOf(item, bodyHash);
  }

  return {
    async verify({ value }, req) {
      const auth = parseAuthorization(value);
      if (auth === undefined) fail(ReasonCode.malformedToken, "not an HMAC-SHA256 Authorization header");
      try {
        return await check(auth.keyId, auth.signedHeaders, auth.signature, req);
      } catch (error) {
        const failure = error instanceof AuthError ? error : new AuthenticationError(ReasonCode.internal, "signature verification failed", { cause: error });
        throw withDetail(failure, { kid: auth.keyId });
      }
    },
  };
}
