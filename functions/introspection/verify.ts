/**
 * The token introspection scheme: opaque OAuth 2.0 access tokens verified by asking the authorization
 * server (RFC 7662 §2), as a confidential client with `client_secret_basic` (RFC 6749 §2.3.1).
 *
 * Checks of an answer, in order: HTTP 200 with a JSON object holding a boolean `active`, else
 * `introspection_unavailable` (also for timeouts, network errors, a refused client); `active: true`, else
 * `token_inactive`; `token_type`, when present, is a bearer token (`wrong_token_use`); `iss`, when present
 * and `ISSUER` is set, equals it (`untrusted_issuer`); `exp` not past and `nbf` not future
 * (`expired`, `not_yet_valid`, within `CLOCK_TOLERANCE_SECONDS`); `aud` holds one of `AUDIENCE` when set
 * (`wrong_audience`); `sub`, else `client_id`, else `username` names the caller (`missing_claim`).
 *
 * **Cache.** Answers are kept in a bounded in-process map keyed by the SHA-256 of the token (the token
 * itself is never stored nor logged): active answers until `min(exp, INTROSPECTION_CACHE_TTL_SECONDS)`,
 * with the checks above re-run on every hit, inactive answers for `INTROSPECTION_NEGATIVE_CACHE_TTL_SECONDS`.
 * Failures to reach the server are never cached. Concurrent calls with one token share one request.
 * Consequence: a token revoked at the server is still accepted by a warm instance for up to the TTL.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7662
 * @module
 */
import { createHash } from "node:crypto";
import { checkedHttpsUrl } from "#shared/config/env";
import { scopesOf, type Principal } from "#shared/decide";
import { AuthenticationError, AuthError, ReasonCode } from "#shared/errors";
import { extractCredential, type Credential } from "#shared/events/credentials";
import { requestJson, type JsonRequester } from "#shared/http";
import type { Scheme } from "#shared/scheme";
import type { IntrospectionConfig } from "./config.ts";

/** Largest introspection answer or discovery document accepted, in bytes. */
const MAX_RESPONSE_BYTES = 65_536;

/** Test seams of {@link createIntrospectionScheme}. */
export interface IntrospectionSchemeDeps {
  /** Clock in epoch milliseconds; default `Date.now`. */
  readonly now?: () => number;
  /** HTTP transport; default {@link requestJson} (node:https, http on loopback only). */
  readonly requester?: JsonRequester;
}

/** A cached answer: the active token's claims (checks re-run on use), or "inactive". */
type CacheEntry = { readonly claims: Readonly<Record<string, unknown>>; readonly usableUntil: number } | { readonly claims: undefined; readonly usableUntil: number };

/** RFC 6749 Appendix B: `application/x-www-form-urlencoded` encoding of one value (space → `+`). */
function formEncode(value: string): string {
  return new URLSearchParams([["", value]]).toString().slice(1);
}

/**
 * The `Authorization` header value of `client_secret_basic` (RFC 6749 §2.3.1, RFC 7617): id and secret
 * each form-urlencoded, joined by `:`, base64. Secret: never log it.
 */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`, "utf8").toString("base64")}`;
}

const unavailable = (message: string, cause?: unknown): AuthenticationError =>
  new AuthenticationError(ReasonCode.introspectionUnavailable, message, cause === undefined ? undefined : { cause });

/**
 * Build the introspection scheme for `config`: named `introspection`, its credential the bearer token from
 * `TOKEN_SOURCES`.
 *
 * The principal: `principalId` is `sub`, else `client_id`, else `username`; claims (passed on as
 * `context`) are the introspection answer without `active`, plus `authScheme: "introspection"`; scopes
 * from `scope` (RFC 7662 §2.2, space-separated), the same rules as JWT scopes. No groups.
 *
 * `verify` throws {@link AuthenticationError} with `token_inactive`, `introspection_unavailable`,
 * `expired`, `not_yet_valid`, `untrusted_issuer`, `wrong_audience`, `wrong_token_use` or `missing_claim`.
 */
export function createIntrospectionScheme(config: IntrospectionConfig, deps: IntrospectionSchemeDeps = {}): Scheme {
  const now = deps.now ?? ((): number => Date.now());
  const request = deps.requester ?? requestJson;
  const authorization = basicAuthorization(config.clientId, config.clientSecret);
  const toleranceSeconds = config.clockToleranceSeconds;
  const entries = new Map<string, CacheEntry>();
  const inFlight = new Map<string, Promise<CacheEntry>>();

  // ---- endpoint: configured, or discovered once (a failed discovery is retried by the next call) ----
  let endpointPromise: Promise<URL> | undefined;
  function endpoint(): Promise<URL> {
    if (config.introspectionEndpoint !== undefined) return Promise.resolve(config.introspectionEndpoint);
    endpointPromise ??= discover().catch((error: unknown) => {
      endpointPromise = undefined;
      throw error;
    });
    return endpointPromise;
  }

  /** OpenID discovery, then RFC 8414 metadata; the document must name `ISSUER` and a usable `introspection_endpoint`. */
  async function discover(): Promise<URL> {
    const issuer = config.issuer ?? "";
    const base = new URL(issuer);
    const path = base.pathname.replace(/\/+$/, "");
    const candidates = [
      new URL(`${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`),
      new URL(`${base.origin}/.well-known/oauth-authorization-server${path}`),
    ];
    for (const url of candidates) {
      let answer;
      try {
        answer = await request(url, { timeoutMs: config.timeoutMs, maxBytes: MAX_RESPONSE_BYTES });
      } catch (error) {
        throw unavailable("discovery failed", error);
      }
      if (answer.status !== 200) continue;
      const document = (typeof answer.body === "object" && answer.body !== null ? answer.body : {}) as Record<string, unknown>;
      if (document.issuer !== issuer) throw unavailable("the discovery document names another issuer");
      const found = typeof document.introspection_endpoint === "string" ? checkedHttpsUrl(document.introspection_endpoint) : "missing";
      if (typeof found === "string") throw unavailable(`the discovery document's introspection_endpoint is unusable (${found})`);
      return found;
    }
    throw unavailable("no discovery document at the issuer");
  }

  // ---- one introspection request ----
  async function introspect(token: string): Promise<Record<string, unknown>> {
    const url = await endpoint();
    let answer;
    try {
      answer = await request(url, {
        method: "POST",
        headers: { authorization, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token, token_type_hint: "access_token" }).toString(),
        timeoutMs: config.timeoutMs,
        maxBytes: MAX_RESPONSE_BYTES,
      });
    } catch (error) {
      throw unavailable("the introspection request failed", error);
    }
    const body = answer.body;
    if (answer.status !== 200) throw unavailable(`the introspection endpoint answered ${answer.status}`);
    if (typeof body !== "object" || body === null || Array.isArray(body) || typeof (body as { active?: unknown }).active !== "boolean") {
      throw unavailable("the introspection answer is not a JSON object with a boolean active");
    }
    return body as Record<string, unknown>;
  }

  /** Introspect and turn the answer into a cache entry (stored when cacheable). */
  async function load(key: string, token: string): Promise<CacheEntry> {
    const answer = await introspect(token);
    const at = now();
    let entry: CacheEntry;
    if (answer.active === true) {
      const claims = { ...answer };
      delete claims.active;
      const exp = typeof claims.exp === "number" ? claims.exp * 1000 : Number.POSITIVE_INFINITY;
      entry = { claims: Object.freeze(claims), usableUntil: Math.min(exp, at + config.cacheTtlSeconds * 1000) };
    } else {
      entry = { claims: undefined, usableUntil: at + config.negativeCacheTtlSeconds * 1000 };
    }
    if (config.cacheTtlSeconds > 0 && entry.usableUntil > at) {
      if (entries.size >= config.cacheMaxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
      entries.set(key, entry);
    }
    return entry;
  }

  /** The cached entry for `token`, or a fresh one (one request per token in flight). */
  function entryFor(token: string): Promise<CacheEntry> {
    const key = createHash("sha256").update(token, "utf8").digest("base64");
    const hit = entries.get(key);
    if (hit !== undefined) {
      if (now() < hit.usableUntil) return Promise.resolve(hit);
      entries.delete(key);
    }
    let pending = inFlight.get(key);
    if (pending === undefined) {
      pending = load(key, token).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  }

  /** The checks of an active answer (run on fresh and cached answers alike). */
  function toPrincipal(claims: Readonly<Record<string, unknown>>): Principal {
    const nowSeconds = now() / 1000;
    const tokenType = claims.token_type;
    if (tokenType !== undefined && (typeof tokenType !== "string" || tokenType.toLowerCase() !== "bearer")) {
      throw new AuthenticationError(ReasonCode.wrongTokenUse, "the introspected token is not a bearer access token");
    }
    if (config.issuer !== undefined && claims.iss !== undefined && claims.iss !== config.issuer) {
      throw new AuthenticationError(ReasonCode.untrustedIssuer, "the introspection answer names another issuer");
    }
    if (typeof claims.exp === "number" && claims.exp + toleranceSeconds <= nowSeconds) {
      throw new AuthenticationError(ReasonCode.expired, "the introspected token's exp is past");
    }
    if (typeof claims.nbf === "number" && claims.nbf - toleranceSeconds > nowSeconds) {
      throw new AuthenticationError(ReasonCode.notYetValid, "the introspected token's nbf is in the future");
    }
    if (config.audiences.length > 0) {
      const aud = typeof claims.aud === "string" ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
      if (!aud.some((value) => typeof value === "string" && config.audiences.includes(value))) {
        throw new AuthenticationError(ReasonCode.wrongAudience, "the introspected token's aud holds none of AUDIENCE");
      }
    }
    const id = [claims.sub, claims.client_id, claims.username].find((value): value is string => typeof value === "string" && value !== "");
    if (id === undefined) throw new AuthenticationError(ReasonCode.missingClaim, "the introspection answer has neither sub, client_id nor username");
    const issuer = typeof claims.iss === "string" ? claims.iss : config.issuer;
    return {
      principalId: id,
      claims: { ...claims, authScheme: "introspection" },
      scopes: scopesOf(claims),
      groups: [],
      ...(issuer === undefined ? {} : { issuer }),
    };
  }

  async function verify(credential: Credential): Promise<Principal> {
    try {
      const entry = await entryFor(credential.value);
      if (entry.claims === undefined) throw new AuthenticationError(ReasonCode.tokenInactive, "the authorization server says the token is not active");
      return toPrincipal(entry.claims);
    } catch (error) {
      if (error instanceof AuthError) throw error;
      throw new AuthenticationError(ReasonCode.internal, "token introspection failed", { cause: error });
    }
  }

  return {
    name: "introspection",
    extract: (req) => extractCredential(req, config.tokenSources),
    verify,
    warm() {
      endpoint().catch(() => undefined);
    },
  };
}
