/**
 * The built HMAC bundle (`dist/hmac/index.mjs`) on the recorded `events/hmac/` events, re-signed now, against
 * a real DynamoDB-compatible server (dynalite) on 127.0.0.1 holding template.yaml's tables.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invokeHandler, type AuthorizerHandler } from "../../scripts/lib/invoke-bundle.ts";
import { captureLogs, decisionLines, freshBundle, type LogCapture } from "../helpers/bundle.ts";
import { createLambdaContext } from "../helpers/context.ts";
import { putApiKey, putHmacClient, startHangingServer, startTestDynamo, type TestDynamo } from "../helpers/dynamodb.ts";
import { listEvents, loadEvent } from "../helpers/events.ts";
import { signEvent, withHeader, type SignEventOptions } from "../helpers/hmac.ts";
import { evaluateAnswer } from "../helpers/policy.ts";

type Json = Record<string, unknown>;
const context = () => createLambdaContext({ timeoutMs: 10_000 });
const nowSeconds = () => Math.floor(Date.now() / 1000);

let dynamo: TestDynamo;
let handler: AuthorizerHandler;
let logs: LogCapture;
let client: { keyId: string; secret: string };
/** Every secret, signature and nonce used, for the log check. */
const secrets: string[] = [];

/** Header `name` (lower-case) of `event`, whatever its case there. */
function headerOf(event: Json, name: string): string {
  return Object.entries(event.headers as Record<string, string>).find(([key]) => key.toLowerCase() === name)?.[1] ?? "";
}

/** A recorded event signed now by `signer` (default: the test client). */
async function signed(file = "hmac/rest-request.json", options: Partial<SignEventOptions> = {}): Promise<Json> {
  const event = signEvent(await loadEvent<Json>(file), { ...client, ...options });
  secrets.push(options.secret ?? client.secret, /Signature=([0-9a-f]+)/.exec(headerOf(event, "authorization"))?.[1] ?? "", headerOf(event, "x-auth-nonce"));
  return event;
}

/** Invoke `target` on `event`; the verdict and the decision line's reason. */
async function call(event: Json, target: AuthorizerHandler = handler) {
  const before = decisionLines(logs.text()).length;
  const result = await invokeHandler(target, event, context());
  const line = decisionLines(logs.text())[before];
  return { ...result, reason: line?.reason, line };
}

/** Set a top-level or nested field of a copy of `event` (path like `requestContext.http.method`). */
function patch(event: Json, path: string, value: unknown): Json {
  const copy = structuredClone(event);
  const parts = path.split(".");
  let target: Json = copy;
  for (const part of parts.slice(0, -1)) target = target[part] as Json;
  target[parts.at(-1) as string] = value;
  return copy;
}

beforeAll(async () => {
  dynamo = await startTestDynamo();
  client = await putHmacClient(dynamo);
  logs = captureLogs();
  handler = await freshBundle("hmac", { ...dynamo.env, REQUIRED_SCOPES: "orders:read" });
});

afterAll(async () => {
  logs.stop();
  await dynamo.close();
});

describe("HMAC authorizer on every recorded event", () => {
  it.each(listEvents("hmac"))("allows %s signed now", async (file) => {
    // Prepare
    const event = await signed(file, file.includes("http-v2") ? { body: '{"sku":"A-1","quantity":2,"note":"rush order"}', headers: { "content-type": "application/json" } } : {});
    // Act
    const result = await call(event);
    // Assess
    expect([result.verdict, result.reason]).toEqual(["Allow", "ok"]);
    expect(result.line?.principalId).toBe("partner-b");
    expect(evaluateAnswer(result.answer, (event.methodArn ?? event.routeArn) as string)).toBe("Allow");
  });

  it("passes the signed body hash on to the backend as context.contentSha256", async () => {
    const body = '{"sku":"A-1"}';
    const result = await call(await signed("hmac/http-v2.json", { body }));
    const answer = result.answer as { isAuthorized: boolean; context: Record<string, unknown> };
    expect(answer.isAuthorized).toBe(true);
    expect(answer.context).toMatchObject({ sub: "partner-b", authScheme: "hmac", keyId: client.keyId });
    expect(answer.context.contentSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("accepts the path signed without the stage as well as with it", async () => {
    const event = await signed("hmac/rest-request.json", { url: "https://abcdef123.execute-api.us-east-1.amazonaws.com/orders/123?include=items" });
    expect((await call(event)).verdict).toBe("Allow");
  });

  it("accepts a custom domain's base path left out by signRequest's basePath", async () => {
    const event = await signed("hmac/rest-request.json", { url: "https://abcdef123.execute-api.us-east-1.amazonaws.com/v1/orders/123?include=items", basePath: "/v1" });
    expect((await call(event)).verdict).toBe("Allow");
  });
});

describe("HMAC authorizer refuses a changed signed part with 401 bad_signature", () => {
  it.each([
    ["the method (REST)", "hmac/rest-request.json", (e: Json) => patch(patch(e, "httpMethod", "DELETE"), "methodArn", String(e.methodArn).replace("/GET/", "/DELETE/"))],
    ["the method (HTTP API)", "hmac/http-v2.json", (e: Json) => patch(patch(e, "requestContext.http.method", "PUT"), "routeArn", String(e.routeArn).replace("/POST/", "/PUT/"))],
    ["the path", "hmac/rest-request.json", (e: Json) => patch(e, "methodArn", String(e.methodArn).replace("/orders/123", "/orders/124"))],
    ["the query", "hmac/rest-request.json", (e: Json) => patch(patch(e, "queryStringParameters", { include: "secrets" }), "multiValueQueryStringParameters", { include: ["secrets"] })],
    ["an added query parameter", "hmac/rest-request.json", (e: Json) => patch(patch(e, "queryStringParameters", { include: "items", all: "1" }), "multiValueQueryStringParameters", { include: ["items"], all: ["1"] })],
    ["the host", "hmac/rest-request.json", (e: Json) => withHeader(e, "host", "evil.example.com")],
    ["a signed extra header", "hmac/http-v2.json", (e: Json) => withHeader(e, "content-type", "text/plain")],
    ["the body hash", "hmac/http-v2.json", (e: Json) => withHeader(e, "x-content-sha256", "0".repeat(64))],
    ["the nonce", "hmac/rest-request.json", (e: Json) => withHeader(e, "x-auth-nonce", "another-nonce-0123456789")],
    ["the timestamp, by one second", "hmac/rest-request.json", (e: Json) => {
      const date = headerOf(e, "x-auth-date");
      const seconds = Number(date.slice(13, 15));
      return withHeader(e, "x-auth-date", `${date.slice(0, 13)}${String((seconds + 1) % 60).padStart(2, "0")}${date.slice(15)}`);
    }],
  ])("%s", async (_name, file, change) => {
    // Prepare
    const event = change(await signed(file, file.includes("http-v2") ? { headers: { "content-type": "application/json" } } : {}));
    // Act
    const result = await call(event);
    // Assess
    expect([result.verdict, result.reason]).toEqual(["401", "bad_signature"]);
  });

  it("a signature made with another secret", async () => {
    const result = await call(await signed("hmac/rest-request.json", { secret: "not-the-secret-of-this-client-at-all" }));
    expect([result.verdict, result.reason]).toEqual(["401", "bad_signature"]);
  });
});

describe("HMAC authorizer refuses", () => {
  it.each([
    ["301 s behind", -301_000],
    ["301 s ahead", 301_000],
    ["a day behind", -86_400_000],
  ])("a timestamp %s with 401 clock_skew", async (_name, offsetMs) => {
    const result = await call(await signed("hmac/rest-request.json", { date: new Date(Date.now() + offsetMs) }));
    expect([result.verdict, result.reason]).toEqual(["401", "clock_skew"]);
  });

  it.each([
    ["290 s behind", -290_000],
    ["290 s ahead", 290_000],
  ])("accepts a timestamp %s (inside the 300 s skew)", async (_name, offsetMs) => {
    const result = await call(await signed("hmac/rest-request.json", { date: new Date(Date.now() + offsetMs) }));
    expect(result.verdict).toBe("Allow");
  });

  it("a replay of the same signed request with 401 replayed_nonce", async () => {
    const event = await signed("hmac/http-v2.json", { headers: { "content-type": "application/json" } });
    const first = await call(event);
    const second = await call(event);
    expect(first.verdict).toBe("Allow");
    expect([second.verdict, second.reason]).toEqual(["401", "replayed_nonce"]);
  });

  it("a replay of 20 concurrent copies: exactly one passes", async () => {
    const event = await signed("hmac/rest-request.json");
    const results = await Promise.all(Array.from({ length: 20 }, () => invokeHandler(handler, event, context())));
    expect(results.filter((result) => result.verdict === "Allow")).toHaveLength(1);
  });

  it("the same nonce from two different clients is not a replay", async () => {
    const other = await putHmacClient(dynamo);
    secrets.push(other.secret);
    const nonce = "shared-nonce-0123456789abcdef";
    expect((await call(await signed("hmac/rest-request.json", { nonce }))).verdict).toBe("Allow");
    expect((await call(await signed("hmac/rest-request.json", { ...other, nonce }))).verdict).toBe("Allow");
  });

  it.each(["x-auth-nonce", "x-content-sha256", "x-auth-date", "host"])("a signature that does not cover %s with 401 missing_signed_header", async (header) => {
    // Prepare: sign, then rewrite SignedHeaders without `header` and re-sign over what is left
    const event = await signed("hmac/rest-request.json");
    const auth = headerOf(event, "authorization");
    const list = /SignedHeaders=([^,]+)/.exec(auth)?.[1]?.split(";").filter((name) => name !== header) ?? [];
    const changed = withHeader(event, "authorization", auth.replace(/SignedHeaders=[^,]+/, `SignedHeaders=${list.join(";")}`));
    // Act
    const result = await call(changed);
    // Assess
    expect([result.verdict, result.reason]).toEqual(["401", "missing_signed_header"]);
  });

  it("a signed header missing from the request with 401 missing_signed_header", async () => {
    const result = await call(withHeader(await signed("hmac/http-v2.json", { headers: { "content-type": "application/json" } }), "content-type", undefined));
    expect([result.verdict, result.reason]).toEqual(["401", "missing_signed_header"]);
  });

  it("an unknown key id with 401 unknown_key", async () => {
    const result = await call(await signed("hmac/rest-request.json", { keyId: "ffffffffffffffffffffffff" }));
    expect([result.verdict, result.reason]).toEqual(["401", "unknown_key"]);
  });

  it("an API key's id used as an HMAC key id with 401 unknown_key", async () => {
    const { keyId, apiKey } = await putApiKey(dynamo);
    secrets.push(apiKey);
    const result = await call(await signed("hmac/rest-request.json", { keyId }));
    expect([result.verdict, result.reason]).toEqual(["401", "unknown_key"]);
  });

  it("a revoked client with 401 revoked_key", async () => {
    const revoked = await putHmacClient(dynamo, { status: "revoked" });
    secrets.push(revoked.secret);
    const result = await call(await signed("hmac/rest-request.json", revoked));
    expect([result.verdict, result.reason]).toEqual(["401", "revoked_key"]);
  });

  it("an expired client with 401 expired_key", async () => {
    const expired = await putHmacClient(dynamo, { expiresAt: nowSeconds() - 1 });
    secrets.push(expired.secret);
    const result = await call(await signed("hmac/rest-request.json", expired));
    expect([result.verdict, result.reason]).toEqual(["401", "expired_key"]);
  });

  it("a client without a required scope with an explicit Deny (403)", async () => {
    const limited = await putHmacClient(dynamo, { scopes: ["orders:write"] });
    secrets.push(limited.secret);
    const result = await call(await signed("hmac/rest-request.json", limited));
    expect([result.verdict, result.reason]).toEqual(["Deny", "insufficient_scope"]);
  });

  it.each([
    ["a Bearer token", "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"],
    ["an unknown parameter", "HMAC-SHA256 Credential=0a1b2c3d4e5f60718293a4b5, SignedHeaders=host, Signature=00, Extra=1"],
    ["unsorted SignedHeaders", `HMAC-SHA256 Credential=0a1b2c3d4e5f60718293a4b5, SignedHeaders=x-auth-date;host, Signature=${"0".repeat(64)}`],
  ])("%s in Authorization with 401 malformed_token", async (_name, value) => {
    const result = await call(withHeader(await signed(), "authorization", value));
    expect([result.verdict, result.reason]).toEqual(["401", "malformed_token"]);
  });

  it("a REST TOKEN event (no headers to check) with 401", async () => {
    const event = await signed();
    const auth = headerOf(event, "authorization");
    const result = await call({ type: "TOKEN", methodArn: event.methodArn, authorizationToken: auth });
    expect([result.verdict, result.reason]).toEqual(["401", "missing_signed_header"]);
  });
});

describe("HMAC authorizer when DynamoDB fails", () => {
  it("answers 401 store_unavailable when the store is down, never an Allow", async () => {
    const own = await startTestDynamo();
    try {
      const cold = await freshBundle("hmac", { ...own.env, DYNAMODB_TIMEOUT_MS: "300" });
      const ownClient = await putHmacClient(own);
      secrets.push(ownClient.secret);
      await own.close();
      const result = await call(await signed("hmac/rest-request.json", ownClient), cold);
      expect([result.verdict, result.reason]).toEqual(["401", "store_unavailable"]);
    } finally {
      await own.close();
    }
  });

  it("answers 401 store_unavailable when the nonce write fails after the key was read", async () => {
    const cold = await freshBundle("hmac", { ...dynamo.env, NONCES_TABLE: "no-such-table" });
    const result = await call(await signed(), cold);
    expect([result.verdict, result.reason]).toEqual(["401", "store_unavailable"]);
  });

  it("answers 401 store_unavailable within the timeouts when the store hangs", async () => {
    const hanging = await startHangingServer();
    try {
      const cold = await freshBundle("hmac", { ...dynamo.env, DYNAMODB_ENDPOINT: hanging.origin, DYNAMODB_TIMEOUT_MS: "300" });
      const started = performance.now();
      const result = await call(await signed(), cold);
      expect([result.verdict, result.reason]).toEqual(["401", "store_unavailable"]);
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      await hanging.close();
    }
  });
});

describe("HMAC authorizer configuration", () => {
  it.each([
    ["NONCES_TABLE missing", { NONCES_TABLE: "" }, /NONCES_TABLE is missing/],
    ["a skew over 15 minutes", { HMAC_MAX_SKEW_SECONDS: "3600" }, /HMAC_MAX_SKEW_SECONDS is "3600"/],
    ["a DynamoDB timeout of a minute", { DYNAMODB_TIMEOUT_MS: "60000" }, /DYNAMODB_TIMEOUT_MS is "60000"/],
  ])("fails the cold start on %s, naming the variable", async (_name, env, message) => {
    await expect(freshBundle("hmac", { ...dynamo.env, ...env })).rejects.toThrow(message);
  });
});

describe("HMAC authorizer logs", () => {
  it("never writes a secret, a signature or a nonce to any log line at DEBUG with event logging on", () => {
    const text = logs.text();
    expect(text).toContain("authorizer decision");
    const used = secrets.filter((value) => value.length >= 16);
    expect(used.length).toBeGreaterThan(50);
    for (const value of used) expect(text).not.toContain(value);
  });
});
