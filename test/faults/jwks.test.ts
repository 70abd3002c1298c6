/**
 * JWKS fault matrix: the built OIDC bundle (its JWKS cache is the one every JWT function shares) against
 * a real loopback JWKS endpoint that is refused, resets, fails, hangs, answers HTML, invalid JSON, an
 * empty or 10 MB key set, duplicate `kid`s, redirects to another host, or drips one byte per 100 ms.
 * For each: the outcome, the time to answer (bounded), and the number of fetches.
 *
 * Budgets: a JWKS fetch is abandoned after 3 s (`fetchTimeoutMs`) and at 256 KiB; redirects are never
 * followed; a cold start with no keys answers 401 `jwks_unavailable`; warm keys keep verifying.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AuthorizerHandler } from "../../scripts/lib/invoke-bundle.ts";
import { captureLogs, freshBundle, type LogCapture } from "../helpers/bundle.ts";
import { refusedOrigin, startFaultServer, type Behaviour, type FaultServer } from "../helpers/fault-server.ts";
import { createKeyPair, nowSeconds, signJwt, toJwks, type TestKeyPair } from "../helpers/keys.ts";
import { call, flushFaults, outcomeOf, recordFault } from "./matrix.ts";

const AUDIENCE = "https://api.example.com/orders";
const PATH = "/.well-known/jwks.json";
const TARGET = "JWKS (oidc)";
/** Answer time of a fault the fetch notices at once (refused, 500, not JSON, too large). */
const FAST_MS = 1_000;
/** Answer time of a fault only the 3 s fetch deadline ends (hang, drip), with slack for a loaded CI machine. */
const TIMEOUT_MS = 4_500;

let key: TestKeyPair;
let other: TestKeyPair;
let logs: LogCapture;
const servers: FaultServer[] = [];

beforeAll(async () => {
  [key, other] = await Promise.all([createKeyPair("RS256"), createKeyPair("RS256")]);
  logs = captureLogs();
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

afterAll(() => {
  logs.stop();
  flushFaults();
});

const ok = (): Behaviour => ({ kind: "json", body: toJwks(key) });

/** A REST TOKEN event with a fresh valid token (fresh, so the verified-token cache never answers for it). */
async function event(origin: string, signer: TestKeyPair = key, kid: string = key.kid): Promise<Record<string, unknown>> {
  const token = await signJwt({ iss: origin, aud: AUDIENCE, sub: "client-42", exp: nowSeconds() + 300, jti: crypto.randomUUID() }, { key: signer, kid });
  return { type: "TOKEN", authorizationToken: `Bearer ${token}`, methodArn: "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/orders/123" };
}

/** A fault server with `behaviour`, and a cold OIDC bundle whose JWKS_URI points at it (its warm-up fetch starts at load). */
async function coldBundle(behaviour: Behaviour): Promise<{ server: FaultServer; handler: AuthorizerHandler }> {
  const server = await startFaultServer(behaviour, 60_000);
  servers.push(server);
  const handler = await freshBundle("oidc", { ISSUER: server.origin, AUDIENCE, JWKS_URI: `${server.origin}${PATH}` });
  return { server, handler };
}

describe("JWKS endpoint faults (oidc bundle)", () => {
  it("refused at cold start: 401 jwks_unavailable at once, every call", async () => {
    const origin = await refusedOrigin();
    const handler = await freshBundle("oidc", { ISSUER: origin, AUDIENCE, JWKS_URI: `${origin}${PATH}` });
    const first = await call(handler, await event(origin), logs);
    const second = await call(handler, await event(origin), logs);
    expect([outcomeOf(first), outcomeOf(second)]).toEqual(["401 jwks_unavailable", "401 jwks_unavailable"]);
    expect(Math.max(first.ms, second.ms)).toBeLessThan(FAST_MS);
    recordFault({ target: TARGET, fault: "down at cold start (connection refused)", outcome: outcomeOf(first), ms: first.ms, boundMs: FAST_MS, requests: "refused" });
  });

  it.each<[string, Behaviour]>([
    ["connection reset without an answer", { kind: "reset" }],
    ["500", { kind: "json", status: 500, body: { message: "Internal Server Error" } }],
    ["HTML login page (200)", { kind: "text", body: "<!doctype html><title>Sign in</title>", contentType: "text/html" }],
    ["invalid JSON (200)", { kind: "text", body: '{"keys": [', contentType: "application/json" }],
    ["JSON without keys (200)", { kind: "json", body: { error: "nope" } }],
    ["10 MB body, content-length declared", { kind: "huge", bytes: 10 * 1024 * 1024, declareLength: true }],
    ["10 MB body, chunked", { kind: "huge", bytes: 10 * 1024 * 1024, declareLength: false }],
  ])("%s at cold start: 401 jwks_unavailable at once; each call without keys tries once more", async (fault, behaviour) => {
    const { server, handler } = await coldBundle(behaviour);
    const first = await call(handler, await event(server.origin), logs);
    const second = await call(handler, await event(server.origin), logs);
    expect([outcomeOf(first), outcomeOf(second)]).toEqual(["401 jwks_unavailable", "401 jwks_unavailable"]);
    expect(Math.max(first.ms, second.ms)).toBeLessThan(FAST_MS);
    // The warm-up fetch at load, then at most one per call while there are no keys.
    expect(server.requestsTo(PATH)).toBeGreaterThanOrEqual(1);
    expect(server.requestsTo(PATH)).toBeLessThanOrEqual(3);
    recordFault({ target: TARGET, fault, outcome: outcomeOf(first), ms: first.ms, boundMs: FAST_MS, requests: `${server.requestsTo(PATH)} for 2 calls` });
  });

  it.each<[string, Behaviour]>([
    ["hangs (never answers)", { kind: "hang" }],
    ["slow drip, 1 byte per 100 ms", { kind: "drip", body: JSON.stringify({ keys: [{ kty: "RSA" }] }).padEnd(200, " "), intervalMs: 100 }],
  ])("%s at cold start: 401 jwks_unavailable when the 3 s fetch deadline ends", async (fault, behaviour) => {
    const { server, handler } = await coldBundle(behaviour);
    const result = await call(handler, await event(server.origin), logs);
    expect(outcomeOf(result)).toBe("401 jwks_unavailable");
    expect(result.ms).toBeLessThan(TIMEOUT_MS);
    expect(server.requestsTo(PATH)).toBe(1); // the call waited on the warm-up fetch instead of starting its own
    recordFault({ target: TARGET, fault, outcome: outcomeOf(result), ms: result.ms, boundMs: TIMEOUT_MS, requests: String(server.requestsTo(PATH)) });
  });

  it("redirects to another host: not followed, 401 jwks_unavailable, the other host never asked", async () => {
    const elsewhere = await startFaultServer(ok(), 60_000);
    servers.push(elsewhere);
    const { server, handler } = await coldBundle({ kind: "redirect", location: `${elsewhere.origin}${PATH}` });
    const result = await call(handler, await event(server.origin), logs);
    expect(outcomeOf(result)).toBe("401 jwks_unavailable");
    expect(result.ms).toBeLessThan(FAST_MS);
    expect(elsewhere.requests).toBe(0);
    recordFault({ target: TARGET, fault: "302 to another host (serving the right keys)", outcome: outcomeOf(result), ms: result.ms, boundMs: FAST_MS, requests: `${server.requestsTo(PATH)}; other host 0` });
  });

  it("an empty key set: 401 unknown_kid, no refetch within the 5 s cooldown", async () => {
    const { server, handler } = await coldBundle({ kind: "json", body: { keys: [] } });
    const first = await call(handler, await event(server.origin), logs);
    const second = await call(handler, await event(server.origin), logs);
    expect([outcomeOf(first), outcomeOf(second)]).toEqual(["401 unknown_kid", "401 unknown_kid"]);
    expect(Math.max(first.ms, second.ms)).toBeLessThan(FAST_MS);
    expect(server.requestsTo(PATH)).toBe(1);
    recordFault({ target: TARGET, fault: "empty key set `{\"keys\": []}`", outcome: outcomeOf(first), ms: first.ms, boundMs: FAST_MS, requests: `${server.requestsTo(PATH)} for 2 calls` });
  });

  it("duplicate kids: the first key with the kid is used; a token of the second is a 401 bad_signature, never an Allow by another key", async () => {
    // `other` published under our kid, listed first: a token really signed by `key` fails, one signed by `other` passes.
    const { server, handler } = await coldBundle({ kind: "json", body: { keys: [{ ...other.publicJwk, kid: key.kid }, key.publicJwk] } });
    const bySecond = await call(handler, await event(server.origin), logs);
    const byFirst = await call(handler, await event(server.origin, other, key.kid), logs);
    expect(outcomeOf(bySecond)).toBe("401 bad_signature");
    expect(outcomeOf(byFirst)).toBe("Allow");
    expect(Math.max(bySecond.ms, byFirst.ms)).toBeLessThan(FAST_MS);
    expect(server.requestsTo(PATH)).toBe(1);
    recordFault({ target: TARGET, fault: "two keys with one `kid`", outcome: "first listed key verifies; token of the second: 401 bad_signature", ms: bySecond.ms, boundMs: FAST_MS, requests: String(server.requestsTo(PATH)) });
  });

  it("down after warm-up: the cached keys keep verifying, with no further fetch", async () => {
    const { server, handler } = await coldBundle(ok());
    const warm = await call(handler, await event(server.origin), logs);
    expect(outcomeOf(warm)).toBe("Allow");
    for (const [fault, behaviour] of [["500 after warm-up", { kind: "json", status: 500, body: {} }], ["hangs after warm-up", { kind: "hang" }]] as const) {
      server.setScript(behaviour);
      const result = await call(handler, await event(server.origin), logs);
      expect(outcomeOf(result)).toBe("Allow");
      expect(result.ms).toBeLessThan(FAST_MS);
      recordFault({ target: TARGET, fault, outcome: "Allow (cached keys)", ms: result.ms, boundMs: FAST_MS, requests: String(server.requestsTo(PATH)) });
    }
    await server.close();
    const result = await call(handler, await event(server.origin), logs);
    expect(outcomeOf(result)).toBe("Allow");
    expect(result.ms).toBeLessThan(FAST_MS);
    expect(server.requestsTo(PATH)).toBe(1);
    recordFault({ target: TARGET, fault: "down after warm-up (connection refused)", outcome: "Allow (cached keys)", ms: result.ms, boundMs: FAST_MS, requests: String(server.requestsTo(PATH)) });
  });

  it("down after warm-up, unknown kid: one refetch attempt at most, then 401 unknown_kid; known keys still verify", async () => {
    const { server, handler } = await coldBundle(ok());
    expect(outcomeOf(await call(handler, await event(server.origin), logs))).toBe("Allow");
    server.setScript({ kind: "json", status: 500, body: {} });
    const unknown = await call(handler, await event(server.origin, other, "rotated-kid"), logs);
    const known = await call(handler, await event(server.origin), logs);
    expect(outcomeOf(unknown)).toBe("401 unknown_kid");
    expect(outcomeOf(known)).toBe("Allow");
    expect(unknown.ms).toBeLessThan(FAST_MS);
    expect(server.requestsTo(PATH)).toBeLessThanOrEqual(2);
    recordFault({ target: TARGET, fault: "500 after warm-up, token with an unknown kid", outcome: outcomeOf(unknown), ms: unknown.ms, boundMs: FAST_MS, requests: String(server.requestsTo(PATH)) });
  });

  it("discovery (no JWKS_URI) fails: 401 jwks_unavailable", async () => {
    const server = await startFaultServer({ kind: "json", status: 500, body: {} }, 60_000);
    servers.push(server);
    const handler = await freshBundle("oidc", { ISSUER: server.origin, AUDIENCE });
    const result = await call(handler, await event(server.origin), logs);
    expect(outcomeOf(result)).toBe("401 jwks_unavailable");
    expect(result.ms).toBeLessThan(FAST_MS);
    recordFault({ target: "OpenID discovery (oidc)", fault: "500", outcome: outcomeOf(result), ms: result.ms, boundMs: FAST_MS, requests: String(server.requests) });
  });
});
