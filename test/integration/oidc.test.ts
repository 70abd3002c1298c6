/**
 * The built OIDC bundle (`dist/oidc/index.mjs`) on recorded events against a real loopback JWKS and
 * discovery endpoint: the checks of issue #2, item 7.
 */
import { createPublicKey } from "node:crypto";
import { SignJWT, base64url } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { invokeHandler, type AuthorizerHandler } from "../../scripts/lib/invoke-bundle.ts";
import { captureLogs, decisionLines, freshBundle, type LogCapture } from "../helpers/bundle.ts";
import { createLambdaContext } from "../helpers/context.ts";
import { listEvents, loadEvent } from "../helpers/events.ts";
import { startJwksServer, type JwksServer } from "../helpers/jwks-server.ts";
import { createKeyPair, nowSeconds, signJwt, toJwks, type TestKeyPair } from "../helpers/keys.ts";
import { evaluateAnswer } from "../helpers/policy.ts";

const AUDIENCE = "https://api.example.com/orders";
/** A fresh Lambda context per call, with the 10 s a real authorizer function is given. */
const context = () => createLambdaContext({ timeoutMs: 10_000 });

let server: JwksServer;
let rsa: TestKeyPair;
let ec: TestKeyPair;
let attacker: TestKeyPair;
let handler: AuthorizerHandler;
let logs: LogCapture;
const issuedTokens: string[] = [];

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = nowSeconds();
  return { iss: server.issuer, aud: AUDIENCE, sub: "client-42", scope: "orders:read", iat: now, exp: now + 300, ...overrides };
}

async function token(overrides: Record<string, unknown> = {}, key: TestKeyPair = rsa, header: Record<string, unknown> = {}): Promise<string> {
  const signed = await signJwt(claims(overrides), { key, header });
  issuedTokens.push(signed);
  return signed;
}

/** Call `target` with the REST TOKEN event carrying `credential`; the verdict and the decision line. */
async function callRestToken(credential: string, target: AuthorizerHandler = handler) {
  issuedTokens.push(credential);
  const before = decisionLines(logs.text()).length;
  const event = await loadEvent("rest-token/valid.json", { token: credential });
  const result = await invokeHandler(target, event, context());
  const line = decisionLines(logs.text())[before];
  return { ...result, reason: line?.reason, line };
}

beforeAll(async () => {
  [rsa, ec, attacker] = await Promise.all([createKeyPair("RS256"), createKeyPair("ES256"), createKeyPair("RS256")]);
  server = await startJwksServer(toJwks(rsa, ec));
  logs = captureLogs();
  handler = await freshBundle("oidc", { ISSUER: server.issuer, AUDIENCE, ALGORITHMS: "RS256,ES256", REQUIRED_SCOPES: "orders:read" });
});

afterAll(async () => {
  logs.stop();
  await server.close();
});

describe("OIDC authorizer on every recorded event", () => {
  it.each(listEvents())("answers %s as its kind expects for a valid RS256 token", async (file) => {
    // Prepare
    const valid = await token();
    const event = await loadEvent<Record<string, unknown>>(file, { token: valid });
    const expectsToken = !file.includes("missing-token");
    // Act
    const result = await invokeHandler(handler, event, context());
    // Assess
    if (!expectsToken) {
      expect(result.verdict).toBe("401");
      return;
    }
    expect(result.verdict).toBe("Allow");
    const arn = (event.methodArn ?? event.routeArn) as string;
    expect(evaluateAnswer(result.answer, arn)).toBe("Allow");
  });

  it("allows an ES256 token when ES256 is in ALGORITHMS", async () => {
    const result = await callRestToken(await token({}, ec));
    expect(result.verdict).toBe("Allow");
    expect(result.principalId).toBe("client-42");
  });

  it("passes verified claims to the backend as a flat context on REST", async () => {
    const result = await callRestToken(await token({ "custom:tier": ["gold"], tenant: "acme" }));
    const answer = result.answer as { context: Record<string, unknown> };
    expect(answer.context).toMatchObject({ sub: "client-42", iss: server.issuer, scope: "orders:read", tenant: "acme", "custom:tier": '["gold"]' });
  });
});

describe("OIDC authorizer refuses", () => {
  it.each([
    ["an expired token", { exp: nowSeconds() - 10 }, "expired"],
    ["a token whose nbf is in the future", { nbf: nowSeconds() + 600 }, "not_yet_valid"],
    ["a token without exp", { exp: undefined }, "missing_claim"],
    ["a token from another issuer", { iss: "https://evil.example.com/" }, "untrusted_issuer"],
    ["an issuer differing by a trailing slash", { iss: "TRAILING" }, "untrusted_issuer"],
    ["a token for another audience", { aud: "https://api.example.com/other" }, "wrong_audience"],
    ["an aud array without ours", { aud: ["https://a.example.com", "https://b.example.com"] }, "wrong_audience"],
  ])("%s with 401", async (_name, overrides, reason) => {
    const patched = { ...overrides } as Record<string, unknown>;
    if (patched.iss === "TRAILING") patched.iss = `${server.issuer}/`;
    const result = await callRestToken(await token(patched));
    expect(result.verdict).toBe("401");
    expect(result.reason).toBe(reason);
  });

  it("a token without a required scope with an explicit Deny covering the whole API (403)", async () => {
    const result = await callRestToken(await token({ scope: "orders:write" }));
    expect(result.verdict).toBe("Deny");
    expect(result.reason).toBe("insufficient_scope");
    expect(evaluateAnswer(result.answer, "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/DELETE/admin/x")).toBe("Deny");
  });

  it.each(["none", "None", "NONE", "nOnE"])("alg %s with 401", async (alg) => {
    const header = base64url.encode(JSON.stringify({ alg, typ: "JWT", kid: rsa.kid }));
    const payload = base64url.encode(JSON.stringify(claims()));
    const result = await callRestToken(`${header}.${payload}.`);
    expect(result.verdict).toBe("401");
    expect(result.reason).toBe("algorithm_not_allowed");
  });

  it.each(["PEM", "JWK"])("HS256 signed with the issuer's public key (%s form) with 401", async (form) => {
    const publicKey = createPublicKey({ key: rsa.publicJwk, format: "jwk" });
    const secret = form === "PEM" ? Buffer.from(publicKey.export({ type: "spki", format: "pem" })) : Buffer.from(JSON.stringify(rsa.publicJwk));
    const forged = await new SignJWT(claims()).setProtectedHeader({ alg: "HS256", kid: rsa.kid }).sign(secret);
    const result = await callRestToken(forged);
    expect(result.verdict).toBe("401");
    expect(result.reason).toBe("algorithm_not_allowed");
  });

  it("a stripped signature with 401", async () => {
    const [header, payload] = (await token()).split(".");
    const result = await callRestToken(`${header}.${payload}.`);
    expect(result.verdict).toBe("401");
    expect(["bad_signature", "malformed_token"]).toContain(result.reason);
  });

  it("a signature from another key under a known kid with 401 bad_signature", async () => {
    const forged = await signJwt(claims(), { key: attacker, kid: rsa.kid });
    const result = await callRestToken(forged);
    expect(result.verdict).toBe("401");
    expect(result.reason).toBe("bad_signature");
  });

  it.each(["jku", "x5u"])("a %s header pointing at an attacker's key set, without fetching it", async (name) => {
    const evil = await startJwksServer(toJwks(attacker));
    try {
      const forged = await signJwt(claims(), { key: attacker, header: { [name]: evil.url } });
      const result = await callRestToken(forged);
      expect(result.verdict).toBe("401");
      expect(result.reason).toBe("unknown_kid");
      expect(evil.fetchCount).toBe(0);
    } finally {
      await evil.close();
    }
  });

  it("an embedded jwk header carrying the attacker's key", async () => {
    const forged = await signJwt(claims(), { key: attacker, kid: rsa.kid, header: { jwk: attacker.publicJwk } });
    const result = await callRestToken(forged);
    expect(result.verdict).toBe("401");
    expect(result.reason).toBe("bad_signature");
  });

  it.each([
    ["two segments", () => "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0"],
    ["five segments (JWE)", () => "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d"],
    ["bad base64", () => "e$J.e$J.sig"],
    ["non-JSON segments", () => `${base64url.encode("not json")}.${base64url.encode("{")}.c2ln`],
    ["a 1 MB token", () => "a".repeat(1_048_576)],
  ])("a malformed token (%s) with 401", async (_name, make) => {
    const result = await callRestToken(make());
    expect(result.verdict).toBe("401");
    expect(result.reason).toBe("malformed_token");
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
  ])("a %s Authorization header with 401 missing_token", async (_name, value) => {
    const event = await loadEvent<{ headers: Record<string, string>; multiValueHeaders: Record<string, string[]> }>("rest-request/valid.json", { token: "x" });
    delete event.multiValueHeaders.Authorization;
    if (value === undefined) delete event.headers.Authorization;
    else event.headers.Authorization = value;
    const before = decisionLines(logs.text()).length;
    const result = await invokeHandler(handler, event, context());
    expect(result.verdict).toBe("401");
    expect(decisionLines(logs.text())[before]?.reason).toBe("missing_token");
  });
});

describe("OIDC authorizer on events it cannot read", () => {
  it.each([
    ["null", null],
    ["a string", "GET /"],
    ["an empty object", {}],
    ["a TOKEN event without methodArn", { type: "TOKEN", authorizationToken: "Bearer x" }],
    ["a REQUEST event with a non-execute-api ARN", { type: "REQUEST", methodArn: "arn:aws:s3:::bucket/key", headers: null }],
    ["a 2.0 event without routeArn", { version: "2.0", type: "REQUEST", identitySource: ["Bearer x"] }],
  ])("answers %s with 401 malformed_event, never a crash", async (_name, event) => {
    const before = decisionLines(logs.text()).length;
    const result = await invokeHandler(handler, event, context());
    expect(result.verdict).toBe("401");
    expect(decisionLines(logs.text())[before]?.reason).toBe("malformed_event");
  });
});

describe("OIDC authorizer and the JWKS endpoint", () => {
  it("fetches the JWKS exactly once for 100 concurrent cold calls", async () => {
    const own = await startJwksServer(toJwks(rsa));
    try {
      const cold = await freshBundle("oidc", { ISSUER: own.issuer, AUDIENCE, JWKS_URI: own.url });
      const valid = await signJwt({ ...claims(), iss: own.issuer }, { key: rsa });
      const event = await loadEvent("rest-token/valid.json", { token: valid });
      const results = await Promise.all(Array.from({ length: 100 }, () => invokeHandler(cold, event, context())));
      expect(results.every((result) => result.verdict === "Allow")).toBe(true);
      expect(own.fetchCount).toBe(1);
    } finally {
      await own.close();
    }
  });

  it("refetches once for an unknown kid, then holds off during the cooldown", async () => {
    const before = server.fetchCount;
    const unknown = await signJwt(claims(), { key: attacker, kid: "never-published-1" });
    const first = await callRestToken(unknown);
    const second = await callRestToken(await signJwt(claims(), { key: attacker, kid: "never-published-2" }));
    expect([first.reason, second.reason]).toEqual(["unknown_kid", "unknown_kid"]);
    expect(server.fetchCount - before).toBeLessThanOrEqual(1);
  });

  it("picks up a rotated key without a restart once the cooldown has passed", async () => {
    const own = await startJwksServer(toJwks(rsa));
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    try {
      const cold = await freshBundle("oidc", { ISSUER: own.issuer, AUDIENCE });
      const first = await invokeHandler(cold, await loadEvent("rest-token/valid.json", { token: await signJwt({ ...claims(), iss: own.issuer }, { key: rsa }) }), context());
      expect(first.verdict).toBe("Allow");
      const rotated = await createKeyPair("RS256");
      own.setKeys(toJwks(rsa, rotated));
      vi.setSystemTime(Date.now() + 6_000);
      const fresh = await signJwt({ ...claims(), iss: own.issuer }, { key: rotated });
      const second = await invokeHandler(cold, await loadEvent("rest-token/valid.json", { token: fresh }), context());
      expect(second.verdict).toBe("Allow");
    } finally {
      vi.useRealTimers();
      await own.close();
    }
  });

  it("still verifies with cached keys when the JWKS endpoint goes down after warm-up", async () => {
    const own = await startJwksServer(toJwks(rsa));
    try {
      const cold = await freshBundle("oidc", { ISSUER: own.issuer, AUDIENCE, JWKS_URI: own.url });
      const valid = await signJwt({ ...claims(), iss: own.issuer }, { key: rsa });
      const event = await loadEvent("rest-token/valid.json", { token: valid });
      expect((await invokeHandler(cold, event, context())).verdict).toBe("Allow");
      own.setMode("down");
      expect((await invokeHandler(cold, event, context())).verdict).toBe("Allow");
    } finally {
      await own.close();
    }
  });

  it("answers 401 jwks_unavailable within the fetch timeout when the JWKS endpoint hangs", async () => {
    const own = await startJwksServer(toJwks(rsa));
    own.setMode("hang");
    try {
      const cold = await freshBundle("oidc", { ISSUER: own.issuer, AUDIENCE, JWKS_URI: own.url });
      const valid = await signJwt({ ...claims(), iss: own.issuer }, { key: rsa });
      const started = performance.now();
      const before = decisionLines(logs.text()).length;
      const result = await invokeHandler(cold, await loadEvent("rest-token/valid.json", { token: valid }), context());
      const elapsed = performance.now() - started;
      expect(result.verdict).toBe("401");
      expect(decisionLines(logs.text())[before]?.reason).toBe("jwks_unavailable");
      expect(elapsed).toBeLessThan(4_000);
    } finally {
      await own.close();
    }
  });

  it("uses OpenID discovery when JWKS_URI is not set", async () => {
    const own = await startJwksServer(toJwks(rsa));
    try {
      const cold = await freshBundle("oidc", { ISSUER: own.issuer, AUDIENCE });
      const valid = await signJwt({ ...claims(), iss: own.issuer }, { key: rsa });
      expect((await invokeHandler(cold, await loadEvent("rest-token/valid.json", { token: valid }), context())).verdict).toBe("Allow");
      expect(own.discoveryFetchCount).toBe(1);
      expect(own.fetchCount).toBe(1);
    } finally {
      await own.close();
    }
  });
});

describe("OIDC authorizer under API Gateway's authorizer cache", () => {
  const routes = ["rest-token/valid.json", "rest-request/valid.json", "rest-request/proxy-resource.json", "http-v1/valid.json", "websocket-connect/valid.json"];

  it.each([
    ["a caller with the required scope", {}],
    ["a caller without the required scope", { scope: "orders:write" }],
  ])("gives %s the same answer from a cached policy as from a fresh call, on every other route", async (_name, overrides) => {
    const credential = await token(overrides);
    for (const first of routes) {
      const firstEvent = await loadEvent<Record<string, unknown>>(first, { token: credential });
      const cached = (await invokeHandler(handler, firstEvent, context())).answer;
      for (const other of routes) {
        const otherEvent = await loadEvent<Record<string, unknown>>(other, { token: credential });
        const fresh = (await invokeHandler(handler, otherEvent, context())).answer;
        const arn = otherEvent.methodArn as string;
        expect(evaluateAnswer(cached, arn), `${first} cached, then ${other}`).toBe(evaluateAnswer(fresh, arn));
      }
    }
  });
});

describe("OIDC authorizer logs", () => {
  it("writes exactly one decision line per call, with reason, route, kind and duration", async () => {
    const before = decisionLines(logs.text()).length;
    await callRestToken(await token());
    const lines = decisionLines(logs.text()).slice(before);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ eventKind: "rest-token", decision: "allow", reason: "ok", principalId: "client-42", iss: server.issuer, kid: rsa.kid });
    expect(typeof lines[0]?.durationMs).toBe("number");
  });

  it("never writes a token, or its signature, to any log line at DEBUG with event logging on", () => {
    const text = logs.text();
    expect(text.length).toBeGreaterThan(0);
    expect(issuedTokens.length).toBeGreaterThan(20);
    for (const issued of issuedTokens) {
      expect(text).not.toContain(issued);
      const signature = issued.split(".")[2];
      if (signature !== undefined && signature.length > 16) expect(text).not.toContain(signature);
    }
  });
});
