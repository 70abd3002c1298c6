/**
 * Key store fault matrix: the built API key and HMAC bundles against a loopback server speaking
 * DynamoDB's JSON protocol that is refused, fails (500, throttling), answers garbage, a malformed item or
 * 10 MB, hangs, or drips; and the introspection bundle against an introspection endpoint that is refused,
 * fails, hangs, answers HTML, invalid JSON, a non-RFC 7662 object, 10 MB, redirects or drips. For each:
 * the outcome (never an Allow), the time to answer (bounded) and the requests that reached the server.
 *
 * Budgets: `DYNAMODB_TIMEOUT_MS=300` (per attempt; 2 attempts; a hard abort at 2 × 300 + 250 ms) and
 * `INTROSPECTION_TIMEOUT_MS=300`, so hangs end well inside a second.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey } from "../../functions/api-key/key.ts";
import type { AuthorizerHandler } from "../../scripts/lib/invoke-bundle.ts";
import { captureLogs, freshBundle, type LogCapture } from "../helpers/bundle.ts";
import { loadEvent } from "../helpers/events.ts";
import { dynamoJson, dynamoOperation, refusedOrigin, startFaultServer, type Behaviour, type FaultServer, type Script } from "../helpers/fault-server.ts";
import { signEvent } from "../helpers/hmac.ts";
import { call, flushFaults, outcomeOf, recordFault } from "./matrix.ts";

/** Per-attempt DynamoDB timeout given to the bundles. */
const STORE_TIMEOUT_MS = 300;
/** Answer time of a store fault the SDK notices at once (with one retry). */
const FAST_MS = 1_000;
/** Answer time of a store fault only the timeouts end: the hard abort at 2 × 300 + 250 ms, plus slack. */
const STORE_BOUND_MS = 1_500;
/** Answer time of an introspection fault only its 300 ms deadline ends, plus slack. */
const INTROSPECTION_BOUND_MS = 1_000;

const AWS = { AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local" };

let logs: LogCapture;
const servers: FaultServer[] = [];

beforeAll(() => {
  logs = captureLogs();
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

afterAll(() => {
  logs.stop();
  flushFaults();
});

async function server(script: Script | Behaviour): Promise<FaultServer> {
  const started = await startFaultServer(script, 60_000);
  servers.push(started);
  return started;
}

/** DynamoDB faults, each as a script; GetItem is the first call of both schemes. */
const STORE_FAULTS: readonly (readonly [string, Behaviour, number])[] = [
  ["500 InternalServerError", dynamoJson({ __type: "com.amazonaws.dynamodb.v20120810#InternalServerError", message: "boom" }, 500), FAST_MS],
  ["throttled (ProvisionedThroughputExceededException)", dynamoJson({ __type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException", message: "slow down" }, 400), STORE_BOUND_MS],
  ["200 with garbage (HTML)", { kind: "text", body: "<html>gateway</html>", contentType: "text/html" }, FAST_MS],
  ["200 with invalid JSON", { kind: "text", body: '{"Item": {', contentType: "application/x-amz-json-1.0" }, FAST_MS],
  ["connection reset", { kind: "reset" }, FAST_MS],
  ["hangs (never answers)", { kind: "hang" }, STORE_BOUND_MS],
  ["slow drip, 1 byte per 100 ms", { kind: "drip", body: JSON.stringify({ Item: { keyId: { S: "x" } } }).padEnd(200, " "), intervalMs: 100 }, STORE_BOUND_MS],
  ["10 MB body", { kind: "huge", bytes: 10 * 1024 * 1024, declareLength: true }, STORE_BOUND_MS],
];

describe("DynamoDB faults (api-key bundle)", () => {
  const apiKey = generateApiKey("ak");
  const item = { Item: { keyId: { S: apiKey.keyId }, type: { S: "api-key" }, principalId: { S: "tenant-a" }, scopes: { L: [{ S: "orders:read" }] }, status: { S: "active" }, secretHash: { S: apiKey.secretHash } } };
  const load = (endpoint: string, extra: Record<string, string> = {}): Promise<AuthorizerHandler> =>
    freshBundle("api-key", { ...AWS, DYNAMODB_ENDPOINT: endpoint, API_KEYS_TABLE: "keys", DYNAMODB_TIMEOUT_MS: String(STORE_TIMEOUT_MS), ...extra });
  const event = () => loadEvent("api-key/rest-request.json", { token: apiKey.apiKey });

  it("refused: 401 store_unavailable", async () => {
    const handler = await load(await refusedOrigin());
    const result = await call(handler, await event(), logs);
    expect(outcomeOf(result)).toBe("401 store_unavailable");
    expect(result.ms).toBeLessThan(FAST_MS);
    recordFault({ target: "DynamoDB (api-key)", fault: "down (connection refused)", outcome: outcomeOf(result), ms: result.ms, boundMs: FAST_MS, requests: "refused" });
  });

  it.each(STORE_FAULTS)("%s: 401 store_unavailable within the budget", async (fault, behaviour, bound) => {
    const store = await server(behaviour);
    const handler = await load(store.origin);
    const result = await call(handler, await event(), logs);
    expect(outcomeOf(result)).toBe("401 store_unavailable");
    expect(result.ms).toBeLessThan(bound);
    expect(store.requests).toBeLessThanOrEqual(2); // one retry at most
    recordFault({ target: "DynamoDB (api-key)", fault, outcome: outcomeOf(result), ms: result.ms, boundMs: bound, requests: String(store.requests) });
  });

  it("a malformed item (200): 401 internal, never an Allow", async () => {
    const store = await server(dynamoJson({ Item: { ...item.Item, scopes: { S: "orders:read" }, status: { N: "1" } } }));
    const result = await call(await load(store.origin), await event(), logs);
    expect(outcomeOf(result)).toBe("401 internal");
    expect(result.ms).toBeLessThan(FAST_MS);
    recordFault({ target: "DynamoDB (api-key)", fault: "200 with a malformed item", outcome: outcomeOf(result), ms: result.ms, boundMs: FAST_MS, requests: String(store.requests) });
  });

  it("down after the key was cached: Allow from the key cache within KEY_CACHE_TTL_SECONDS, no request", async () => {
    const store = await server(dynamoJson(item));
    const handler = await load(store.origin, { KEY_CACHE_TTL_SECONDS: "60" });
    expect(outcomeOf(await call(handler, await event(), logs))).toBe("Allow");
    store.setScript({ kind: "hang" });
    const result = await call(handler, await event(), logs);
    expect(outcomeOf(result)).toBe("Allow");
    expect(result.ms).toBeLessThan(FAST_MS);
    expect(store.requests).toBe(1);
    recordFault({ target: "DynamoDB (api-key)", fault: "hangs after the key was cached", outcome: "Allow (key cache)", ms: result.ms, boundMs: FAST_MS, requests: String(store.requests) });
  });
});

describe("DynamoDB faults (hmac bundle)", () => {
  const keyId = "0a1b2c3d4e5f60718293a4b5";
  const secret = "fault-matrix-hmac-secret-0123456789abcdefghij";
  const item = { Item: { keyId: { S: keyId }, type: { S: "hmac" }, principalId: { S: "partner-b" }, scopes: { L: [{ S: "orders:read" }] }, status: { S: "active" }, secret: { S: secret } } };
  const load = (endpoint: string): Promise<AuthorizerHandler> =>
    freshBundle("hmac", { ...AWS, DYNAMODB_ENDPOINT: endpoint, API_KEYS_TABLE: "keys", NONCES_TABLE: "nonces", DYNAMODB_TIMEOUT_MS: String(STORE_TIMEOUT_MS), KEY_CACHE_TTL_SECONDS: "0" });
  const event = async () => signEvent(await loadEvent("hmac/rest-request.json"), { keyId, secret });

  it.each(STORE_FAULTS.filter(([fault]) => ["500 InternalServerError", "hangs (never answers)", "200 with garbage (HTML)"].includes(fault)))("key read %s: 401 store_unavailable within the budget", async (fault, behaviour, bound) => {
    const store = await server(behaviour);
    const result = await call(await load(store.origin), await event(), logs);
    expect(outcomeOf(result)).toBe("401 store_unavailable");
    expect(result.ms).toBeLessThan(bound);
    recordFault({ target: "DynamoDB (hmac)", fault: `key read: ${fault}`, outcome: outcomeOf(result), ms: result.ms, boundMs: bound, requests: String(store.requests) });
  });

  it.each<[string, Behaviour, number]>([
    ["nonce write: 500", dynamoJson({ __type: "com.amazonaws.dynamodb.v20120810#InternalServerError", message: "boom" }, 500), FAST_MS],
    ["nonce write: hangs", { kind: "hang" }, STORE_BOUND_MS],
  ])("%s after a good key read: 401 store_unavailable, never an Allow", async (fault, behaviour, bound) => {
    const store = await server((request) => (dynamoOperation(request) === "GetItem" ? dynamoJson(item) : behaviour));
    const handler = await load(store.origin);
    const result = await call(handler, await event(), logs);
    expect(outcomeOf(result)).toBe("401 store_unavailable");
    expect(result.ms).toBeLessThan(bound);
    recordFault({ target: "DynamoDB (hmac)", fault, outcome: outcomeOf(result), ms: result.ms, boundMs: bound, requests: String(store.requests) });
  });

  it("a healthy fake store: the same signed request is allowed (the faults above are the only difference)", async () => {
    const store = await server((request) => dynamoJson(dynamoOperation(request) === "GetItem" ? item : {}));
    expect(outcomeOf(await call(await load(store.origin), await event(), logs))).toBe("Allow");
  });
});

describe("introspection endpoint faults (introspection bundle)", () => {
  const load = (endpoint: string): Promise<AuthorizerHandler> => freshBundle("introspection", {
    INTROSPECTION_ENDPOINT: endpoint, INTROSPECTION_CLIENT_ID: "authorizer", INTROSPECTION_CLIENT_SECRET: "fault-matrix-client-secret", INTROSPECTION_TIMEOUT_MS: "300",
  });
  const event = () => loadEvent("rest-token/valid.json", { token: `opaque-${crypto.randomUUID()}` });

  it("refused: 401 introspection_unavailable", async () => {
    const origin = await refusedOrigin();
    const result = await call(await load(`${origin}/introspect`), await event(), logs);
    expect(outcomeOf(result)).toBe("401 introspection_unavailable");
    expect(result.ms).toBeLessThan(FAST_MS);
    recordFault({ target: "introspection endpoint", fault: "down (connection refused)", outcome: outcomeOf(result), ms: result.ms, boundMs: FAST_MS, requests: "refused" });
  });

  it.each<[string, Behaviour]>([
    ["500", { kind: "json", status: 500, body: { error: "server_error" } }],
    ["401 for our client", { kind: "json", status: 401, body: { error: "invalid_client" } }],
    ["connection reset", { kind: "reset" }],
    ["hangs (never answers)", { kind: "hang" }],
    ["HTML login page (200)", { kind: "text", body: "<!doctype html><title>Sign in</title>", contentType: "text/html" }],
    ["invalid JSON (200)", { kind: "text", body: '{"active": tr', contentType: "application/json" }],
    ["JSON without a boolean active (200)", { kind: "json", body: { active: "true", sub: "x" } }],
    ["10 MB body", { kind: "huge", bytes: 10 * 1024 * 1024, declareLength: false }],
    ["302 to another host", { kind: "redirect", location: "http://127.0.0.1:9/introspect" }],
    ["slow drip, 1 byte per 100 ms", { kind: "drip", body: JSON.stringify({ active: true, sub: "x" }), intervalMs: 100 }],
  ])("%s: 401 introspection_unavailable within the budget", async (fault, behaviour) => {
    const endpoint = await server(behaviour);
    const result = await call(await load(`${endpoint.origin}/introspect`), await event(), logs);
    expect(outcomeOf(result)).toBe("401 introspection_unavailable");
    expect(result.ms).toBeLessThan(INTROSPECTION_BOUND_MS);
    expect(endpoint.requests).toBe(1);
    recordFault({ target: "introspection endpoint", fault, outcome: outcomeOf(result), ms: result.ms, boundMs: INTROSPECTION_BOUND_MS, requests: String(endpoint.requests) });
  });
});
