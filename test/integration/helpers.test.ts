/**
 * The test helpers themselves: a real OpenID provider, a real JWKS server with failure modes, the
 * event loader, keys and the Lambda context. Every server listens on 127.0.0.1 and is closed here.
 */
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLambdaContext } from "../helpers/context.ts";
import { listEvents, loadEvent } from "../helpers/events.ts";
import { startJwksServer } from "../helpers/jwks-server.ts";
import type { JwksServer } from "../helpers/jwks-server.ts";
import { createKeyPair, nowSeconds, signJwt, toJwks } from "../helpers/keys.ts";
import type { TestKeyPair } from "../helpers/keys.ts";
import { ORDERS_API, startOpenIdProvider } from "../helpers/oidc-provider.ts";
import type { OpenIdProvider } from "../helpers/oidc-provider.ts";

const OPAQUE_API = "https://api.example.com/reports";

describe("startOpenIdProvider", () => {
  let provider: OpenIdProvider;

  beforeAll(async () => {
    provider = await startOpenIdProvider({
      resources: {
        [ORDERS_API]: { scope: "orders:read orders:write" },
        [OPAQUE_API]: { scope: "reports:read", format: "opaque" },
      },
    });
  });
  afterAll(() => provider.close());

  it("issues a client-credentials JWT with the asked iss, aud and scope that verifies against its jwks_uri", async () => {
    // Act
    const token = await provider.clientCredentialsToken({ scope: "orders:read", resource: ORDERS_API });

    // Assess
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(provider.jwksUri)), {
      issuer: provider.issuer,
      audience: ORDERS_API,
      algorithms: ["RS256"],
      typ: "at+jwt",
    });
    expect(provider.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(protectedHeader.kid).toEqual(expect.any(String));
    expect(payload).toMatchObject({ iss: provider.issuer, aud: ORDERS_API, scope: "orders:read", client_id: provider.clientId, sub: provider.clientId });
    expect(payload.exp).toBe((payload.iat ?? 0) + 600);
  });

  it("uses the default resource when the request names none", async () => {
    // Act
    const token = await provider.clientCredentialsToken({ scope: "orders:read orders:write" });

    // Assess
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(provider.jwksUri)), { issuer: provider.issuer, audience: ORDERS_API });
    expect(payload.scope).toBe("orders:read orders:write");
  });

  it("drops requested scopes the resource does not define", async () => {
    // Act
    const token = await provider.clientCredentialsToken({ scope: "orders:write admin", resource: ORDERS_API });

    // Assess
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(provider.jwksUri)), { issuer: provider.issuer, audience: ORDERS_API });
    expect(payload.scope).toBe("orders:write");
  });

  it("refuses an unknown resource with invalid_target", async () => {
    await expect(provider.clientCredentialsToken({ scope: "orders:read", resource: "https://elsewhere.example.com" })).rejects.toThrow(
      /400 invalid_target/,
    );
  });

  it("issues opaque tokens for an opaque resource, which introspection resolves", async () => {
    // Act
    const token = await provider.clientCredentialsToken({ scope: "reports:read", resource: OPAQUE_API });

    // Assess
    expect(token.split(".")).toHaveLength(1);
    expect(await provider.introspect(token)).toMatchObject({ active: true, aud: OPAQUE_API, scope: "reports:read", client_id: provider.clientId });
    expect(await provider.introspect("not-a-token")).toEqual({ active: false });
  });
});

describe("startJwksServer", () => {
  let pair: TestKeyPair;
  let server: JwksServer;

  beforeAll(async () => {
    pair = await createKeyPair("RS256");
  });
  afterEach(() => server.close());

  it("serves the keys, counts fetches and serves the new keys after setKeys", async () => {
    // Prepare
    server = await startJwksServer(toJwks(pair));
    const rotated = await createKeyPair("ES256");

    // Act
    const first = (await (await fetch(server.url)).json()) as { keys: { kid: string }[] };
    server.setKeys(toJwks(rotated));
    const second = (await (await fetch(server.url)).json()) as { keys: { kid: string }[] };

    // Assess
    expect(first.keys.map((k) => k.kid)).toEqual([pair.kid]);
    expect(second.keys.map((k) => k.kid)).toEqual([rotated.kid]);
    expect(server.fetchCount).toBe(2);
  });

  it("serves a discovery document whose jwks_uri is the JWKS url, under the issuer path", async () => {
    // Prepare
    server = await startJwksServer({ keys: [pair.publicJwk], issuerPath: "/realms/demo" });

    // Act
    const response = await fetch(`${server.issuer}/.well-known/openid-configuration`);

    // Assess
    expect(server.issuer).toBe(`${server.origin}/realms/demo`);
    expect(await response.json()).toEqual({ issuer: server.issuer, jwks_uri: server.url });
    expect(server.discoveryFetchCount).toBe(1);
    expect(server.fetchCount).toBe(0);
  });

  it("lets jose verify a token signed with a served key, fetching once", async () => {
    // Prepare
    server = await startJwksServer(toJwks(pair));
    const jwks = createRemoteJWKSet(new URL(server.url));
    const token = await signJwt({ sub: "alice", exp: nowSeconds() + 60 }, { key: pair });

    // Act
    await jwtVerify(token, jwks);
    await jwtVerify(token, jwks);

    // Assess
    expect(server.fetchCount).toBe(1);
  });

  it("answers 500 when down and an HTML page in html mode", async () => {
    // Prepare
    server = await startJwksServer(toJwks(pair));

    // Act
    server.setMode("down");
    const down = await fetch(server.url);
    server.setMode("html");
    const html = await fetch(server.url);

    // Assess
    expect(down.status).toBe(500);
    expect(html.status).toBe(200);
    expect(html.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await html.text()).toMatch(/^<!doctype html>/);
    expect(server.fetchCount).toBe(2);
  });

  it("never answers in hang mode, so a client times out, and close() still returns", async () => {
    // Prepare
    server = await startJwksServer(toJwks(pair));
    server.setMode("hang");
    const token = await signJwt({ sub: "alice" }, { key: pair });

    // Act
    const verifying = jwtVerify(token, createRemoteJWKSet(new URL(server.url), { timeoutDuration: 100 }));
    const pending = fetch(server.url); // no client timeout: only close() ends it
    await expect(verifying).rejects.toBeInstanceOf(errors.JWKSTimeout);
    await server.close();

    // Assess
    await expect(pending).rejects.toThrow();
    expect(server.fetchCount).toBe(2);
  });
});

describe("keys", () => {
  it("signs with the pair's alg and kid unless told otherwise", async () => {
    // Prepare
    const pair = await createKeyPair("ES256", "k1");

    // Act
    const withKid = await signJwt({ sub: "alice" }, { key: pair, header: { typ: "at+jwt" } });
    const withoutKid = await signJwt({ sub: "alice" }, { key: pair, kid: null });

    // Assess
    expect(decodeProtectedHeader(withKid)).toEqual({ alg: "ES256", kid: "k1", typ: "at+jwt" });
    expect(decodeProtectedHeader(withoutKid)).toEqual({ alg: "ES256" });
    expect(pair.publicJwk).toMatchObject({ kty: "EC", crv: "P-256", kid: "k1", alg: "ES256", use: "sig" });
    expect(pair.publicJwk).not.toHaveProperty("d");
    await expect(jwtVerify(withKid, pair.publicKey)).resolves.toMatchObject({ payload: { sub: "alice" } });
  });
});

describe("loadEvent", () => {
  it("replaces every {{token}} placeholder with the token", async () => {
    // Act
    const event = await loadEvent<{ authorizationToken: string }>("rest-token/valid.json", { token: "abc.def.ghi" });

    // Assess
    expect(event.authorizationToken).toBe("Bearer abc.def.ghi");
    expect(JSON.stringify(event)).not.toContain("{{token}}");
  });

  it("JSON-escapes the token, so any string survives", async () => {
    // Prepare
    const odd = 'a"b\\c\u2028$&';

    // Act
    const event = await loadEvent<{ headers: Record<string, string> }>("events/websocket-connect/valid.json", { token: odd });

    // Assess
    expect(Object.values(event.headers)).toContain(`Bearer ${odd}`);
  });

  it("keeps the placeholder when no token is given", async () => {
    const event = await loadEvent<{ authorizationToken: string }>("rest-token/valid.json");
    expect(event.authorizationToken).toBe("Bearer {{token}}");
  });

  it("lists every event file, sorted, and only JSON events", () => {
    const events = listEvents();
    expect(events).toContain("rest-token/valid.json");
    expect(events).toEqual([...events].sort());
    expect(events.every((path) => /^[a-z0-9-]+\/[^/]+\.json$/.test(path))).toBe(true);
  });
});

describe("createLambdaContext", () => {
  it("counts the remaining time down from the timeout", () => {
    const context = createLambdaContext({ functionName: "oidc", timeoutMs: 5_000 });
    expect(context.functionName).toBe("oidc");
    expect(context.invokedFunctionArn).toBe("arn:aws:lambda:us-east-1:123456789012:function:oidc");
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(4_000);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(5_000);
  });
});
