/**
 * The built introspection bundle (`dist/introspection/index.mjs`) against the real introspection endpoint
 * (RFC 7662) of a loopback OpenID provider issuing opaque access tokens: active, inactive (unknown),
 * expired and revoked tokens, the cache provably saving requests, and failures of the endpoint.
 */
import { createServer } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invokeHandler, type AuthorizerHandler } from "../../scripts/lib/invoke-bundle.ts";
import { parseIntrospectionConfig } from "../../functions/introspection/config.ts";
import { basicAuthorization, createIntrospectionScheme } from "../../functions/introspection/verify.ts";
import { captureLogs, decisionLines, freshBundle, type LogCapture } from "../helpers/bundle.ts";
import { createLambdaContext } from "../helpers/context.ts";
import { listEvents, loadEvent } from "../helpers/events.ts";
import { listenOnLoopback } from "../helpers/loopback.ts";
import { ORDERS_API, startOpenIdProvider, type OpenIdProvider } from "../helpers/oidc-provider.ts";
import { evaluateAnswer } from "../helpers/policy.ts";

const SHORT_LIVED_API = "https://api.example.com/short-lived";
const context = () => createLambdaContext({ timeoutMs: 10_000 });

let provider: OpenIdProvider;
let logs: LogCapture;
let handler: AuthorizerHandler;
let introspectionPath: string;
/** Every token handed out, for the log check. */
const tokens: string[] = [];

async function opaqueToken(scope = "orders:read", resource = ORDERS_API): Promise<string> {
  const token = await provider.clientCredentialsToken({ scope, resource });
  tokens.push(token);
  return token;
}

/** The bundle's settings for the loopback provider, with `overrides`. */
function env(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ISSUER: provider.issuer,
    INTROSPECTION_CLIENT_ID: provider.clientId,
    INTROSPECTION_CLIENT_SECRET: provider.clientSecret,
    AUDIENCE: ORDERS_API,
    REQUIRED_SCOPES: "orders:read",
    ...overrides,
  };
}

/** Call `target` on the REST REQUEST event carrying `token`; the verdict, answer and decision line. */
async function call(token: string, target: AuthorizerHandler = handler, file = "rest-request/valid.json") {
  const before = decisionLines(logs.text()).length;
  const event = await loadEvent<Record<string, unknown>>(file, { token });
  const result = await invokeHandler(target, event, context());
  const line = decisionLines(logs.text())[before];
  return { ...result, event, reason: line?.reason, line };
}

const introspections = (): number => provider.requestCount(introspectionPath);

beforeAll(async () => {
  provider = await startOpenIdProvider({
    resources: {
      [ORDERS_API]: { scope: "orders:read orders:write", format: "opaque" },
      [SHORT_LIVED_API]: { scope: "orders:read", format: "opaque", accessTokenTtlSeconds: 1 },
    },
  });
  introspectionPath = new URL(provider.introspectionEndpoint).pathname;
  logs = captureLogs();
  handler = await freshBundle("introspection", env());
});

afterAll(async () => {
  logs.stop();
  await provider.close();
});

describe("introspection authorizer on every recorded event", () => {
  it.each(listEvents())("answers %s as its kind expects for an active opaque token", async (file) => {
    // Prepare
    const token = await opaqueToken();
    // Act
    const result = await call(token, handler, file);
    // Assess
    if (file.includes("missing-token")) {
      expect(result.verdict).toBe("401");
      return;
    }
    expect(result.verdict).toBe("Allow");
    expect(evaluateAnswer(result.answer, (result.event.methodArn ?? result.event.routeArn) as string)).toBe("Allow");
  });
});

describe("introspection authorizer decides", () => {
  it("allows an active token, with client_id as principalId and the introspected claims as context", async () => {
    const result = await call(await opaqueToken("orders:read orders:write"));
    expect(result.verdict).toBe("Allow");
    expect(result.principalId).toBe(provider.clientId);
    expect((result.answer as { context: Record<string, unknown> }).context).toMatchObject({
      client_id: provider.clientId, iss: provider.issuer, scope: "orders:read orders:write", aud: ORDERS_API, authScheme: "introspection",
    });
    expect(result.line).toMatchObject({ decision: "allow", reason: "ok", iss: provider.issuer });
  });

  it("refuses an unknown token with 401 token_inactive", async () => {
    const result = await call("an-opaque-token-the-provider-never-issued");
    expect(result).toMatchObject({ verdict: "401", reason: "token_inactive" });
  });

  it("refuses an expired token with 401 token_inactive (the provider no longer knows it)", async () => {
    const token = await opaqueToken("orders:read", SHORT_LIVED_API);
    const cold = await freshBundle("introspection", env({ AUDIENCE: SHORT_LIVED_API }));
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await call(token, cold)).toMatchObject({ verdict: "401", reason: "token_inactive" });
  });

  it("refuses a revoked token with 401 token_inactive", async () => {
    const token = await opaqueToken();
    await provider.revoke(token);
    expect(await provider.introspect(token)).toEqual({ active: false });
    expect(await call(token)).toMatchObject({ verdict: "401", reason: "token_inactive" });
  });

  it("denies (403) an active token without a required scope, on every route", async () => {
    const result = await call(await opaqueToken("orders:write"));
    expect(result).toMatchObject({ verdict: "Deny", reason: "insufficient_scope" });
  });

  it("refuses an active token for another audience with 401 wrong_audience", async () => {
    const cold = await freshBundle("introspection", env({ AUDIENCE: "https://api.example.com/billing" }));
    expect(await call(await opaqueToken(), cold)).toMatchObject({ verdict: "401", reason: "wrong_audience" });
  });

  it("applies route rules to introspected scopes like JWT scopes", async () => {
    const cold = await freshBundle("introspection", env({
      REQUIRED_SCOPES: "",
      ROUTE_RULES: JSON.stringify({ rules: [{ route: "GET /orders/{id}", scopes: ["orders:read"] }, { route: "ANY /admin/{proxy+}", scopes: ["admin"] }] }),
    }));
    const token = await opaqueToken();
    expect((await call(token, cold)).verdict).toBe("Allow");
    const admin = await call(token, cold, "rest-request/proxy-resource.json");
    expect(admin.reason).toBe("insufficient_scope");
    expect(evaluateAnswer(admin.answer, admin.event.methodArn as string)).toBe("Deny");
  });
});

describe("introspection cache", () => {
  it("answers the same active token again without a second introspection request", async () => {
    const cold = await freshBundle("introspection", env());
    const token = await opaqueToken();
    const before = introspections();
    expect((await call(token, cold)).verdict).toBe("Allow");
    expect((await call(token, cold, "http-v2/valid.json")).verdict).toBe("Allow");
    expect((await call(token, cold, "websocket-connect/valid.json")).verdict).toBe("Allow");
    expect(introspections() - before).toBe(1);
  });

  it("answers the same inactive token again without a second request, and 50 concurrent calls with one token make one request", async () => {
    const cold = await freshBundle("introspection", env());
    const before = introspections();
    for (let i = 0; i < 3; i += 1) expect((await call("never-issued-token-0123456789", cold)).reason).toBe("token_inactive");
    expect(introspections() - before).toBe(1);
    const token = await opaqueToken();
    const event = await loadEvent("rest-request/valid.json", { token });
    const results = await Promise.all(Array.from({ length: 50 }, () => invokeHandler(cold, event, context())));
    expect(new Set(results.map((result) => result.verdict))).toEqual(new Set(["Allow"]));
    expect(introspections() - before).toBe(2);
  });

  it("keeps a revoked token's active answer until the TTL, and with INTROSPECTION_CACHE_TTL_SECONDS=0 refuses it at once", async () => {
    const cached = await freshBundle("introspection", env());
    const uncached = await freshBundle("introspection", env({ INTROSPECTION_CACHE_TTL_SECONDS: "0" }));
    const token = await opaqueToken();
    expect((await call(token, cached)).verdict).toBe("Allow");
    expect((await call(token, uncached)).verdict).toBe("Allow");
    await provider.revoke(token);
    expect((await call(token, cached)).verdict).toBe("Allow");
    expect(await call(token, uncached)).toMatchObject({ verdict: "401", reason: "token_inactive" });
  });

  it("stops using an active answer at the token's exp, and refuses it as expired (injected clock)", async () => {
    // Prepare: the scheme itself, on the provider's real endpoint, with a clock we move.
    const config = parseIntrospectionConfig(env());
    let now = Date.now();
    const scheme = createIntrospectionScheme(config, { now: () => now });
    const token = await opaqueToken();
    const { exp } = await provider.introspect(token);
    const before = introspections();
    // Act + Assess
    await expect(scheme.verify({ source: "header:authorization", value: token }, undefined as never)).resolves.toMatchObject({ principalId: provider.clientId });
    await expect(scheme.verify({ source: "header:authorization", value: token }, undefined as never)).resolves.toMatchObject({ principalId: provider.clientId });
    expect(introspections() - before).toBe(1);
    now = (exp as number) * 1000 + 1_000;
    // Past exp: the entry is not used; the provider (on its own clock) still says active, and the check on exp refuses.
    await expect(scheme.verify({ source: "header:authorization", value: token }, undefined as never)).rejects.toMatchObject({ reason: "expired" });
    expect(introspections() - before).toBe(2);
  });
});

describe("introspection endpoint failures", () => {
  it("discovers the endpoint once per instance", async () => {
    const discovery = () => provider.requestCount("/.well-known/openid-configuration");
    const before = discovery();
    const cold = await freshBundle("introspection", env());
    await call(await opaqueToken(), cold);
    await call(await opaqueToken(), cold);
    expect(discovery() - before).toBe(1);
  });

  it("answers 401 introspection_unavailable when the provider refuses the client secret", async () => {
    const cold = await freshBundle("introspection", env({ INTROSPECTION_CLIENT_SECRET: "wrong-secret-value", INTROSPECTION_ENDPOINT: provider.introspectionEndpoint }));
    expect(await call(await opaqueToken(), cold)).toMatchObject({ verdict: "401", reason: "introspection_unavailable" });
  });

  it("answers 401 introspection_unavailable within INTROSPECTION_TIMEOUT_MS when the endpoint hangs", async () => {
    const hanging = await listenOnLoopback(createServer(() => undefined), { maxLifetimeMs: 30_000 });
    try {
      const cold = await freshBundle("introspection", env({ ISSUER: "", INTROSPECTION_ENDPOINT: `${hanging.origin}/introspect`, INTROSPECTION_TIMEOUT_MS: "300" }));
      const result = await call(await opaqueToken(), cold);
      expect(result).toMatchObject({ verdict: "401", reason: "introspection_unavailable" });
      expect(result.durationMs).toBeLessThan(2_000);
    } finally {
      await hanging.close();
    }
  });

  it("refuses to start without ISSUER or INTROSPECTION_ENDPOINT, or without client credentials", async () => {
    await expect(freshBundle("introspection", env({ ISSUER: "" }))).rejects.toThrow(/ISSUER/);
    await expect(freshBundle("introspection", env({ INTROSPECTION_CLIENT_SECRET: "" }))).rejects.toThrow(/INTROSPECTION_CLIENT_SECRET/);
    await expect(freshBundle("introspection", env({ ISSUER: "http://idp.example.com" }))).rejects.toThrow(/ISSUER.*https/);
  });
});

describe("client_secret_basic", () => {
  it("form-urlencodes the id and secret before base64 (RFC 6749 §2.3.1)", () => {
    const header = basicAuthorization("api gw:client", "p%ss+/word é");
    expect(Buffer.from(header.replace(/^Basic /, ""), "base64").toString("utf8")).toBe("api+gw%3Aclient:p%25ss%2B%2Fword+%C3%A9");
  });
});

describe("introspection authorizer logs", () => {
  it("never writes a token or the client secret to any log line at DEBUG with event logging on", () => {
    const text = logs.text();
    expect(decisionLines(text).length).toBeGreaterThan(20);
    expect(tokens.length).toBeGreaterThan(15);
    for (const token of tokens) expect(text).not.toContain(token);
    expect(text).not.toContain(provider.clientSecret);
    expect(text).not.toContain(Buffer.from(`${provider.clientId}:${provider.clientSecret}`).toString("base64"));
  });
});
