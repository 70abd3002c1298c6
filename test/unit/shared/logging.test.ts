import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ReasonCode } from "../../../shared/errors.ts";
import { logDecision, logger, redactEvent } from "../../../shared/logging.ts";
import { listEvents, loadEvent } from "../../helpers/events.ts";

/** A credential no recorded event contains by chance. */
const TOKEN = `eyJ${randomBytes(24).toString("base64url")}.eyJ${randomBytes(24).toString("base64url")}.${randomBytes(32).toString("base64url")}`;
const PEM_LINE = "MIICUDCCAfegAwIBAgIKOn8MkdLkuAVqHzAKBggqhkjOPQQDAjBhMQswCQYDVQQG";

afterEach(() => {
  vi.restoreAllMocks();
});

function text(value: unknown): string {
  return JSON.stringify(value);
}

describe("redactEvent", () => {
  it.each(listEvents())("removes the credential from %s and keeps safe headers", async (file) => {
    // Prepare
    const event = await loadEvent(file, { token: TOKEN });
    const headers = (event.headers ?? {}) as Record<string, string>;
    const userAgent = Object.entries(headers).find(([name]) => name.toLowerCase() === "user-agent")?.[1];

    // Act
    const redacted = text(redactEvent(event));

    // Assess
    expect(redacted).not.toContain(TOKEN);
    expect(redacted).not.toContain(PEM_LINE);
    if (userAgent !== undefined) expect(redacted).toContain(JSON.stringify(userAgent));
  });

  it("keeps the ARN, route and request metadata", async () => {
    const event = await loadEvent("http-v2/valid.json", { token: TOKEN });

    const redacted = redactEvent(event) as Record<string, unknown>;

    expect(redacted.routeArn).toBe(event.routeArn);
    expect(redacted.routeKey).toBe("GET /orders/{id}");
    expect(redacted.rawPath).toBe("/prod/orders/123");
    expect(redacted.requestContext).toEqual(event.requestContext);
    expect((redacted.headers as Record<string, string>)["user-agent"]).toBe(
      "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
    );
    expect((redacted.headers as Record<string, string>).host).toBe("abcdef123.execute-api.us-east-1.amazonaws.com");
  });

  it.each([
    ["authorizationToken", { type: "TOKEN", authorizationToken: `Bearer ${TOKEN}` }],
    ["an Authorization header in any case", { headers: { AUTHORIZATION: `Bearer ${TOKEN}` }, multiValueHeaders: { Authorization: [`Bearer ${TOKEN}`] } }],
    ["identitySource as a string", { identitySource: `Bearer ${TOKEN}` }],
    ["identitySource as an array", { identitySource: [`Bearer ${TOKEN}`, "other"] }],
    ["a query parameter", { queryStringParameters: { token: TOKEN }, multiValueQueryStringParameters: { token: [TOKEN] } }],
    ["rawQueryString", { rawQueryString: `token=${TOKEN}` }],
    ["the 2.0 cookies array", { cookies: [`session=${TOKEN}`] }],
    ["a Cookie header", { headers: { Cookie: `session=${TOKEN}` } }],
    ["a custom header", { headers: { "X-Api-Key": TOKEN, "Sec-WebSocket-Protocol": `access_token, ${TOKEN}` } }],
    ["a path parameter", { pathParameters: { token: TOKEN } }],
    ["an API key in identity", { requestContext: { identity: { apiKey: TOKEN, sourceIp: "192.0.2.1" } } }],
    ["a client certificate PEM (REST)", { requestContext: { identity: { clientCert: { clientCertPem: `-----BEGIN ${TOKEN}` } } } }],
    ["a client certificate PEM (2.0)", { requestContext: { authentication: { clientCert: { clientCertPem: `-----BEGIN ${TOKEN}` } } } }],
  ])("removes a credential in %s", (_name, event) => {
    expect(text(redactEvent(event))).not.toContain(TOKEN);
  });

  it("keeps field names and marks what it removed", () => {
    const redacted = redactEvent({
      authorizationToken: TOKEN,
      headers: { Authorization: TOKEN, Accept: "application/json" },
      queryStringParameters: { token: TOKEN },
    });

    expect(redacted).toEqual({
      authorizationToken: "[redacted]",
      headers: { Authorization: "[redacted]", Accept: "application/json" },
      queryStringParameters: { token: "[redacted]" },
    });
  });

  it("does not change the event it is given", async () => {
    const event = await loadEvent("rest-request/mtls.json", { token: TOKEN });
    const before = structuredClone(event);

    redactEvent(event);

    expect(event).toEqual(before);
  });

  it("passes through null maps and non-object events", () => {
    expect(redactEvent({ headers: null, queryStringParameters: null })).toEqual({ headers: null, queryStringParameters: null });
    expect(redactEvent(null)).toBeNull();
    expect(redactEvent("text")).toBe("text");
  });
});

describe("logDecision", () => {
  it("writes one info line with the fields given, leaving undefined ones out", () => {
    // Prepare
    const info = vi.spyOn(logger, "info").mockImplementation(() => undefined);

    // Act
    logDecision({
      eventKind: "rest-token",
      route: "GET /orders/123",
      decision: "deny",
      reason: ReasonCode.insufficientScope,
      principalId: "user-1",
      iss: undefined,
      kid: undefined,
      durationMs: 1.5,
    });

    // Assess
    expect(info).toHaveBeenCalledExactlyOnceWith("authorizer decision", {
      eventKind: "rest-token",
      route: "GET /orders/123",
      decision: "deny",
      reason: "insufficient_scope",
      principalId: "user-1",
      durationMs: 1.5,
    });
  });

  it("clips long attacker-controlled values to 128 characters", () => {
    const info = vi.spyOn(logger, "info").mockImplementation(() => undefined);

    logDecision({ eventKind: "http-v2", route: "$default", decision: "unauthenticated", reason: ReasonCode.untrustedIssuer, iss: "i".repeat(500), kid: "k".repeat(128), durationMs: 0 });

    const line = info.mock.calls[0]?.[1] as Record<string, string>;
    expect(line.iss).toBe(`${"i".repeat(128)}…`);
    expect(line.kid).toBe("k".repeat(128));
  });
});
