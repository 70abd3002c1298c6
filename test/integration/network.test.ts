/** Network conditions on the built OIDC bundle, with the source IPs the recorded events carry. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invokeHandler } from "../../scripts/lib/invoke-bundle.ts";
import { captureLogs, decisionLines, freshBundle, type LogCapture } from "../helpers/bundle.ts";
import { createLambdaContext } from "../helpers/context.ts";
import { loadEvent } from "../helpers/events.ts";
import { startJwksServer, type JwksServer } from "../helpers/jwks-server.ts";
import { createKeyPair, nowSeconds, signJwt, toJwks, type TestKeyPair } from "../helpers/keys.ts";
import { evaluateAnswer } from "../helpers/policy.ts";

let key: TestKeyPair;
let jwks: JwksServer;
let logs: LogCapture;

beforeAll(async () => {
  key = await createKeyPair("RS256");
  jwks = await startJwksServer(toJwks(key));
  logs = captureLogs();
});
afterAll(async () => {
  logs.stop();
  await jwks.close();
});

async function call(env: Record<string, string>, file: string, sourceIp?: string) {
  const handler = await freshBundle("oidc", { ISSUER: jwks.issuer, AUDIENCE: "api", ...env });
  const token = await signJwt({ iss: jwks.issuer, aud: "api", sub: "s", exp: nowSeconds() + 60 }, { key });
  const event = await loadEvent<{ requestContext: { identity?: { sourceIp?: string }; http?: { sourceIp?: string } }; methodArn?: string; routeArn?: string }>(file, { token });
  if (sourceIp !== undefined) {
    if (event.requestContext.identity !== undefined) event.requestContext.identity.sourceIp = sourceIp;
    if (event.requestContext.http !== undefined) event.requestContext.http.sourceIp = sourceIp;
  }
  const before = decisionLines(logs.text()).length;
  const result = await invokeHandler(handler, event, createLambdaContext({ timeoutMs: 10_000 }));
  return { effect: evaluateAnswer(result.answer, event.methodArn ?? event.routeArn ?? ""), reason: decisionLines(logs.text())[before]?.reason };
}

describe("network conditions through the bundle", () => {
  it.each([
    ["rest-request/valid.json", "203.0.113.25", "Allow", "ok"],
    ["rest-request/valid.json", "198.51.100.1", "Deny", "network_denied"],
    ["http-v2/valid.json", "2001:db8::25", "Allow", "ok"],
    ["http-v2/valid.json", "2001:db9::25", "Deny", "network_denied"],
    ["websocket-connect/valid.json", "203.0.113.99", "Allow", "ok"],
  ])("%s from %s: %s (%s)", async (file, ip, effect, reason) => {
    const result = await call({ ALLOWED_SOURCE_IPS: "203.0.113.0/24,2001:db8::/32" }, file, ip);
    expect(result).toEqual({ effect, reason });
  });

  it("denies a REST TOKEN event, which carries no source IP, when an IP condition is set", async () => {
    expect(await call({ ALLOWED_SOURCE_IPS: "0.0.0.0/0" }, "rest-token/valid.json")).toEqual({ effect: "Deny", reason: "network_denied" });
  });

  it("denies a listed range even with a valid token", async () => {
    expect(await call({ DENIED_SOURCE_IPS: "203.0.113.0/24" }, "rest-request/valid.json", "203.0.113.25")).toEqual({ effect: "Deny", reason: "network_denied" });
  });
});
