/** One EMF metric per decision (Powertools Metrics), from the built OIDC bundle. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invokeHandler, type AuthorizerHandler } from "../../scripts/lib/invoke-bundle.ts";
import { captureLogs, freshBundle, type LogCapture } from "../helpers/bundle.ts";
import { createLambdaContext } from "../helpers/context.ts";
import { loadEvent } from "../helpers/events.ts";
import { startJwksServer, type JwksServer } from "../helpers/jwks-server.ts";
import { createKeyPair, nowSeconds, signJwt, toJwks, type TestKeyPair } from "../helpers/keys.ts";

interface Emf {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [field: string]: unknown;
}

let key: TestKeyPair;
let jwks: JwksServer;
let handler: AuthorizerHandler;
let logs: LogCapture;

beforeAll(async () => {
  key = await createKeyPair("RS256");
  jwks = await startJwksServer(toJwks(key));
  logs = captureLogs();
  handler = await freshBundle("oidc", { ISSUER: jwks.issuer, AUDIENCE: "api", REQUIRED_SCOPES: "orders:read", AWS_LAMBDA_FUNCTION_NAME: "orders-authorizer" });
});
afterAll(async () => {
  logs.stop();
  await jwks.close();
});

function metricLines(text: string): Emf[] {
  return text.split("\n").filter((line) => line.includes('"CloudWatchMetrics"')).map((line) => JSON.parse(line) as Emf);
}

describe("decision metrics", () => {
  it.each([
    ["allow", "ok", { scope: "orders:read" }],
    ["deny", "insufficient_scope", { scope: "orders:write" }],
    ["unauthenticated", "expired", { scope: "orders:read", exp: nowSeconds() - 5 }],
  ] as const)("emits one AuthorizerDecision count with outcome %s and reason %s", async (outcome, reason, claims) => {
    const before = metricLines(logs.text()).length;
    const token = await signJwt({ iss: jwks.issuer, aud: "api", sub: "s", exp: nowSeconds() + 60, ...claims }, { key });
    await invokeHandler(handler, await loadEvent("rest-token/valid.json", { token }), createLambdaContext({ timeoutMs: 10_000 }));
    const emitted = metricLines(logs.text()).slice(before);
    expect(emitted).toHaveLength(1);
    const [line] = emitted as [Emf];
    const definition = line._aws.CloudWatchMetrics[0]!;
    expect(definition.Namespace).toBe("LambdaAuthorizers");
    expect(definition.Metrics).toEqual([{ Name: "AuthorizerDecision", Unit: "Count" }]);
    expect(definition.Dimensions[0]).toEqual(expect.arrayContaining(["function", "outcome", "service"]));
    expect(line).toMatchObject({ function: "orders-authorizer", outcome, reason, AuthorizerDecision: 1 });
  });
});
