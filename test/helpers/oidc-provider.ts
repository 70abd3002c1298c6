/**
 * A real OpenID provider (panva's `oidc-provider` v9) on 127.0.0.1, issuing client-credentials
 * access tokens for tests and the demo.
 *
 * One confidential client (`client_secret_basic`, grant `client_credentials`) and one or more resource
 * servers (RFC 8707 resource indicators). A token request with `resource=<audience>` yields an access
 * token for that resource: a JWT (`typ: at+jwt`, RS256, `aud` = the resource, `scope` = the requested
 * scopes the resource defines, `sub` = `client_id` = the client) or, for resources configured
 * `format: "opaque"`, an opaque token that only introspection (RFC 7662, enabled) can resolve.
 * Keys are generated at start; state lives in memory and dies with {@link OpenIdProvider.close}.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import Provider, { errors } from "oidc-provider";
import type { Adapter, AdapterFactory, AdapterPayload, Configuration } from "oidc-provider";
import { createKeyPair } from "./keys.ts";
import { listenOnLoopback } from "./loopback.ts";

/** A resource server (API) the provider issues access tokens for. */
export interface ResourceServerOptions {
  /** Space-separated scopes this resource defines; requested scopes outside it are silently dropped. */
  scope: string;
  /** Access token format; default `jwt`. `opaque` tokens can only be resolved by introspection. */
  format?: "jwt" | "opaque";
  /** Access token lifetime in seconds, a positive integer; default 600. */
  accessTokenTtlSeconds?: number;
}

/** Options of {@link startOpenIdProvider}. */
export interface OpenIdProviderOptions {
  /**
   * Resource servers by resource indicator (absolute URI, no fragment), which is also the `aud` of
   * their tokens. Default: {@link ORDERS_API} with scopes `orders:read orders:write`, JWT format.
   */
  resources?: Readonly<Record<string, ResourceServerOptions>>;
  /** Resource used when a token request names none; default the first of `resources`. */
  defaultResource?: string;
  /** The confidential client's id; default `demo-client`. */
  clientId?: string;
  /** The client's secret; default 32 random bytes, base64url. */
  clientSecret?: string;
  /**
   * Milliseconds after which the provider closes itself even if the caller forgot to; default
   * 120000. The timer does not keep the process alive.
   */
  maxLifetimeMs?: number;
}

/** Arguments of {@link OpenIdProvider.clientCredentialsToken}. */
export interface ClientCredentialsRequest {
  /** Space-separated scopes to request, e.g. `orders:read`. Omit to request none. */
  scope?: string;
  /** Resource indicator (RFC 8707 `resource`); omit to let the provider use its default resource. */
  resource?: string;
}

/** A running OpenID provider. */
export interface OpenIdProvider {
  /** Issuer identifier, `http://127.0.0.1:<port>`: the exact `iss` of its tokens. */
  readonly issuer: string;
  /** `jwks_uri` from the discovery document. */
  readonly jwksUri: string;
  /** `token_endpoint` from the discovery document. */
  readonly tokenEndpoint: string;
  /** `introspection_endpoint` from the discovery document (RFC 7662). */
  readonly introspectionEndpoint: string;
  /** The confidential client's id. */
  readonly clientId: string;
  /** The confidential client's secret. */
  readonly clientSecret: string;
  /**
   * Obtains an access token with the client-credentials grant over HTTP, authenticating with
   * `client_secret_basic`, as a real client does.
   *
   * @returns the `access_token` string.
   * @throws `Error` naming the HTTP status and the OAuth `error`/`error_description` when the
   * provider refuses (e.g. `invalid_target` for an unknown resource).
   */
  clientCredentialsToken(request?: ClientCredentialsRequest): Promise<string>;
  /**
   * Introspects `token` at the introspection endpoint as the client (RFC 7662 §2.1).
   *
   * @returns the introspection response; `{ active: false }` for an unknown or expired token.
   */
  introspect(token: string): Promise<Record<string, unknown>>;
  /**
   * Revokes `token` at the revocation endpoint as the client (RFC 7009 §2.1); introspection then answers
   * `{ active: false }` for it.
   * @throws `Error` naming the status when the provider refuses.
   */
  revoke(token: string): Promise<void>;
  /** How many requests the provider received whose path ends with `pathSuffix` (e.g. `/token/introspection`). */
  requestCount(pathSuffix: string): number;
  /** Stops listening and destroys every open connection. Idempotent. */
  close(): Promise<void>;
}

/** The resource indicator (and audience) of the example orders API used across tests and the demo. */
export const ORDERS_API = "https://api.example.com/orders";

const DEFAULT_RESOURCES: Readonly<Record<string, ResourceServerOptions>> = {
  [ORDERS_API]: { scope: "orders:read orders:write" },
};

/**
 * Starts an OpenID provider on 127.0.0.1 on a free port.
 *
 * @param options resource servers, client id/secret, self-close timer.
 * @returns the running provider; call `close()` when done.
 * @throws when the port cannot be bound or oidc-provider rejects the configuration.
 */
export async function startOpenIdProvider(options: OpenIdProviderOptions = {}): Promise<OpenIdProvider> {
  const resources = options.resources ?? DEFAULT_RESOURCES;
  const defaultResource = options.defaultResource ?? Object.keys(resources)[0];
  const clientId = options.clientId ?? "demo-client";
  const clientSecret = options.clientSecret ?? randomBytes(32).toString("base64url");
  const signingKey = await createKeyPair("RS256");

  // The issuer carries the port, so listen first and hand requests to the provider once it exists.
  let handle: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void = (_req, res) => {
    res.writeHead(503).end();
  };
  // Koa's request handler settles after answering and reports its own errors.
  const requestPaths: string[] = [];
  const server = createServer((req, res) => {
    requestPaths.push(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
    void handle(req, res);
  });
  const { origin: issuer, close } = await listenOnLoopback(server, { maxLifetimeMs: options.maxLifetimeMs ?? 120_000 });

  const configuration: Configuration = {
    // Our own in-memory store: the built-in one works too, but warns on every start.
    adapter: createMemoryAdapter(),
    // Generated per run; without `jwks` oidc-provider signs with well-known development keys.
    jwks: { keys: [signingKey.privateJwk] },
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        grant_types: ["client_credentials"],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    // The default function does the same but prints a notice on first use.
    ttl: { ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 600 },
    features: {
      // No end-user flows here; disabling them also silences the "devInteractions" warning.
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // RFC 7662, for opaque tokens: oidc-provider answers 400 unsupported_token_type for its JWT access
      // tokens. Any authenticated client may introspect (the default policy does the same, with a notice).
      introspection: { enabled: true, allowedPolicy: (_ctx, client) => client.clientAuthMethod !== "none" },
      // RFC 7009, so tests can revoke an opaque token and see introspection turn it inactive.
      revocation: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => defaultResource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator) => {
          const resource = resources[resourceIndicator];
          if (resource === undefined) throw new errors.InvalidTarget(`unknown resource ${resourceIndicator}`);
          const format = resource.format ?? "jwt";
          return {
            scope: resource.scope,
            audience: resourceIndicator,
            accessTokenTTL: resource.accessTokenTtlSeconds ?? 600,
            accessTokenFormat: format,
            ...(format === "jwt" ? { jwt: { sign: { alg: "RS256" } } } : {}),
          };
        },
      },
    },
  };
  let metadata: { jwks_uri: string; token_endpoint: string; introspection_endpoint: string; revocation_endpoint: string };
  try {
    handle = new Provider(issuer, configuration).callback();
    metadata = (await fetchJson(`${issuer}/.well-known/openid-configuration`, {})) as typeof metadata;
  } catch (error) {
    await close();
    throw error;
  }
  const basic = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString("base64")}`;

  async function postForm(url: string, form: Record<string, string | undefined>): Promise<Record<string, unknown>> {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(form)) if (value !== undefined) body.set(name, value);
    return fetchJson(url, {
      method: "POST",
      headers: { authorization: basic, "content-type": "application/x-www-form-urlencoded" },
      body,
    });
  }

  return {
    issuer,
    jwksUri: metadata.jwks_uri,
    tokenEndpoint: metadata.token_endpoint,
    introspectionEndpoint: metadata.introspection_endpoint,
    clientId,
    clientSecret,
    async clientCredentialsToken(request = {}) {
      const answer = await postForm(metadata.token_endpoint, {
        grant_type: "client_credentials",
        scope: request.scope,
        resource: request.resource,
      });
      if (typeof answer.access_token !== "string") throw new Error("token endpoint answered without access_token");
      return answer.access_token;
    },
    introspect(token) {
      return postForm(metadata.introspection_endpoint, { token });
    },
    async revoke(token) {
      const response = await fetch(metadata.revocation_endpoint, {
        method: "POST",
        headers: { authorization: basic, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token, token_type_hint: "access_token" }),
        signal: AbortSignal.timeout(5_000),
      });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`${metadata.revocation_endpoint} answered ${response.status}`);
    },
    requestCount: (pathSuffix) => requestPaths.filter((path) => path.endsWith(pathSuffix)).length,
    close,
  };
}

/**
 * GETs or POSTs `url` and parses the JSON answer, bounded by a 5 s timeout.
 *
 * @throws `Error("<status> <error>: <error_description>")` for a non-2xx answer.
 */
async function fetchJson(url: string, init: RequestInit): Promise<Record<string, unknown>> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) {
    const error = typeof body.error === "string" ? body.error : "error";
    const description = typeof body.error_description === "string" ? `: ${body.error_description}` : "";
    throw new Error(`${url} answered ${response.status} ${error}${description}`);
  }
  return body;
}

/**
 * An oidc-provider adapter keeping every model in one `Map` per provider instance, with expiry
 * (`expiresIn` seconds) checked on read.
 */
function createMemoryAdapter(): AdapterFactory {
  const store = new Map<string, { payload: AdapterPayload; expiresAtMs: number }>();
  const index = new Map<string, string>(); // `<model>:uid:<uid>` or `<model>:userCode:<code>` -> store key
  const live = (storeKey: string | undefined): AdapterPayload | undefined => {
    const entry = storeKey === undefined ? undefined : store.get(storeKey);
    if (entry === undefined || storeKey === undefined) return undefined;
    if (entry.expiresAtMs <= Date.now()) {
      store.delete(storeKey);
      return undefined;
    }
    return entry.payload;
  };

  return (name: string): Adapter => {
    const key = (id: string): string => `${name}:${id}`;
    return {
      upsert(id, payload, expiresIn) {
        const expiresAtMs = expiresIn === undefined ? Number.POSITIVE_INFINITY : Date.now() + expiresIn * 1000;
        store.set(key(id), { payload: structuredClone(payload), expiresAtMs });
        if (payload.uid !== undefined) index.set(`${name}:uid:${payload.uid}`, key(id));
        if (payload.userCode !== undefined) index.set(`${name}:userCode:${payload.userCode}`, key(id));
        return Promise.resolve();
      },
      find: (id) => Promise.resolve(live(key(id))),
      findByUid: (uid) => Promise.resolve(live(index.get(`${name}:uid:${uid}`))),
      findByUserCode: (userCode) => Promise.resolve(live(index.get(`${name}:userCode:${userCode}`))),
      consume(id) {
        const payload = live(key(id));
        if (payload !== undefined) payload.consumed = Math.floor(Date.now() / 1000);
        return Promise.resolve();
      },
      destroy(id) {
        store.delete(key(id));
        return Promise.resolve();
      },
      revokeByGrantId(grantId) {
        for (const [storeKey, entry] of store) if (entry.payload.grantId === grantId) store.delete(storeKey);
        return Promise.resolve();
      },
    };
  };
}
