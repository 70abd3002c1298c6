/**
 * OpenID Provider discovery: the `jwks_uri` of an issuer, from `<issuer>/.well-known/openid-configuration`.
 *
 * @see OpenID Connect Discovery 1.0 §4 (location) and §4.3 (the document's `issuer` must equal the issuer)
 * @module
 */
import { AuthenticationError, ReasonCode } from "../errors.ts";
import { checkedHttpsUrl } from "../config/env.ts";
import { fetchJson, type JsonFetcher } from "./fetch.ts";

/** Limits and transport of a discovery fetch. */
export interface DiscoveryOptions {
  /** Deadline in ms. Default 3000. */
  readonly timeoutMs?: number;
  /** Largest document accepted, in bytes. Default 65 536. */
  readonly maxBytes?: number;
  /** Injectable transport. Default {@link fetchJson}. */
  readonly fetcher?: JsonFetcher;
}

/** The discovery document URL of `issuer`: `/.well-known/openid-configuration` appended to its path (§4). */
export function discoveryUrl(issuer: string): URL {
  return new URL(`${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`);
}

/**
 * Fetch `issuer`'s discovery document and return its `jwks_uri`.
 *
 * @param issuer the exact issuer identifier (`iss`), as configured.
 * @throws {AuthenticationError} `jwks_unavailable` when the document cannot be fetched, names another
 *   issuer, or has no usable `jwks_uri` (https, or http on loopback only).
 */
export async function discoverJwksUri(issuer: string, options: DiscoveryOptions = {}): Promise<URL> {
  const fetcher = options.fetcher ?? fetchJson;
  let document: unknown;
  try {
    document = await fetcher(discoveryUrl(issuer), { timeoutMs: options.timeoutMs ?? 3_000, maxBytes: options.maxBytes ?? 65_536 });
  } catch (error) {
    throw new AuthenticationError(ReasonCode.jwksUnavailable, "OpenID discovery failed", { cause: error });
  }
  const { issuer: claimed, jwks_uri: jwksUri } = (typeof document === "object" && document !== null ? document : {}) as Record<string, unknown>;
  if (claimed !== issuer) {
    throw new AuthenticationError(ReasonCode.jwksUnavailable, "the discovery document names another issuer");
  }
  const url = typeof jwksUri === "string" ? checkedHttpsUrl(jwksUri) : "missing";
  if (typeof url === "string") throw new AuthenticationError(ReasonCode.jwksUnavailable, `the discovery document's jwks_uri is unusable (${url})`);
  return url;
}
