/**
 * Route rules, several issuers and the authorizer cache, on the built bundles, with the README's example
 * files (examples/*): the rules files the README shows are the ones loaded here.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invokeHandler, type AuthorizerHandler } from "../../scripts/lib/invoke-bundle.ts";
import { captureLogs, decisionLines, freshBundle, type LogCapture } from "../helpers/bundle.ts";
import { createLambdaContext } from "../helpers/context.ts";
import { loadEvent } from "../helpers/events.ts";
import { startJwksServer, type JwksServer } from "../helpers/jwks-server.ts";
import { createKeyPair, nowSeconds, signJwt, toJwks, type TestKeyPair } from "../helpers/keys.ts";
import { ORDERS_API, startOpenIdProvider, type OpenIdProvider } from "../helpers/oidc-provider.ts";
import { evaluateAnswer, replayCached } from "../helpers/policy.ts";

const EXAMPLES = new URL("../../examples/", import.meta.url);
const example = (path: string): string => new URL(path, EXAMPLES).pathname;
const context = () => createLambdaContext({ timeoutMs: 10_000 });

/** Recorded events of the kinds whose answers API Gateway caches as policies, with the route each calls. */
const CACHED_KINDS = [
  "rest-token/valid.json",
  "rest-request/valid.json",
  "rest-request/proxy-resource.json",
  "http-v1/valid.json",
  "websocket-connect/valid.json",
] as const;

let op: OpenIdProvider;
let logs: LogCapture;

beforeAll(async () => {
  op = await startOpenIdProvider();
  logs = captureLogs();
});

afterAll(async () => {
  logs.stop();
  await op.close();
});

async function events(token: string): Promise<{ file: string; event: Record<string, unknown>; arn: string }[]> {
  return Promise.all(CACHED_KINDS.map(async (file) => {
    const event = await loadEvent<Record<string, unknown>>(file, { token });
    return { file, event, arn: event.methodArn as string };
  }));
}

/** For each first call, replay its answer on every later route; it must equal a fresh call there and the expectation. */
async function expectCacheSafe(handler: AuthorizerHandler, token: string, expected: Record<string, "Allow" | "Deny">): Promise<void> {
  const calls = await events(token);
  const fresh = new Map<string, unknown>();
  for (const { file, event } of calls) fresh.set(file, (await invokeHandler(handler, event, context())).answer);
  for (const first of calls) {
    const cached = fresh.get(first.file);
    for (const later of calls) {
      const freshEffect = evaluateAnswer(fresh.get(later.file), later.arn);
      expect(freshEffect, `fresh ${later.file}`).toBe(expected[later.file]);
      expect(replayCached(cached, later.arn), `cached from ${first.file}, then ${later.file}`).toBe(freshEffect);
    }
  }
}

describe("Auth0-style per-route scopes (examples/auth0-per-route-scopes/rules.json) on the OIDC bundle", () => {
  let handler: AuthorizerHandler;
  beforeAll(async () => {
    handler = await freshBundle("oidc", { ISSUER: op.issuer, AUDIENCE: ORDERS_API, ROUTE_RULES_FILE: example("auth0-per-route-scopes/rules.json") });
  });

  it.each([
    ["orders:read", { "rest-token/valid.json": "Allow", "rest-request/valid.json": "Allow", "rest-request/proxy-resource.json": "Deny", "http-v1/valid.json": "Allow", "websocket-connect/valid.json": "Allow" }],
    ["orders:write", { "rest-token/valid.json": "Deny", "rest-request/valid.json": "Deny", "rest-request/proxy-resource.json": "Deny", "http-v1/valid.json": "Deny", "websocket-connect/valid.json": "Deny" }],
  ] as const)("answers a caller with %s the same from a cached policy as from a fresh call, on REST, HTTP 1.0 and WebSocket", async (scope, expected) => {
    const token = await op.clientCredentialsToken({ scope, resource: ORDERS_API });
    await expectCacheSafe(handler, token, expected);
  });

  it("logs the unmet requirement of the route called", async () => {
    const token = await op.clientCredentialsToken({ scope: "orders:read", resource: ORDERS_API });
    const before = decisionLines(logs.text()).length;
    await invokeHandler(handler, await loadEvent("rest-request/proxy-resource.json", { token }), context());
    expect(decisionLines(logs.text())[before]).toMatchObject({ decision: "deny", reason: "insufficient_scope", route: "DELETE /admin/{proxy+}" });
  });

  it("denies a route no rule covers with no_matching_route", async () => {
    const token = await op.clientCredentialsToken({ scope: "orders:read orders:write", resource: ORDERS_API });
    const event = await loadEvent<Record<string, unknown>>("rest-token/valid.json", { token });
    event.methodArn = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/PATCH/customers/9";
    const before = decisionLines(logs.text()).length;
    const result = await invokeHandler(handler, event, context());
    expect(evaluateAnswer(result.answer, event.methodArn as string)).toBe("Deny");
    expect(decisionLines(logs.text())[before]?.reason).toBe("no_matching_route");
  });

  it("keeps GET /orders/{id} from reaching GET /orders/{id}/items for a caller who only has the parent route", async () => {
    const withItems = await freshBundle("oidc", {
      ISSUER: op.issuer, AUDIENCE: ORDERS_API,
      ROUTE_RULES: JSON.stringify({ rules: [{ route: "GET /orders/{id}", scopes: ["orders:read"] }, { route: "GET /orders/{id}/items", scopes: ["orders:write"] }] }),
    });
    const token = await op.clientCredentialsToken({ scope: "orders:read", resource: ORDERS_API });
    const answer = (await invokeHandler(withItems, await loadEvent("rest-token/valid.json", { token }), context())).answer;
    expect(replayCached(answer, "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/orders/123")).toBe("Allow");
    expect(replayCached(answer, "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/orders/123/items")).toBe("Deny");
  });
});

describe("Cognito groups for admin routes (examples/cognito-admin-groups/rules.json) on the Cognito bundle", () => {
  const pool = "us-east-1_Demo1234";
  const clientId = "7abcdefghijklmnopqrstuvwx1";
  let key: TestKeyPair;
  let jwks: JwksServer;
  let handler: AuthorizerHandler;
  const token = (groups: string[]) => signJwt({
    sub: "u-1", iss: `https://cognito-idp.us-east-1.amazonaws.com/${pool}`, client_id: clientId, token_use: "access",
    scope: "orders/read", "cognito:groups": groups, iat: nowSeconds(), exp: nowSeconds() + 300,
  }, { key });

  beforeAll(async () => {
    key = await createKeyPair("RS256");
    jwks = await startJwksServer({ ...toJwks(key), discovery: false });
    handler = await freshBundle("cognito", { USER_POOL_ID: pool, CLIENT_ID: clientId, JWKS_URI: jwks.url, ROUTE_RULES_FILE: example("cognito-admin-groups/rules.json") });
  });
  afterAll(async () => jwks.close());

  it.each([
    ["admins", ["admins"], { "rest-token/valid.json": "Allow", "rest-request/valid.json": "Allow", "rest-request/proxy-resource.json": "Allow", "http-v1/valid.json": "Allow", "websocket-connect/valid.json": "Allow" }],
    ["staff", ["staff"], { "rest-token/valid.json": "Allow", "rest-request/valid.json": "Allow", "rest-request/proxy-resource.json": "Deny", "http-v1/valid.json": "Allow", "websocket-connect/valid.json": "Allow" }],
    ["no group", [], { "rest-token/valid.json": "Allow", "rest-request/valid.json": "Allow", "rest-request/proxy-resource.json": "Deny", "http-v1/valid.json": "Allow", "websocket-connect/valid.json": "Deny" }],
  ] as const)("answers %s the same from a cached policy as from a fresh call", async (_name, groups, expected) => {
    await expectCacheSafe(handler, await token([...groups]), expected);
  });
});

describe("Auth0 and Cognito side by side (examples/auth0-and-cognito) on the several-issuer bundle", () => {
  let staffKey: TestKeyPair;
  let staffJwks: JwksServer;
  let handler: AuthorizerHandler;
  const staffIssuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Demo1234";
  const staffToken = (groups: string[]) => signJwt({
    sub: "staff-1", iss: staffIssuer, client_id: "7abcdefghijklmnopqrstuvwx1", token_use: "access", scope: "aws.cognito.signin.user.admin",
    "cognito:groups": groups, iat: nowSeconds(), exp: nowSeconds() + 300,
  }, { key: staffKey });

  beforeAll(async () => {
    staffKey = await createKeyPair("RS256");
    staffJwks = await startJwksServer({ ...toJwks(staffKey), discovery: false });
    // The README's file, with the Auth0 tenant and the pool's keys pointed at loopback servers.
    const providers = JSON.parse(readFileSync(example("auth0-and-cognito/providers.json"), "utf8")) as { providers: Record<string, unknown>[] };
    const [customers, staff] = providers.providers;
    Object.assign(customers!, { issuer: op.issuer, audience: [ORDERS_API] });
    Object.assign(staff!, { jwksUri: staffJwks.url });
    handler = await freshBundle("multi-issuer", { PROVIDERS: JSON.stringify(providers), ROUTE_RULES_FILE: example("auth0-and-cognito/rules.json") });
  });
  afterAll(async () => staffJwks.close());

  it("allows a customer token from the OpenID provider on the routes its scopes open", async () => {
    const token = await op.clientCredentialsToken({ scope: "orders:read", resource: ORDERS_API });
    const calls = await events(token);
    const restToken = calls[0]!;
    const before = decisionLines(logs.text()).length;
    const answer = (await invokeHandler(handler, restToken.event, context())).answer;
    expect(evaluateAnswer(answer, restToken.arn)).toBe("Allow");
    expect(replayCached(answer, calls[2]!.arn)).toBe("Deny");
    expect(decisionLines(logs.text())[before]).toMatchObject({ provider: "customers", decision: "allow" });
  });

  it("applies the staff pool's own rules to staff tokens: admins reach admin routes", async () => {
    const calls = await events(await staffToken(["admins"]));
    const answer = (await invokeHandler(handler, calls[2]!.event, context())).answer;
    expect(evaluateAnswer(answer, calls[2]!.arn)).toBe("Allow");
    const notAdmin = (await invokeHandler(handler, (await events(await staffToken([])))[2]!.event, context())).answer;
    expect(evaluateAnswer(notAdmin, calls[2]!.arn)).toBe("Deny");
  });

  it("refuses a token from an issuer not in the list with 401 untrusted_issuer, without any network call", async () => {
    const stranger = await createKeyPair("RS256");
    const fetchesBefore = staffJwks.fetchCount;
    const token = await signJwt({ sub: "x", iss: "https://evil.example.com/", aud: ORDERS_API, exp: nowSeconds() + 60 }, { key: stranger });
    const before = decisionLines(logs.text()).length;
    const result = await invokeHandler(handler, await loadEvent("rest-token/valid.json", { token }), context());
    expect(result.verdict).toBe("401");
    expect(decisionLines(logs.text())[before]?.reason).toBe("untrusted_issuer");
    expect(staffJwks.fetchCount).toBe(fetchesBefore);
  });
});

describe("Where the credential comes from, and what the backend receives", () => {
  it("reads a WebSocket token from Sec-WebSocket-Protocol (subprotocol:bearer.), which browsers can set", async () => {
    const handler = await freshBundle("oidc", { ISSUER: op.issuer, AUDIENCE: ORDERS_API, TOKEN_SOURCES: "subprotocol:bearer." });
    const token = await op.clientCredentialsToken({ scope: "orders:read", resource: ORDERS_API });
    const event = await loadEvent<{ headers: Record<string, string>; multiValueHeaders: Record<string, string[]> }>("websocket-connect/valid.json", { token: "unused" });
    event.headers["Sec-WebSocket-Protocol"] = `chat.v1, bearer.${token}`;
    const result = await invokeHandler(handler, event, context());
    expect(result.verdict).toBe("Allow");
  });

  it("takes principalId from PRINCIPAL_CLAIM and renames claims with CONTEXT_CLAIMS", async () => {
    const handler = await freshBundle("oidc", { ISSUER: op.issuer, AUDIENCE: ORDERS_API, PRINCIPAL_CLAIM: "client_id", CONTEXT_CLAIMS: "clientId=client_id,scope" });
    const token = await op.clientCredentialsToken({ scope: "orders:read", resource: ORDERS_API });
    const answer = (await invokeHandler(handler, await loadEvent("rest-token/valid.json", { token }), context())).answer as { principalId: string; context: Record<string, unknown> };
    expect(answer.principalId).toBe(op.clientId);
    expect(answer.context).toEqual({ clientId: op.clientId, scope: "orders:read" });
  });

  it("keeps nested claims for HTTP API 2.0 simple responses and flattens them for REST", async () => {
    const key = await createKeyPair("RS256");
    const jwks = await startJwksServer(toJwks(key));
    try {
      const handler = await freshBundle("oidc", { ISSUER: jwks.issuer, AUDIENCE: "a" });
      const token = await signJwt({ iss: jwks.issuer, aud: "a", sub: "s", exp: nowSeconds() + 60, org: { id: "o-1", roles: ["x"] } }, { key });
      const simple = (await invokeHandler(handler, await loadEvent("http-v2/valid.json", { token }), context())).answer as { context: Record<string, unknown> };
      const policy = (await invokeHandler(handler, await loadEvent("rest-token/valid.json", { token }), context())).answer as { context: Record<string, unknown> };
      expect(simple.context.org).toEqual({ id: "o-1", roles: ["x"] });
      expect(policy.context.org).toBe('{"id":"o-1","roles":["x"]}');
    } finally {
      await jwks.close();
    }
  });
});

describe("Size limits", () => {
  it("fails closed with policy_too_large when a Resource ARN would pass 512 characters", async () => {
    const long = `GET /${"a".repeat(500)}`;
    const handler = await freshBundle("oidc", { ISSUER: op.issuer, AUDIENCE: ORDERS_API, ROUTE_RULES: JSON.stringify({ rules: [{ route: long }] }) });
    const token = await op.clientCredentialsToken({ scope: "orders:read", resource: ORDERS_API });
    const before = decisionLines(logs.text()).length;
    const result = await invokeHandler(handler, await loadEvent("rest-token/valid.json", { token }), context());
    expect(result.verdict).toBe("Deny");
    expect(decisionLines(logs.text())[before]?.reason).toBe("policy_too_large");
  });

  it("fails closed with policy_too_large when a WebSocket result would pass 8 KB", async () => {
    const rules = Array.from({ length: 150 }, (_, index) => ({ route: `GET /resource-number-${index}/{id}/sub-resource-with-a-long-name` }));
    const handler = await freshBundle("oidc", { ISSUER: op.issuer, AUDIENCE: ORDERS_API, ROUTE_RULES: JSON.stringify({ rules: [...rules, { route: "$connect" }] }) });
    const token = await op.clientCredentialsToken({ scope: "orders:read", resource: ORDERS_API });
    const before = decisionLines(logs.text()).length;
    const result = await invokeHandler(handler, await loadEvent("websocket-connect/valid.json", { token }), context());
    expect(result.verdict).toBe("Deny");
    expect(decisionLines(logs.text())[before]?.reason).toBe("policy_too_large");
    // The same rules on REST (no 8 KB limit there) still answer with the planned policy.
    const rest = await invokeHandler(handler, await loadEvent("rest-token/valid.json", { token }), context());
    expect(decisionLines(logs.text()).at(-1)?.reason).toBe("no_matching_route");
    expect(replayCached(rest.answer, "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/resource-number-7/1/sub-resource-with-a-long-name")).toBe("Allow");
  });

  it("fails the cold start naming the bad rule", async () => {
    await expect(freshBundle("oidc", { ISSUER: op.issuer, AUDIENCE: ORDERS_API, ROUTE_RULES: '{"rules":[{"route":"GET /ok"},{"route":"FETCH /x"}]}' }))
      .rejects.toThrow(/ROUTE_RULES has an invalid rule at rules\.1\.route: "FETCH \/x" has an unknown method FETCH/);
  });
});

describe("README examples", () => {
  it.each([
    ["auth0-per-route-scopes", "OrdersAuthorizer", { ROUTE_RULES: "rules.json" }],
    ["cognito-admin-groups", "AdminAuthorizer", { ROUTE_RULES: "rules.json" }],
    ["auth0-and-cognito", "ApiAuthorizer", { PROVIDERS: "providers.json", ROUTE_RULES: "rules.json" }],
  ])("%s: the template snippet carries exactly the JSON files the tests load", (folder, resource, variables) => {
    const snippet = parse(`Resources:\n${readFileSync(example(`${folder}/template-snippet.yaml`), "utf8")}`) as {
      Resources: Record<string, { Properties: { Environment: { Variables: Record<string, string> } } }>;
    };
    const env = snippet.Resources[resource]!.Properties.Environment.Variables;
    for (const [variable, file] of Object.entries(variables)) {
      expect(JSON.parse(env[variable]!), `${folder} ${variable}`).toEqual(JSON.parse(readFileSync(example(`${folder}/${file}`), "utf8")));
    }
  });
});
