/**
 * Safe logs: every function, at the most verbose level Powertools has (`TRACE`) with event logging on
 * (`POWERTOOLS_LOGGER_LOG_EVENT=true`), runs every recorded event of `events/` (all folders), each
 * carrying real credentials: a valid JWT (or Cognito token, API key, opaque token) where `{{token}}` is,
 * a real HMAC signature on the HMAC events, the recorded client certificate on the mTLS events, a session
 * cookie and a query token on every event. All output is captured, and none of those secrets, nor any
 * part that would let someone replay or rebuild them, may appear in it: tokens and their payload and
 * signature segments, API keys and their secret part, HMAC signatures, secrets and nonces, cookie values,
 * certificate PEMs and each of their base64 body lines, the introspection client secret.
 *
 * Each function is configured to accept its own credential, so the allow path (principal, context,
 * decision line) is logged too, not only the refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey } from "../../functions/api-key/key.ts";
import type { AuthorizerHandler } from "../../scripts/lib/invoke-bundle.ts";
import { captureLogs, decisionLines, freshBundle, type LogCapture } from "../helpers/bundle.ts";
import { createLambdaContext } from "../helpers/context.ts";
import { dynamoJson, dynamoOperation, startFaultServer, type FaultServer } from "../helpers/fault-server.ts";
import { signEvent } from "../helpers/hmac.ts";
import { startJwksServer, type JwksServer } from "../helpers/jwks-server.ts";
import { createKeyPair, nowSeconds, signJwt, toJwks, type TestKeyPair } from "../helpers/keys.ts";
import { fillToken, RECORDED_EVENT_TEXTS } from "../fuzz/support.ts";

type Json = Record<string, unknown>;
type FunctionName = Parameters<typeof freshBundle>[0];

const AUDIENCE = "https://api.example.com/orders";
const POOL = "us-east-1_Logs1234";
const COGNITO_ISSUER = `https://cognito-idp.us-east-1.amazonaws.com/${POOL}`;
const CLIENT_ID = "logsclient0123456789abcdef";
const CA_DN = "CN=Example Corp Client CA,OU=Platform Security,O=Example Corp,C=US";
const INTROSPECTION_SECRET = "introspection-client-secret-never-logged-0123456789";
const COOKIE_SECRET = "session-cookie-value-never-logged-0123456789abcdef";
const QUERY_SECRET = "query-token-value-never-logged-0123456789abcdef";

let key: TestKeyPair;
let jwks: JwksServer;
let store: FaultServer;
let introspection: FaultServer;
let logs: LogCapture;
/** Per function: its credential for `{{token}}` events, and the secrets it handed out. */
let jwt: string;
let cognitoJwt: string;
let opaque: string;
const apiKey = generateApiKey("ak");
const hmac = { keyId: "5f4e3d2c1b0a998877665544", secret: "hmac-secret-never-logged-0123456789abcdefghijklmn" };

beforeAll(async () => {
  key = await createKeyPair("RS256");
  jwks = await startJwksServer({ ...toJwks(key), discovery: false });
  const exp = nowSeconds() + 600;
  jwt = await signJwt({ iss: jwks.issuer, aud: AUDIENCE, sub: "client-42", scope: "orders:read", exp }, { key });
  cognitoJwt = await signJwt({ iss: COGNITO_ISSUER, sub: "user-1", client_id: CLIENT_ID, token_use: "access", scope: "orders/read", exp }, { key });
  opaque = `opaque-${crypto.randomUUID()}-never-logged`;
  const items: Record<string, Json> = {
    [apiKey.keyId]: { keyId: { S: apiKey.keyId }, type: { S: "api-key" }, principalId: { S: "tenant-a" }, scopes: { L: [{ S: "orders:read" }] }, status: { S: "active" }, secretHash: { S: apiKey.secretHash } },
    [hmac.keyId]: { keyId: { S: hmac.keyId }, type: { S: "hmac" }, principalId: { S: "partner-b" }, scopes: { L: [{ S: "orders:read" }] }, status: { S: "active" }, secret: { S: hmac.secret } },
  };
  store = await startFaultServer((request) => {
    if (dynamoOperation(request) !== "GetItem") return dynamoJson({});
    const wanted = (JSON.parse(request.body) as { Key?: { keyId?: { S?: string } } }).Key?.keyId?.S ?? "";
    return dynamoJson(items[wanted] === undefined ? {} : { Item: items[wanted] });
  });
  introspection = await startFaultServer((request) => ({
    kind: "json",
    body: request.body.includes(encodeURIComponent(opaque)) ? { active: true, sub: "client-7", scope: "orders:read", token_type: "Bearer", exp } : { active: false },
  }));
  logs = captureLogs();
}, 30_000);

afterAll(async () => {
  logs.stop();
  await Promise.all([jwks?.close(), store?.close(), introspection?.close()]);
});

/** Every recorded event, as a function would receive it with real credentials in it. */
function eventsFor(credential: string): { file: string; event: Json }[] {
  return [...RECORDED_EVENT_TEXTS].map(([file, text]) => {
    const event = fillToken(JSON.parse(text), credential) as Json;
    // A session cookie and a query token on every event (HTTP API 2.0 keeps cookies in `cookies`).
    const headers = (event.headers ?? {}) as Json;
    if (Array.isArray(event.cookies)) event.cookies = [...(event.cookies as unknown[]), `session=${COOKIE_SECRET}`];
    else headers.Cookie = `theme=dark; session=${COOKIE_SECRET}`;
    event.headers = headers;
    event.queryStringParameters = { ...(event.queryStringParameters as Json | undefined), token: QUERY_SECRET };
    if (typeof event.rawQueryString === "string") event.rawQueryString = `${event.rawQueryString}&token=${QUERY_SECRET}`;
    // HMAC events are signed last, over the query as it now is.
    return { file, event: file.startsWith("hmac/") ? signEvent(event, hmac) : event };
  });
}

/** Everything in `events` (and handed out here) that must never be logged. */
function secretsOf(events: readonly Json[]): string[] {
  const secrets = new Set<string>([
    jwt, cognitoJwt, opaque, apiKey.apiKey, apiKey.secret, hmac.secret, INTROSPECTION_SECRET, COOKIE_SECRET, QUERY_SECRET,
  ]);
  for (const token of [jwt, cognitoJwt]) {
    const [, payload = "", signature = ""] = token.split(".");
    secrets.add(payload);
    secrets.add(signature);
  }
  const text = JSON.stringify(events);
  for (const match of text.matchAll(/Signature=([0-9a-f]{64})/g)) secrets.add(match[1] ?? "");
  for (const match of text.matchAll(/"x-auth-nonce":"([^"]+)"/gi)) secrets.add(match[1] ?? "");
  for (const match of text.matchAll(/-----BEGIN CERTIFICATE-----(?:\\n|\s)+([\s\S]*?)-----END CERTIFICATE-----/g)) {
    const body = match[1] ?? "";
    secrets.add(match[0].replaceAll("\\n", "\n"));
    // Each base64 line of the PEM (real PEMs are cut at 64 characters), and a long stretch of it.
    for (const line of body.split(/\\n|\s+/)) if (line.length >= 16) secrets.add(line);
  }
  secrets.delete("");
  return [...secrets];
}

/** The functions, each configured to accept its own credential, and which credential goes where `{{token}}` is. */
function configs(): Record<FunctionName, { env: Record<string, string>; credential: string }> {
  const dynamo = { DYNAMODB_ENDPOINT: store.origin, API_KEYS_TABLE: "keys", NONCES_TABLE: "nonces", AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local" };
  const oidc = { ISSUER: jwks.issuer, AUDIENCE, JWKS_URI: jwks.url };
  const intro = { INTROSPECTION_ENDPOINT: `${introspection.origin}/introspect`, INTROSPECTION_CLIENT_ID: "authorizer", INTROSPECTION_CLIENT_SECRET: INTROSPECTION_SECRET };
  const mtls = { ALLOWED_ISSUERS: CA_DN, TRUSTED_CA_FILE: `${process.cwd()}/events/certs/example-client-ca.pem` };
  return {
    oidc: { env: { ...oidc, TOKEN_SOURCES: "header:Authorization,query:token,cookie:session" }, credential: jwt },
    cognito: { env: { USER_POOL_ID: POOL, CLIENT_ID, JWKS_URI: jwks.url }, credential: cognitoJwt },
    "multi-issuer": {
      env: { PROVIDERS: JSON.stringify({ providers: [{ name: "idp", type: "oidc", issuer: jwks.issuer, audience: [AUDIENCE], jwksUri: jwks.url }, { name: "pool", type: "cognito", userPoolId: POOL, clientId: [CLIENT_ID], jwksUri: jwks.url }] }) },
      credential: jwt,
    },
    "api-key": { env: { ...dynamo, TOKEN_SOURCES: "header:x-api-key,header:Authorization,query:token" }, credential: apiKey.apiKey },
    hmac: { env: dynamo, credential: jwt },
    mtls: { env: mtls, credential: jwt },
    introspection: { env: { ...intro, TOKEN_SOURCES: "header:Authorization,query:token" }, credential: opaque },
    combined: {
      env: { ...oidc, ...dynamo, ...intro, ...mtls, REQUIREMENT: JSON.stringify({ anyOf: ["jwt", "apiKey", "hmac", "mtls", "introspection"] }), API_KEY_TOKEN_SOURCES: "header:x-api-key", INTROSPECTION_TOKEN_SOURCES: "header:x-opaque-token" },
      credential: jwt,
    },
  };
}

describe.each(["oidc", "cognito", "multi-issuer", "api-key", "hmac", "mtls", "introspection", "combined"] as const)("the %s function at TRACE with event logging", (name) => {
  let handler: AuthorizerHandler;
  let credential: string;

  beforeAll(async () => {
    const config = configs()[name];
    credential = config.credential;
    handler = await freshBundle(name, { ...config.env, POWERTOOLS_LOG_LEVEL: "TRACE", POWERTOOLS_LOGGER_LOG_EVENT: "true" });
  });

  it("logs no token, signature, API key, HMAC secret or signature, nonce, cookie, certificate PEM or client secret for any recorded event", async () => {
    const events = eventsFor(credential);
    const start = logs.text().length;
    let allowed = 0;
    for (const { event } of events) {
      try {
        await handler(event, createLambdaContext({ timeoutMs: 10_000 }));
        allowed += 1;
      } catch (error) {
        expect((error as Error).message).toBe("Unauthorized");
      }
    }
    const text = logs.text().slice(start);
    // Event logging was on, and the function got past the credential at least once (an Allow or a Deny).
    expect(text).toContain('"authorizer event"');
    expect(decisionLines(text)).toHaveLength(events.length);
    expect(decisionLines(text).some((line) => line.decision !== "unauthenticated")).toBe(true);
    expect(allowed).toBeGreaterThan(0);
    const secrets = secretsOf(events.map(({ event }) => event));
    // The secrets are really in what the function received: PEM lines, HMAC signatures and nonces, the credential.
    const received = JSON.stringify(events);
    expect(secrets.filter((secret) => received.includes(secret)).length).toBeGreaterThan(20);
    expect(received.includes(credential)).toBe(true);
    const leaked = secrets.filter((secret) => text.includes(secret));
    expect(leaked.map((secret) => `${secret.slice(0, 12)}… (${secret.length} chars)`)).toEqual([]);
  });
});
