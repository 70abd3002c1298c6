/**
 * `npm run keys` (scripts/keys.ts) against a loopback DynamoDB holding template.yaml's tables: what it
 * prints, what it stores (never an API key's secret), and that its keys pass the built API key bundle.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invokeHandler, REPO_ROOT } from "../../scripts/lib/invoke-bundle.ts";
import { captureLogs, freshBundle, type LogCapture } from "../helpers/bundle.ts";
import { createLambdaContext } from "../helpers/context.ts";
import { startTestDynamo, type TestDynamo } from "../helpers/dynamodb.ts";
import { loadEvent } from "../helpers/events.ts";

const run = promisify(execFile);
let dynamo: TestDynamo;
let logs: LogCapture;

/** Run `node scripts/keys.ts ...args` against the test table; stdout, stderr and the exit code. */
async function keys(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [`${REPO_ROOT}scripts/keys.ts`, ...args], { env: { ...process.env, ...dynamo.env }, timeout: 15_000 });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

const keyIdOf = (apiKey: string): string => apiKey.split("_")[1] ?? "";

beforeAll(async () => {
  dynamo = await startTestDynamo();
  logs = captureLogs();
});

afterAll(async () => {
  logs.stop();
  await dynamo.close();
});

describe("npm run keys", () => {
  it("creates an API key, prints it once, and stores only the SHA-256 of its secret", async () => {
    // Act
    const created = await keys("create", "--principal", "tenant-a", "--scopes", "orders:read,orders:write", "--usage-plan-key", "plan-key-value", "--expires-in-days", "30");
    // Assess
    expect(created.code).toBe(0);
    const apiKey = created.stdout.trim();
    expect(apiKey).toMatch(/^ak_[0-9a-f]{24}_[A-Za-z0-9_-]{43}$/);
    const secret = apiKey.slice(28);
    const { Item } = await dynamo.doc.send(new GetCommand({ TableName: dynamo.env.API_KEYS_TABLE, Key: { keyId: keyIdOf(apiKey) } }));
    expect(Item).toMatchObject({ type: "api-key", principalId: "tenant-a", scopes: ["orders:read", "orders:write"], status: "active", usagePlanKey: "plan-key-value" });
    expect(Item?.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(Item)).not.toContain(secret);
    expect(created.stderr).not.toContain(secret);
  });

  it("makes keys the built authorizer accepts, and refuses once revoked", async () => {
    const handler = await freshBundle("api-key", { ...dynamo.env, KEY_CACHE_TTL_SECONDS: "0" });
    const apiKey = (await keys("create", "--principal", "tenant-b", "--usage-plan-key", "plan-b")).stdout.trim();
    const event = await loadEvent("api-key/rest-token.json", { token: apiKey });
    const allowed = await invokeHandler(handler, event, createLambdaContext());
    expect(allowed.verdict).toBe("Allow");
    expect((allowed.answer as { usageIdentifierKey?: string }).usageIdentifierKey).toBe("plan-b");

    expect((await keys("revoke", keyIdOf(apiKey))).code).toBe(0);
    expect((await invokeHandler(handler, event, createLambdaContext())).verdict).toBe("401");
  });

  it("rotates: a new key for the same tenant, the old one revoked", async () => {
    const handler = await freshBundle("api-key", { ...dynamo.env, KEY_CACHE_TTL_SECONDS: "0" });
    const old = (await keys("create", "--principal", "tenant-c", "--scopes", "orders:read")).stdout.trim();
    const rotated = await keys("rotate", keyIdOf(old));
    const fresh = rotated.stdout.trim();
    expect(rotated.code).toBe(0);
    expect(keyIdOf(fresh)).not.toBe(keyIdOf(old));
    const call = async (apiKey: string) => (await invokeHandler(handler, await loadEvent("api-key/rest-token.json", { token: apiKey }), createLambdaContext())).verdict;
    expect(await call(fresh)).toBe("Allow");
    expect(await call(old)).toBe("401");
  });

  it("creates an HMAC client, printing HMAC_KEY_ID and HMAC_SECRET lines", async () => {
    const created = await keys("create", "--type", "hmac", "--principal", "partner-b");
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^HMAC_KEY_ID=[0-9a-f]{24}\nHMAC_SECRET=[A-Za-z0-9_-]{43}\n$/);
  });

  it("lists keys without any secret or hash", async () => {
    const listed = await keys("list");
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^keyId\s+type\s+principalId\s+status/);
    expect(listed.stdout).toContain("tenant-a");
    expect(listed.stdout).not.toMatch(/[0-9a-f]{64}/);
    expect(listed.stdout).not.toMatch(/[A-Za-z0-9_-]{43}/);
  });

  it.each([
    [["create"], /--principal/],
    [["revoke", "not a key id"], /key id/],
    [["bogus"], /unknown command/],
    [["create", "--principal", "x", "--type", "other"], /--type/],
  ])("refuses %j with a usage message and exit code 2", async (args, message) => {
    const result = await keys(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
