/**
 * A real JWKS endpoint on 127.0.0.1 for tests and the demo, with switchable failure modes.
 *
 * It serves the JWKS at `/.well-known/jwks.json` under the issuer path and, unless turned off, an
 * OpenID discovery document at `<issuer>/.well-known/openid-configuration` whose `jwks_uri` points at
 * it. It counts fetches, can be told to fail (`down`: 500, `html`: a 200 login page, `hang`: never
 * answers) and closes every connection, hanging ones included, on {@link JwksServer.close}.
 *
 * @module
 */
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { JWK } from "jose";
import { listenOnLoopback } from "./loopback.ts";

/**
 * How an endpoint answers: `ok` serves the document; `down` answers 500; `html` answers 200 with an
 * HTML page (what a captive portal or a login redirect gives); `hang` accepts the request and never
 * answers, until the client gives up or the server closes.
 */
export type EndpointMode = "ok" | "down" | "hang" | "html";

/** Options of {@link startJwksServer}. */
export interface JwksServerOptions {
  /** Keys to serve at first (public JWKs). A `Jwks` document can be spread in: `startJwksServer(toJwks(pair))`. */
  keys?: readonly JWK[];
  /**
   * Path of the issuer under the server origin, e.g. `/realms/demo`; default `""`, so the issuer is
   * `http://127.0.0.1:<port>`. Discovery and the JWKS are served under it.
   */
  issuerPath?: string;
  /** Serve `<issuer>/.well-known/openid-configuration`; default `true`. */
  discovery?: boolean;
  /** `Cache-Control` header sent with the JWKS; default none. */
  cacheControl?: string;
  /**
   * Milliseconds after which the server closes itself even if the caller forgot to; default 120000.
   * The timer does not keep the process alive.
   */
  maxLifetimeMs?: number;
}

/** A running loopback JWKS server. */
export interface JwksServer {
  /** Origin, `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** The JWKS URL, `<issuer>/.well-known/jwks.json`. */
  readonly url: string;
  /** The issuer the discovery document names: the origin plus `issuerPath`. */
  readonly issuer: string;
  /** `<issuer>/.well-known/openid-configuration`; `undefined` when discovery is off. */
  readonly discoveryUrl: string | undefined;
  /** Requests received at the JWKS URL so far, in every mode (a hanging request counts). */
  readonly fetchCount: number;
  /** Requests received at the discovery URL so far, in every mode. */
  readonly discoveryFetchCount: number;
  /** Replaces the served keys (key rotation). Takes effect for the next request. */
  setKeys(jwks: { keys: readonly JWK[] } | readonly JWK[]): void;
  /** Sets how the JWKS URL answers from the next request on. */
  setMode(mode: EndpointMode): void;
  /** Sets how the discovery URL answers from the next request on. */
  setDiscoveryMode(mode: EndpointMode): void;
  /** Resets both fetch counters to 0. */
  resetCounts(): void;
  /** Stops listening and destroys every open connection, hanging requests included. Idempotent. */
  close(): Promise<void>;
}

function isKeyList(value: { keys: readonly JWK[] } | readonly JWK[]): value is readonly JWK[] {
  return Array.isArray(value);
}

const HTML_PAGE = "<!doctype html><html><head><title>Sign in</title></head><body>Please sign in.</body></html>";

/**
 * Starts a JWKS server on 127.0.0.1 on a free port.
 *
 * @param options keys, issuer path, discovery on/off, self-close timer.
 * @returns the running server; call `close()` when done (tests: in `afterAll`/`afterEach`).
 * @throws when the port cannot be bound.
 */
export async function startJwksServer(options: JwksServerOptions = {}): Promise<JwksServer> {
  const issuerPath = (options.issuerPath ?? "").replace(/\/+$/, "");
  const jwksPath = `${issuerPath}/.well-known/jwks.json`;
  const discoveryPath = `${issuerPath}/.well-known/openid-configuration`;
  const discoveryOn = options.discovery ?? true;

  let keys: JWK[] = [...(options.keys ?? [])];
  let jwksMode: EndpointMode = "ok";
  let discoveryMode: EndpointMode = "ok";
  let fetchCount = 0;
  let discoveryFetchCount = 0;
  let origin = "";

  function answer(res: ServerResponse, mode: EndpointMode, body: () => unknown, cacheControl?: string): void {
    switch (mode) {
      case "hang":
        return; // never answered; the socket is destroyed by close()
      case "down":
        res.writeHead(500, { "content-type": "application/json" }).end('{"message":"Internal Server Error"}');
        return;
      case "html":
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(HTML_PAGE);
        return;
      case "ok": {
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (cacheControl !== undefined) headers["cache-control"] = cacheControl;
        res.writeHead(200, headers).end(JSON.stringify(body()));
        return;
      }
    }
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
    } else if (path === jwksPath) {
      fetchCount += 1;
      answer(res, jwksMode, () => ({ keys }), options.cacheControl);
    } else if (discoveryOn && path === discoveryPath) {
      discoveryFetchCount += 1;
      answer(res, discoveryMode, () => ({ issuer: `${origin}${issuerPath}`, jwks_uri: `${origin}${jwksPath}` }));
    } else {
      res.writeHead(404, { "content-type": "application/json" }).end('{"message":"Not Found"}');
    }
  }

  const listener = await listenOnLoopback(createServer(onRequest), { maxLifetimeMs: options.maxLifetimeMs ?? 120_000 });
  origin = listener.origin;

  return {
    origin,
    url: `${origin}${jwksPath}`,
    issuer: `${origin}${issuerPath}`,
    discoveryUrl: discoveryOn ? `${origin}${discoveryPath}` : undefined,
    get fetchCount() {
      return fetchCount;
    },
    get discoveryFetchCount() {
      return discoveryFetchCount;
    },
    setKeys(jwks) {
      keys = isKeyList(jwks) ? [...jwks] : [...jwks.keys];
    },
    setMode(mode) {
      jwksMode = mode;
    },
    setDiscoveryMode(mode) {
      discoveryMode = mode;
    },
    resetCounts() {
      fetchCount = 0;
      discoveryFetchCount = 0;
    },
    close: listener.close,
  };
}
