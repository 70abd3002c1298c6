/**
 * The built API key bundle (`dist/api-key/index.mjs`) on the recorded `events/api-key/` events against a
 * real DynamoDB-compatible server (dynalite) on 127.0.0.1 holding template.yaml's tables.
 */
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { invokeHandler, type AuthorizerHandler } from "../../scripts/lib/invoke-bundle.ts";
import { captureLogs, decisionLines, freshBundle, type LogCapture } from "../helpers/bundle.ts";
import { createLambdaContext } from "../helpers/context.ts";
import { putApiKey, putHmacClient, startHangingServer, startTestDynamo, type TestDynamo } from "../helpers/dynamodb.ts";
import { listEvents, loadEvent } from "../helpers/events.ts";
import { evaluateAnswer } from "../helpers/policy.ts";

const context = () => createLambdaContext({ timeoutMs: 10_000 });
const nowSeconds = () => Math.floor(Date.now() / 1000);

let dynamo: TestDynamo;
let handler: AuthorizerHandler;
let logs: LogCapture;
/** Every key and secret handed out, for the log check. */
const secrets: string[] = [];

/** `[keyId, secret]` of `ak_<keyId>_<secret>` (the secret may itself contain `_`). */
function splitKey(apiKey: string): [string, string] {
  const [, keyId = "", secret = ""] = /^ak_([^_]+)_(.+)$/.exec(apiKey) ?? [];
  return [keyId, secret];
}

async function newKey(overrides: Parameters<typeof putApiKey>[1] = {}): Promise<string> {
  const { apiKey } = await putApiKey(dynamo, overrides);
  secrets.push(apiKey, splitKey(apiKey)[1]);
  return apiKey;
}

/** Call `target` on a recorded event carrying `apiKey`; the verdict and the decision line's reason. */
async function call(apiKey: string, file = "api-key/rest-request.json", target: AuthorizerHandler = handler) {
  const before = decisionLines(logs.text()).length;
  const event = await loadEvent<Record<string, unknown>>(file, { token: apiKey });
  const result = await invokeHandler(target, event, context());
  const line = decisionLines(logs.text())[before];
  return { ...result, event, reason: line?.reason, line };
}

beforeAll(async () => {
  dynamo = await startTestDynamo();
  logs = captureLogs();
  handler = await freshBundle("api-key", { ...dynamo.env, REQUIRED_SCOPES: "orders:read", KEY_CACHE_TTL_SECONDS: "0" });
});

afterAll(async () => {
  logs.stop();
  await dynamo.close();
});

describe("API key authorizer on every recorded event", () => {
  it("has one recorded event per event kind", () => {
    expect(listEvents("api-key")).toEqual(["http-v1", "http-v2", "rest-request", "rest-token", "websocket-connect"].map((kind) => `api-key/${kind}.json`));
  });

  it.each(listEvents("api-key"))("allows a valid key on %s", async (file) => {
    // Prepare
    const apiKey = await newKey();
    // Act
    const result = await call(apiKey, file);
    // Assess
    expect(result.verdict).toBe("Allow");
    expect(result.reason).toBe("ok");
    expect(result.line?.principalId).toBe("tenant-a");
    const arn = (result.event.methodArn ?? result.event.routeArn) as string;
    expect(evaluateAnswer(result.answer, arn)).toBe("Allow");
  });

  it("returns the item's usage-plan key as usageIdentifierKey, and the tenant as principalId", async () => {
    const apiKey = await newKey({ usagePlanKey: "UsagePlanKeyValueOfTenantA0123456789" });
    const result = await call(apiKey);
    const answer = result.answer as { principalId: string; usageIdentifierKey?: string; context: Record<string, unknown> };
    expect(answer.usageIdentifierKey).toBe("UsagePlanKeyValueOfTenantA0123456789");
    expect(answer.principalId).toBe("tenant-a");
    expect(answer.context).toMatchObject({ sub: "tenant-a", scope: "orders:read", authScheme: "api-key" });
  });

  it("leaves usageIdentifierKey out when the item has no usage-plan key", async () => {
    const result = await call(await newKey());
    expect(result.answer).not.toHaveProperty("usageIdentifierKey");
  });
});

describe("API key authorizer refuses", () => {
  it("a revoked key with 401 revoked_key", async () => {
    const result = await call(await newKey({ status: "revoked" }));
    expect([result.verdict, result.reason]).toEqual(["401", "revoked_key"]);
  });

  it("an expired key with 401 expired_key", async () => {
    const result = await call(await newKey({ expiresAt: nowSeconds() - 1 }));
    expect([result.verdict, result.reason]).toEqual(["401", "expired_key"]);
  });

  it("accepts a key whose expiry is still ahead", async () => {
    const result = await call(await newKey({ expiresAt: nowSeconds() + 3600 }));
    expect(result.verdict).toBe("Allow");
  });

  it("an unknown key id with 401 unknown_key", async () => {
    const [, secret] = splitKey(await newKey());
    const result = await call(`ak_ffffffffffffffffffffffff_${secret}`);
    expect([result.verdict, result.reason]).toEqual(["401", "unknown_key"]);
  });

  it("the wrong secret with the right key id with 401 wrong_secret", async () => {
    const apiKey = await newKey();
    const other = await newKey();
    const forged = `ak_${splitKey(apiKey)[0]}_${splitKey(other)[1]}`;
    const result = await call(forged);
    expect([result.verdict, result.reason]).toEqual(["401", "wrong_secret"]);
  });

  it("an HMAC client's key id used as an API key with 401 unknown_key", async () => {
    const { keyId, secret } = await putHmacClient(dynamo);
    secrets.push(secret);
    const result = await call(`ak_${keyId}_${secret}`);
    expect([result.verdict, result.reason]).toEqual(["401", "unknown_key"]);
  });

  it.each([
    ["another prefix", "sk_0a1b2c3d4e5f60718293a4b5_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"],
    ["no secret", "ak_0a1b2c3d4e5f60718293a4b5"],
    ["a short secret", "ak_0a1b2c3d4e5f60718293a4b5_abc"],
    ["a JWT", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"],
  ])("a malformed key (%s) with 401 malformed_token, without a store read", async (_name, value) => {
    const result = await call(value);
    expect([result.verdict, result.reason]).toEqual(["401", "malformed_token"]);
  });

  it("a request without x-api-key with 401 missing_token", async () => {
    const event = await loadEvent<{ headers: Record<string, string>; multiValueHeaders: Record<string, string[]> }>("api-key/rest-request.json", { token: "x" });
    delete event.headers["x-api-key"];
    delete event.multiValueHeaders["x-api-key"];
    const before = decisionLines(logs.text()).length;
    const result = await invokeHandler(handler, event, context());
    expect(result.verdict).toBe("401");
    expect(decisionLines(logs.text())[before]?.reason).toBe("missing_token");
  });

  it("a key without a required scope with an explicit Deny (403) covering the whole API", async () => {
    const result = await call(await newKey({ scopes: ["orders:write"] }));
    expect([result.verdict, result.reason]).toEqual(["Deny", "insufficient_scope"]);
    expect(evaluateAnswer(result.answer, "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/DELETE/admin/x")).toBe("Deny");
  });
});

describe("API key authorizer cache", () => {
  /** Count the GetItem requests dynalite receives while `act` runs. */
  async function countGets(act: () => Promise<unknown>): Promise<number> {
    let count = 0;
    const listener = (req: { headers: Record<string, string | string[] | undefined> }) => {
      if (String(req.headers["x-amz-target"]).endsWith(".GetItem")) count += 1;
    };
    dynamo.server.on("request", listener);
    try {
      await act();
    } finally {
      dynamo.server.off("request", listener);
    }
    return count;
  }

  it("reads a key once for 50 concurrent calls, and once per TTL after that", async () => {
    const cached = await freshBundle("api-key", { ...dynamo.env, KEY_CACHE_TTL_SECONDS: "60" });
    const apiKey = await newKey();
    const event = await loadEvent("api-key/rest-token.json", { token: apiKey });
    const reads = await countGets(async () => {
      const results = await Promise.all(Array.from({ length: 50 }, () => invokeHandler(cached, event, context())));
      expect(results.every((result) => result.verdict === "Allow")).toBe(true);
      expect((await invokeHandler(cached, event, context())).verdict).toBe("Allow");
    });
    expect(reads).toBe(1);
  });

  it("caches a miss too: an unknown key id costs one read per TTL", async () => {
    const cached = await freshBundle("api-key", { ...dynamo.env, KEY_CACHE_TTL_SECONDS: "60" });
    const unknown = "ak_0123456789abcdef01234567_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA";
    const reads = await countGets(async () => {
      for (let i = 0; i < 5; i += 1) expect((await call(unknown, "api-key/rest-token.json", cached)).reason).toBe("unknown_key");
    });
    expect(reads).toBe(1);
  });

  it("refuses a revoked key once the cache TTL has passed, not before", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    try {
      const cached = await freshBundle("api-key", { ...dynamo.env, KEY_CACHE_TTL_SECONDS: "60" });
      const apiKey = await newKey();
      const [keyId] = splitKey(apiKey);
      expect((await call(apiKey, "api-key/rest-token.json", cached)).verdict).toBe("Allow");
      await dynamo.doc.send(new UpdateCommand({
        TableName: dynamo.env.API_KEYS_TABLE, Key: { keyId }, UpdateExpression: "SET #s = :r",
        ExpressionAttributeNames: { "#s": "status" }, ExpressionAttributeValues: { ":r": "revoked" },
      }));
      vi.setSystemTime(Date.now() + 59_000);
      expect((await call(apiKey, "api-key/rest-token.json", cached)).verdict).toBe("Allow");
      vi.setSystemTime(Date.now() + 2_000);
      const after = await call(apiKey, "api-key/rest-token.json", cached);
      expect([after.verdict, after.reason]).toEqual(["401", "revoked_key"]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("API key authorizer when DynamoDB fails", () => {
  it("answers 401 store_unavailable when the store is down, never an Allow", async () => {
    const own = await startTestDynamo();
    try {
      const cold = await freshBundle("api-key", { ...own.env, DYNAMODB_TIMEOUT_MS: "300" });
      const { apiKey } = await putApiKey(own);
      secrets.push(apiKey);
      await own.close();
      const result = await call(apiKey, "api-key/rest-request.json", cold);
      expect([result.verdict, result.reason]).toEqual(["401", "store_unavailable"]);
    } finally {
      await own.close();
    }
  });

  it("answers 401 store_unavailable within the timeouts when the store hangs", async () => {
    const hanging = await startHangingServer();
    try {
      const cold = await freshBundle("api-key", { ...dynamo.env, DYNAMODB_ENDPOINT: hanging.origin, DYNAMODB_TIMEOUT_MS: "300" });
      const apiKey = await newKey();
      const started = performance.now();
      const result = await call(apiKey, "api-key/rest-request.json", cold);
      expect([result.verdict, result.reason]).toEqual(["401", "store_unavailable"]);
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      await hanging.close();
    }
  });

  it("answers 401 store_unavailable when the table does not exist", async () => {
    const cold = await freshBundle("api-key", { ...dynamo.env, API_KEYS_TABLE: "no-such-table" });
    const result = await call(await newKey(), "api-key/rest-request.json", cold);
    expect([result.verdict, result.reason]).toEqual(["401", "store_unavailable"]);
  });
});

describe("API key authorizer configuration", () => {
  it.each([
    ["API_KEYS_TABLE missing", { API_KEYS_TABLE: "" }, /API_KEYS_TABLE is missing/],
    ["a bad table name", { API_KEYS_TABLE: "a b" }, /API_KEYS_TABLE is "a b", not a DynamoDB table name/],
    ["an http endpoint off loopback", { DYNAMODB_ENDPOINT: "http://dynamodb.example.com" }, /DYNAMODB_ENDPOINT is not usable \(must be https/],
    ["a cache TTL over an hour", { KEY_CACHE_TTL_SECONDS: "7200" }, /KEY_CACHE_TTL_SECONDS is "7200"/],
    ["a bad prefix", { API_KEY_PREFIX: "A_B" }, /API_KEY_PREFIX is "A_B"/],
  ])("fails the cold start on %s, naming the variable", async (_name, env, message) => {
    await expect(freshBundle("api-key", { ...dynamo.env, ...env })).rejects.toThrow(message);
  });
});

describe("API key authorizer logs", () => {
  it("never writes a key or its secret to any log line at DEBUG with event logging on", () => {
    const text = logs.text();
    expect(text).toContain("authorizer decision");
    expect(secrets.length).toBeGreaterThan(20);
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});
