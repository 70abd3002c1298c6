/**
 * The scheme-combining bundle (`dist/combined`): a JWT or an API key; a client certificate and a JWT
 * bound to it (RFC 8705); a route that requires a scheme. Real servers only: a loopback JWKS, dynalite,
 * certificates made with openssl.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invokeHandler, type AuthorizerHandler } from "../../scripts/lib/invoke-bundle.ts";
import { certificateThumbprint } from "../../functions/mtls/certificate.ts";
import { captureLogs, decisionLines, freshBundle, type LogCapture } from "../helpers/bundle.ts";
import { createLambdaContext } from "../helpers/context.ts";
import { putApiKey, startTestDynamo, type TestDynamo } from "../helpers/dynamodb.ts";
import { loadEvent } from "../helpers/events.ts";
import { startJwksServer, type JwksServer } from "../helpers/jwks-server.ts";
import { createKeyPair, nowSeconds, signJwt, toJwks, type TestKeyPair } from "../helpers/keys.ts";
import { createTestPki, type TestPki } from "../helpers/pki.ts";
import { evaluateAnswer } from "../helpers/policy.ts";

const context = () => createLambdaContext({ timeoutMs: 10_000 });
let key: TestKeyPair;
let jwks: JwksServer;
let dynamo: TestDynamo;
let pki: TestPki;
let logs: LogCapture;
const secrets: string[] = [];

beforeAll(async () => {
  [key, jwks, dynamo, pki] = await Promise.all([createKeyPair("RS256"), createKeyPair("RS256").then((k) => startJwksServer(toJwks(k))), startTestDynamo(), createTestPki()]);
  jwks.setKeys(toJwks(key));
  logs = captureLogs();
});

afterAll(async () => {
  logs.stop();
  await Promise.all([jwks.close(), dynamo.close(), pki.cleanup()]);
});

const jwt = async (claims: Record<string, unknown> = {}) => {
  const token = await signJwt({ iss: jwks.issuer, aud: "api", sub: "user-1", scope: "orders:read", exp: nowSeconds() + 120, ...claims }, { key });
  secrets.push(token);
  return token;
};

/** REST REQUEST event with the given Authorization, x-api-key and client certificate. */
async function event(options: { token?: string; apiKey?: string; pem?: string; file?: string }) {
  const e = await loadEvent<{ headers: Record<string, string>; multiValueHeaders: Record<string, string[]>; methodArn: string; requestContext: { identity: Record<string, unknown> } }>(options.file ?? "rest-request/valid.json", { token: options.token ?? "unused" });
  delete e.multiValueHeaders.Authorization;
  if (options.token === undefined) delete e.headers.Authorization;
  if (options.apiKey !== undefined) e.headers["x-api-key"] = options.apiKey;
  if (options.pem !== undefined) e.requestContext.identity.clientCert = { clientCertPem: options.pem, subjectDN: "CN=x", issuerDN: "CN=y", serialNumber: "01", validity: {} };
  return e;
}

async function call(handler: AuthorizerHandler, e: Awaited<ReturnType<typeof event>>) {
  const before = decisionLines(logs.text()).length;
  const result = await invokeHandler(handler, e, context());
  return { effect: result.verdict === "401" ? "401" : evaluateAnswer(result.answer, e.methodArn), line: decisionLines(logs.text())[before] };
}

describe("anyOf(jwt, apiKey)", () => {
  let handler: AuthorizerHandler;
  beforeAll(async () => {
    handler = await freshBundle("combined", { ...dynamo.env, REQUIREMENT: '{"anyOf":["jwt","apiKey"]}', ISSUER: jwks.issuer, AUDIENCE: "api", KEY_CACHE_TTL_SECONDS: "0" });
  });

  it("allows a valid JWT alone, and an API key alone", async () => {
    expect((await call(handler, await event({ token: await jwt() }))).effect).toBe("Allow");
    const { apiKey } = await putApiKey(dynamo);
    secrets.push(apiKey);
    const viaKey = await call(handler, await event({ apiKey }));
    expect(viaKey.effect).toBe("Allow");
    expect(viaKey.line?.principalId).toBe("tenant-a");
  });

  it("answers 401 missing_token with neither credential", async () => {
    expect(await call(handler, await event({}))).toMatchObject({ effect: "401", line: { reason: "missing_token" } });
  });

  it("reports the most specific failure: a bad JWT beats a missing API key", async () => {
    const [header, payload] = (await jwt()).split(".");
    const tampered = `${header}.${payload}.${"A".repeat(342)}`;
    expect(await call(handler, await event({ token: tampered }))).toMatchObject({ effect: "401", line: { reason: "bad_signature" } });
  });

  it("lets the JWT decide when both are present, even if the API key is revoked", async () => {
    const { apiKey } = await putApiKey(dynamo, { status: "revoked" });
    secrets.push(apiKey);
    expect((await call(handler, await event({ token: await jwt(), apiKey }))).effect).toBe("Allow");
  });
});

describe("allOf(mtls, jwt) with certificate-bound tokens (RFC 8705)", () => {
  let handler: AuthorizerHandler;
  beforeAll(async () => {
    handler = await freshBundle("combined", {
      REQUIREMENT: '{"allOf":["mtls","jwt"],"certificateBound":true}', ISSUER: jwks.issuer, AUDIENCE: "api",
      TRUSTED_CA_PEM: pki.caPem, ALLOWED_ISSUERS: pki.valid.x509.issuer.split("\n").join(","),
    });
  });

  it("allows a token bound to the presented certificate", async () => {
    const token = await jwt({ cnf: { "x5t#S256": certificateThumbprint(pki.valid.pem) } });
    expect((await call(handler, await event({ token, pem: pki.valid.pem }))).effect).toBe("Allow");
  });

  it("refuses a token bound to another certificate with 401 certificate_binding_mismatch", async () => {
    const token = await jwt({ cnf: { "x5t#S256": certificateThumbprint(pki.revoked.pem) } });
    expect(await call(handler, await event({ token, pem: pki.valid.pem }))).toMatchObject({ effect: "401", line: { reason: "certificate_binding_mismatch" } });
  });

  it("refuses an unbound token, and a bound token without the certificate", async () => {
    expect(await call(handler, await event({ token: await jwt(), pem: pki.valid.pem }))).toMatchObject({ effect: "401", line: { reason: "certificate_binding_mismatch" } });
    const bound = await jwt({ cnf: { "x5t#S256": certificateThumbprint(pki.valid.pem) } });
    expect(await call(handler, await event({ token: bound }))).toMatchObject({ effect: "401", line: { reason: "missing_certificate" } });
  });

  it("refuses a certificate from another CA even with a matching binding", async () => {
    const token = await jwt({ cnf: { "x5t#S256": certificateThumbprint(pki.fromOtherCa.pem) } });
    const result = await call(handler, await event({ token, pem: pki.fromOtherCa.pem }));
    expect(result.effect).toBe("401");
    expect(result.line?.reason).toBe("untrusted_ca");
  });
});

describe("a route rule that requires a scheme", () => {
  it("opens admin routes only to callers who also presented a client certificate", async () => {
    const handler = await freshBundle("combined", {
      REQUIREMENT: '{"anyOf":["jwt","mtls"]}', ISSUER: jwks.issuer, AUDIENCE: "api", TRUSTED_CA_PEM: pki.caPem, ALLOWED_ISSUERS: pki.valid.x509.issuer.split("\n").join(","),
      ROUTE_RULES: JSON.stringify({ rules: [{ route: "GET /orders/{id}" }, { route: "ANY /admin/{proxy+}", schemes: ["mtls"] }] }),
    });
    const admin = "rest-request/proxy-resource.json";
    const jwtOnly = await event({ token: await jwt(), file: admin });
    expect(await call(handler, jwtOnly)).toMatchObject({ effect: "Deny", line: { reason: "missing_scheme" } });
    const both = await event({ token: await jwt(), pem: pki.valid.pem, file: admin });
    expect((await call(handler, both)).effect).toBe("Allow");
  });
});

describe("combined logs", () => {
  it("never log a token, an API key or a certificate PEM", () => {
    const text = logs.text();
    expect(secrets.length).toBeGreaterThan(5);
    for (const secret of secrets) expect(text).not.toContain(secret.split(".").at(-1) ?? secret);
    expect(text).not.toContain("BEGIN CERTIFICATE");
  });
});
