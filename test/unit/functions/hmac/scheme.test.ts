import { execFileSync } from "node:child_process";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseHmacConfig } from "../../../../functions/hmac/config.ts";
import {
  canonicalPath, canonicalQuery, canonicalRequest, EMPTY_BODY_SHA256, formatAuthDate, parseAuthDate, parseAuthorization,
} from "../../../../functions/hmac/scheme.ts";
import { signRequest } from "../../../../functions/hmac/sign.ts";
import { createHmacVerifier, extractHmacCredential, signablePaths } from "../../../../functions/hmac/verify.ts";
import { toAuthRequest } from "../../../../shared/events/normalise.ts";
import { REPO_ROOT } from "../../../../scripts/lib/invoke-bundle.ts";
import { startTestDynamo, type TestDynamo } from "../../../helpers/dynamodb.ts";
import { listEvents, loadEvent } from "../../../helpers/events.ts";

/** The example client the recorded events in events/hmac/ are signed with (events/README.md). */
const EXAMPLE = { keyId: "0a1b2c3d4e5f60718293a4b5", secret: "hmac-example-secret-for-recorded-events-only" };
const SIGNATURE = "0".repeat(64);

describe("parseAuthorization", () => {
  it("reads the key id, signed headers and signature, in any parameter order", () => {
    const header = `HMAC-SHA256 Signature=${SIGNATURE},SignedHeaders=host;x-auth-date,  Credential=0a1b2c3d4e5f60718293a4b5`;
    expect(parseAuthorization(header)).toEqual({ keyId: "0a1b2c3d4e5f60718293a4b5", signedHeaders: ["host", "x-auth-date"], signature: SIGNATURE });
  });

  it.each([
    ["another algorithm", `HMAC-SHA1 Credential=0a1b2c3d4e5f60718293a4b5, SignedHeaders=host, Signature=${SIGNATURE}`],
    ["a lower-case algorithm", `hmac-sha256 Credential=0a1b2c3d4e5f60718293a4b5, SignedHeaders=host, Signature=${SIGNATURE}`],
    ["a repeated parameter", `HMAC-SHA256 Credential=0a1b2c3d4e5f60718293a4b5, Credential=x, SignedHeaders=host, Signature=${SIGNATURE}`],
    ["a missing signature", "HMAC-SHA256 Credential=0a1b2c3d4e5f60718293a4b5, SignedHeaders=host"],
    ["an upper-case hex signature", `HMAC-SHA256 Credential=0a1b2c3d4e5f60718293a4b5, SignedHeaders=host, Signature=${"A".repeat(64)}`],
    ["unsorted headers", `HMAC-SHA256 Credential=0a1b2c3d4e5f60718293a4b5, SignedHeaders=x-auth-date;host, Signature=${SIGNATURE}`],
    ["a repeated header", `HMAC-SHA256 Credential=0a1b2c3d4e5f60718293a4b5, SignedHeaders=host;host, Signature=${SIGNATURE}`],
    ["an upper-case header", `HMAC-SHA256 Credential=0a1b2c3d4e5f60718293a4b5, SignedHeaders=Host, Signature=${SIGNATURE}`],
    ["authorization itself signed", `HMAC-SHA256 Credential=0a1b2c3d4e5f60718293a4b5, SignedHeaders=authorization;host, Signature=${SIGNATURE}`],
    ["a key id with _", `HMAC-SHA256 Credential=0a1b2c3d_4e5f607182, SignedHeaders=host, Signature=${SIGNATURE}`],
  ])("refuses %s", (_name, header) => {
    expect(parseAuthorization(header)).toBeUndefined();
  });
});

describe("x-auth-date", () => {
  it("formats and parses YYYYMMDDTHHMMSSZ in UTC", () => {
    const date = new Date("2025-06-17T14:03:27.912Z");
    expect(formatAuthDate(date)).toBe("20250617T140327Z");
    expect(parseAuthDate("20250617T140327Z")).toBe(Date.UTC(2025, 5, 17, 14, 3, 27));
  });

  it.each(["20251301T000000Z", "20250617T240000Z", "20250231T000000Z", "2025-06-17T14:03:27Z", "20250617T140327", "1750169007"])("refuses %s", (value) => {
    expect(parseAuthDate(value)).toBeUndefined();
  });
});

describe("canonical forms", () => {
  it.each([
    ["", "/"],
    ["/", "/"],
    ["/orders/123", "/orders/123"],
    ["/a b/ü", "/a%20b/%C3%BC"],
    ["/a%20b/%C3%BC", "/a%20b/%C3%BC"],
    ["/a%2fb", "/a%2Fb"],
    ["/it's(1)*!", "/it%27s%281%29%2A%21"],
    ["/bad%zz", "/bad%25zz"],
  ])("path %j is %j", (path, expected) => {
    expect(canonicalPath(path)).toBe(expected);
  });

  it("sorts the query by encoded name and encodes names and values (RFC 3986)", () => {
    expect(canonicalQuery([["z", "1"], ["a b", "x+y z"], ["A", "~._-"], ["é", ""]])).toBe("%C3%A9=&A=~._-&a%20b=x%2By%20z&z=1");
    expect(canonicalQuery([])).toBe("");
  });

  it("writes one line per part, header lines then an empty line", () => {
    const canonical = canonicalRequest({
      method: "get", path: "/prod/orders/123", query: [["include", "items"]],
      headers: { host: "api.example.com", "x-auth-date": "20250617T140327Z", "x-content-sha256": EMPTY_BODY_SHA256, "x-note": "  a   b  " },
      signedHeaders: ["host", "x-auth-date", "x-content-sha256", "x-note"],
    });
    expect(canonical).toBe([
      "GET", "/prod/orders/123", "include=items",
      "host:api.example.com", "x-auth-date:20250617T140327Z", `x-content-sha256:${EMPTY_BODY_SHA256}`, "x-note:a b", "",
      "host;x-auth-date;x-content-sha256;x-note", EMPTY_BODY_SHA256,
    ].join("\n"));
  });
});

describe("signRequest", () => {
  const base = { method: "POST", url: "https://api.example.com/v1/orders?b=2&a=1", ...EXAMPLE, date: new Date("2025-06-17T14:03:27Z"), nonce: "abcdefghijklmnop" };

  it("signs host, date, nonce, body hash and extra headers, and returns all but host", () => {
    const { headers, canonicalRequest: canonical } = signRequest({ ...base, body: "{}", headers: { "Content-Type": "application/json" } });
    expect(Object.keys(headers).sort()).toEqual(["authorization", "content-type", "x-auth-date", "x-auth-nonce", "x-content-sha256"]);
    expect(headers.authorization).toMatch(/^HMAC-SHA256 Credential=0a1b2c3d4e5f60718293a4b5, SignedHeaders=content-type;host;x-auth-date;x-auth-nonce;x-content-sha256, Signature=[0-9a-f]{64}$/);
    expect(canonical.split("\n").slice(0, 4)).toEqual(["POST", "/v1/orders", "a=1&b=2", "content-type:application/json"]);
  });

  it("leaves a custom domain's base path out of the signed path", () => {
    expect(signRequest({ ...base, basePath: "/v1/" }).canonicalRequest.split("\n")[1]).toBe("/orders");
  });

  it.each([
    ["a raw + in the query", { url: "https://api.example.com/x?q=a+b" }, /raw \+/],
    ["a repeated query name", { url: "https://api.example.com/x?a=1&a=2" }, /appears twice/],
    ["a path outside basePath", { basePath: "/v2" }, /not under basePath/],
    ["a short nonce", { nonce: "short" }, /nonce/],
    ["an authorization header", { headers: { Authorization: "x" } }, /authorization/],
  ])("refuses %s", (_name, change, message) => {
    expect(() => signRequest({ ...base, ...change })).toThrow(message);
  });

  it("gives the same headers as scripts/sign-request.sh (openssl)", () => {
    // Prepare
    const body = '{"sku":"A-1","quantity":2}';
    const env = { ...process.env, HMAC_KEY_ID: EXAMPLE.keyId, HMAC_SECRET: EXAMPLE.secret, HMAC_DATE: "20250617T140327Z", HMAC_NONCE: "0123456789abcdef0123456789abcdef" };
    // Act
    const shell = execFileSync("bash", [`${REPO_ROOT}scripts/sign-request.sh`, "POST", "abcdef123.execute-api.us-east-1.amazonaws.com", "/prod/orders", "dry_run=true"], { env, input: body, encoding: "utf8" });
    const node = signRequest({
      method: "POST", url: "https://abcdef123.execute-api.us-east-1.amazonaws.com/prod/orders?dry_run=true", ...EXAMPLE, body,
      date: new Date("2025-06-17T14:03:27Z"), nonce: "0123456789abcdef0123456789abcdef",
    });
    // Assess
    expect(shell.trim().split("\n")).toEqual(Object.entries(node.headers).map(([name, value]) => `${name}: ${value}`));
  });
});

describe("signablePaths", () => {
  it("offers the path with and without the stage on a named stage, and only the path on $default", async () => {
    const named = toAuthRequest(await loadEvent("hmac/rest-request.json"));
    const defaultStage = toAuthRequest(await loadEvent("hmac/http-v2.json"));
    const websocket = toAuthRequest(await loadEvent("hmac/websocket-connect.json"));
    expect(signablePaths(named)).toEqual(["/orders/123", "/prod/orders/123"]);
    expect(signablePaths(defaultStage)).toEqual(["/orders"]);
    expect(signablePaths(websocket)).toEqual(["/", "/prod", "/prod/"]);
  });
});

describe("recorded events in events/hmac/", () => {
  let dynamo: TestDynamo;

  beforeAll(async () => {
    dynamo = await startTestDynamo();
    await dynamo.doc.send(new PutCommand({
      TableName: dynamo.env.API_KEYS_TABLE,
      Item: { keyId: EXAMPLE.keyId, type: "hmac", principalId: "example-client", scopes: [], status: "active", secret: EXAMPLE.secret },
    }));
  });

  afterAll(async () => {
    await dynamo.close();
  });

  it.each(listEvents("hmac"))("%s verifies at its recorded time", async (file) => {
    // Prepare: the clock at the event's x-auth-date
    const event = await loadEvent<{ headers: Record<string, string> }>(file);
    const req = toAuthRequest(event);
    const sentAt = parseAuthDate(req.headers["x-auth-date"] ?? "") ?? 0;
    const verifier = createHmacVerifier(parseHmacConfig(dynamo.env), { client: dynamo.doc, now: () => sentAt + 1_000 });
    // Act
    const principal = await verifier.verify(extractHmacCredential(req), req);
    // Assess
    expect(principal.principalId).toBe("example-client");
  });
});
