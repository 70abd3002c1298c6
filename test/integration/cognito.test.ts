/**
 * The built Cognito bundle (`dist/cognito/index.mjs`) on recorded events, with keys served from a
 * loopback JWKS through `JWKS_URI` while the issuer check stays on the pool's real issuer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invokeHandler, type AuthorizerHandler } from "../../scripts/lib/invoke-bundle.ts";
import { captureLogs, decisionLines, freshBundle, type LogCapture } from "../helpers/bundle.ts";
import { createLambdaContext } from "../helpers/context.ts";
import { loadEvent } from "../helpers/events.ts";
import { startJwksServer, type JwksServer } from "../helpers/jwks-server.ts";
import { createKeyPair, nowSeconds, signJwt, toJwks, type TestKeyPair } from "../helpers/keys.ts";

const POOL = "us-east-1_Demo1234";
const OTHER_POOL = "us-east-1_Other999";
const ISSUER = `https://cognito-idp.us-east-1.amazonaws.com/${POOL}`;
const CLIENT_ID = "7abcdefghijklmnopqrstuvwx1";
const context = () => createLambdaContext({ timeoutMs: 10_000 });

let server: JwksServer;
let key: TestKeyPair;
let handler: AuthorizerHandler;
let logs: LogCapture;
const issuedTokens: string[] = [];

function accessClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = nowSeconds();
  return {
    sub: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", iss: ISSUER, client_id: CLIENT_ID, token_use: "access",
    scope: "orders/read", "cognito:groups": ["admins", "staff"], auth_time: now, iat: now, exp: now + 300,
    jti: "11111111-2222-3333-4444-555555555555", username: "jdoe", ...overrides,
  };
}

function idClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = nowSeconds();
  return { sub: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", iss: ISSUER, aud: CLIENT_ID, token_use: "id", auth_time: now, iat: now, exp: now + 300, email: "jdoe@example.com", ...overrides };
}

async function call(claims: Record<string, unknown>, target: AuthorizerHandler = handler, file = "rest-token/valid.json") {
  const credential = await signJwt(claims, { key });
  issuedTokens.push(credential);
  const before = decisionLines(logs.text()).length;
  const result = await invokeHandler(target, await loadEvent(file, { token: credential }), context());
  return { ...result, reason: decisionLines(logs.text())[before]?.reason };
}

beforeAll(async () => {
  key = await createKeyPair("RS256");
  server = await startJwksServer({ ...toJwks(key), discovery: false });
  logs = captureLogs();
  handler = await freshBundle("cognito", { USER_POOL_ID: POOL, CLIENT_ID, JWKS_URI: server.url });
});

afterAll(async () => {
  logs.stop();
  await server.close();
});

describe("Cognito authorizer", () => {
  it.each(["rest-token/valid.json", "rest-request/valid.json", "http-v1/valid.json", "http-v2/valid.json", "websocket-connect/valid.json"])(
    "allows a valid access token on %s, fetching keys from JWKS_URI",
    async (file) => {
      const result = await call(accessClaims(), handler, file);
      expect(result.verdict).toBe("Allow");
      expect(server.fetchCount).toBeGreaterThanOrEqual(1);
    },
  );

  it("refuses an ID token where access tokens are expected with 401 wrong_token_use", async () => {
    const result = await call(idClaims());
    expect(result.verdict).toBe("401");
    expect(result.reason).toBe("wrong_token_use");
  });

  it("refuses an access token where ID tokens are expected with 401 wrong_token_use", async () => {
    const idHandler = await freshBundle("cognito", { USER_POOL_ID: POOL, CLIENT_ID, JWKS_URI: server.url, TOKEN_USE: "id" });
    expect((await call(idClaims(), idHandler)).verdict).toBe("Allow");
    const result = await call(accessClaims(), idHandler);
    expect(result.verdict).toBe("401");
    expect(result.reason).toBe("wrong_token_use");
  });

  it("refuses a token of another pool with 401 untrusted_issuer", async () => {
    const result = await call(accessClaims({ iss: `https://cognito-idp.us-east-1.amazonaws.com/${OTHER_POOL}` }));
    expect(result.verdict).toBe("401");
    expect(result.reason).toBe("untrusted_issuer");
  });

  it("refuses a token of another app client with 401 wrong_audience", async () => {
    const result = await call(accessClaims({ client_id: "someotherclient" }));
    expect(result.verdict).toBe("401");
    expect(result.reason).toBe("wrong_audience");
  });

  it("refuses an expired token with 401 expired", async () => {
    const result = await call(accessClaims({ exp: nowSeconds() - 5 }));
    expect(result.verdict).toBe("401");
    expect(result.reason).toBe("expired");
  });

  it("refuses a token without exp with 401 missing_claim, though aws-jwt-verify alone would accept it", async () => {
    const result = await call(accessClaims({ exp: undefined }));
    expect(result.verdict).toBe("401");
    expect(result.reason).toBe("missing_claim");
  });

  it("accepts tokens of either pool when several are configured", async () => {
    const both = await freshBundle("cognito", { USER_POOL_ID: `${POOL},${OTHER_POOL}`, CLIENT_ID, JWKS_URI: `${server.url},${server.url}` });
    expect((await call(accessClaims(), both)).verdict).toBe("Allow");
    expect((await call(accessClaims({ iss: `https://cognito-idp.us-east-1.amazonaws.com/${OTHER_POOL}` }), both)).verdict).toBe("Allow");
  });

  it("denies with 403 when a required group is missing, and allows when all are held", async () => {
    const grouped = await freshBundle("cognito", { USER_POOL_ID: POOL, CLIENT_ID, JWKS_URI: server.url, REQUIRED_GROUPS: "admins" });
    const denied = await call(accessClaims({ "cognito:groups": ["staff"] }), grouped);
    expect(denied.verdict).toBe("Deny");
    expect(denied.reason).toBe("missing_group");
    expect((await call(accessClaims(), grouped)).verdict).toBe("Allow");
  });

  it("denies with 403 when a required scope is missing (M2M client-credentials token)", async () => {
    const scoped = await freshBundle("cognito", { USER_POOL_ID: POOL, CLIENT_ID, JWKS_URI: server.url, REQUIRED_SCOPES: "orders/write" });
    const m2m = accessClaims({ sub: CLIENT_ID, scope: "orders/read", "cognito:groups": undefined, username: undefined });
    const denied = await call(m2m, scoped);
    expect(denied.verdict).toBe("Deny");
    expect(denied.reason).toBe("insufficient_scope");
    expect((await call({ ...m2m, scope: "orders/read orders/write" }, scoped)).verdict).toBe("Allow");
  });

  it("answers HTTP API 2.0 with a simple response carrying nested claims", async () => {
    const result = await call(accessClaims(), handler, "http-v2/valid.json");
    expect(result.answer).toMatchObject({ isAuthorized: true, context: { "cognito:groups": ["admins", "staff"], client_id: CLIENT_ID } });
  });

  it("fails the cold start naming the variable when USER_POOL_ID is missing", async () => {
    await expect(freshBundle("cognito", { CLIENT_ID })).rejects.toThrow(/USER_POOL_ID is missing/);
  });

  it("never logs a token", () => {
    const text = logs.text();
    expect(issuedTokens.length).toBeGreaterThan(10);
    for (const issued of issuedTokens) expect(text).not.toContain(issued.split(".")[2]);
  });
});
