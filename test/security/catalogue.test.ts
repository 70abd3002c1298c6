/**
 * The attack catalogue (issue #7, item 1), run against the BUILT bundles of every token scheme: each known
 * attack on a JWT authorizer, each asserting the exact outcome (the verdict API Gateway would see, and the
 * reason code of the decision log line).
 *
 * The README's Security section shows the table this run produces: the last test checks it is there
 * verbatim; `npm run security:catalogue` (UPDATE_CATALOGUE=1) rewrites it from the run instead.
 */
import { createServer } from "node:http";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generate } from "selfsigned";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invokeHandler, REPO_ROOT, type AuthorizerHandler } from "../../scripts/lib/invoke-bundle.ts";
import { captureLogs, decisionLines, freshBundle, type LogCapture } from "../helpers/bundle.ts";
import { createLambdaContext } from "../helpers/context.ts";
import { loadEvent } from "../helpers/events.ts";
import { startJwksServer } from "../helpers/jwks-server.ts";
import { createKeyPair, nowSeconds } from "../helpers/keys.ts";
import { listenOnLoopback, type LoopbackListener } from "../helpers/loopback.ts";
import { ATTACKS, type Attacker, type Delivery, type Expected, type IssuerKeys, type Target, type TargetKind } from "./attacks.ts";
import { privatePem, publicPem, weakRsaKey } from "./forge.ts";
import { catalogueTable, sectionOf, withSection, type Observed } from "./table.ts";

const AUDIENCE = "https://api.example.com/orders";
const POOL = "us-east-1_Demo1234";
const COGNITO_ISSUER = `https://cognito-idp.us-east-1.amazonaws.com/${POOL}`;
const CLIENT_ID = "7abcdefghijklmnopqrstuvwx1";
const README = join(REPO_ROOT, "README.md");
const context = () => createLambdaContext({ timeoutMs: 10_000 });

/** The targets, in table order: what each is, known before the servers start (tests are collected first). */
const TARGET_SPECS = [
  { name: "oidc", family: "oidc" },
  { name: "cognito", family: "cognito", tokenUse: "access" },
  { name: "multi-issuer (oidc)", family: "oidc" },
  { name: "multi-issuer (cognito)", family: "cognito", tokenUse: "id" },
  { name: "combined (jwt)", family: "oidc" },
] as const satisfies readonly (TargetKind & { name: string })[];
type TargetName = (typeof TARGET_SPECS)[number]["name"];

const targets = new Map<TargetName, Target & { handler: AuthorizerHandler }>();
const closers: (() => Promise<void>)[] = [];
let attacker: Attacker;
let attackerRequests = 0;
let logs: LogCapture;
/** Every credential sent, for the log check. */
const sent: string[] = [];
/** Every key's secret-ish text (private JWK members, the PEM used as an HMAC secret), for the log check. */
const keyMaterial: string[] = [];
const observed: Observed[] = [];

function withoutUndefined(claims: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
}

function oidcClaims(issuer: string) {
  return (overrides: Record<string, unknown> = {}) => {
    const now = nowSeconds();
    return withoutUndefined({ iss: issuer, aud: AUDIENCE, sub: "client-42", scope: "orders:read", iat: now, exp: now + 300, ...overrides });
  };
}

function cognitoClaims(tokenUse: "access" | "id") {
  return (overrides: Record<string, unknown> = {}) => {
    const now = nowSeconds();
    const base = tokenUse === "access"
      ? { sub: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", iss: COGNITO_ISSUER, client_id: CLIENT_ID, token_use: "access", scope: "orders/read", auth_time: now, iat: now, exp: now + 300, jti: "11111111-2222-3333-4444-555555555555", username: "jdoe" }
      : { sub: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", iss: COGNITO_ISSUER, aud: CLIENT_ID, token_use: "id", auth_time: now, iat: now, exp: now + 300, email: "jdoe@example.com" };
    return withoutUndefined({ ...base, ...overrides });
  };
}

async function issuerKeys(options: { issuerPath?: string; discovery?: boolean }): Promise<IssuerKeys> {
  const [rsa, ec] = await Promise.all([createKeyPair("RS256"), createKeyPair("ES256")]);
  const weak = weakRsaKey(`weak-1024-${rsa.kid}`);
  const server = await startJwksServer({ keys: [rsa.publicJwk, ec.publicJwk, weak.publicJwk], ...options });
  closers.push(() => server.close());
  keyMaterial.push(...[rsa, ec].flatMap((pair) => [pair.privateJwk.d ?? "", pemBody(publicPem(pair))]));
  return { rsa, ec, weak, server };
}

/** The base64 body of a PEM, on one line. */
function pemBody(pem: string): string {
  return pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
}

/** The attacker: a key of their own, a certificate for it, and a web server that counts what it gets. */
async function startAttacker(): Promise<{ attacker: Attacker; listener: LoopbackListener }> {
  const key = await createKeyPair("RS256", "attacker-key");
  const certificate = await generate([{ name: "commonName", value: "attacker.example" }], { keyPair: { privateKey: privatePem(key), publicKey: publicPem(key) } });
  const listener = await listenOnLoopback(createServer((_req, res) => {
    attackerRequests += 1;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [key.publicJwk] }));
  }), { maxLifetimeMs: 120_000 });
  keyMaterial.push(key.privateJwk.d ?? "");
  return { attacker: { key, certificateDer: pemBody(certificate.cert), origin: listener.origin }, listener };
}

beforeAll(async () => {
  const started = await startAttacker();
  attacker = started.attacker;
  closers.push(started.listener.close);
  const [oidcKeys, cognitoKeys] = await Promise.all([issuerKeys({ issuerPath: "/realms/Demo" }), issuerKeys({ discovery: false })]);
  const oidcIssuer = oidcKeys.server.issuer;
  const oidcEnv = { ISSUER: oidcIssuer, AUDIENCE, JWKS_URI: oidcKeys.server.url, ALGORITHMS: "RS256,ES256" };
  const providers = {
    providers: [
      { name: "oidc", type: "oidc", issuer: oidcIssuer, audience: [AUDIENCE], jwksUri: oidcKeys.server.url, algorithms: ["RS256", "ES256"] },
      { name: "cognito", type: "cognito", userPoolId: POOL, clientId: [CLIENT_ID], tokenUse: "id", jwksUri: cognitoKeys.server.url },
    ],
  };
  logs = captureLogs();
  // Loaded one after the other: each load resets the environment the bundle reads at its cold start.
  const oidc = await freshBundle("oidc", oidcEnv);
  const cognito = await freshBundle("cognito", { USER_POOL_ID: POOL, CLIENT_ID, JWKS_URI: cognitoKeys.server.url });
  const multi = await freshBundle("multi-issuer", { PROVIDERS: JSON.stringify(providers) });
  const combined = await freshBundle("combined", { REQUIREMENT: "jwt", ...oidcEnv });
  const oidcTarget = { family: "oidc", issuer: oidcIssuer, keys: oidcKeys, claims: oidcClaims(oidcIssuer) } as const;
  targets.set("oidc", { ...oidcTarget, name: "oidc", handler: oidc });
  targets.set("cognito", { name: "cognito", family: "cognito", tokenUse: "access", issuer: COGNITO_ISSUER, keys: cognitoKeys, claims: cognitoClaims("access"), handler: cognito });
  targets.set("multi-issuer (oidc)", { ...oidcTarget, name: "multi-issuer (oidc)", handler: multi });
  targets.set("multi-issuer (cognito)", { name: "multi-issuer (cognito)", family: "cognito", tokenUse: "id", issuer: COGNITO_ISSUER, keys: cognitoKeys, claims: cognitoClaims("id"), handler: multi });
  targets.set("combined (jwt)", { ...oidcTarget, name: "combined (jwt)", handler: combined });
});

afterAll(async () => {
  logs.stop();
  await Promise.all(closers.map((close) => close()));
});

/** The event carrying `delivery`. */
async function eventFor(delivery: Delivery): Promise<unknown> {
  if ("token" in delivery) {
    sent.push(delivery.token);
    return loadEvent("rest-token/valid.json", { token: delivery.token });
  }
  if ("authorizationToken" in delivery) {
    sent.push(delivery.authorizationToken);
    return { ...(await loadEvent("rest-token/valid.json")), authorizationToken: delivery.authorizationToken };
  }
  sent.push(delivery.authorizationHeader);
  const event = await loadEvent<{ headers: Record<string, string>; multiValueHeaders: Record<string, string[]> }>("rest-request/valid.json", { token: "placeholder" });
  event.headers.Authorization = delivery.authorizationHeader;
  event.multiValueHeaders.Authorization = [delivery.authorizationHeader];
  return event;
}

describe("attack catalogue against the built bundles", () => {
  for (const attack of ATTACKS) {
    const applicable = TARGET_SPECS.filter((spec) => attack.appliesTo === undefined || attack.appliesTo(spec));
    it.each(applicable.map((spec) => spec.name))(`${attack.name.replaceAll("%", "%%")}: %s`, async (name) => {
      // Prepare
      const target = targets.get(name);
      if (target === undefined) throw new Error(`target ${name} did not start`);
      const expected: Expected = typeof attack.expect === "function" ? attack.expect(target) : attack.expect;
      const event = await eventFor(await attack.deliver(target, attacker));
      const requestsBefore = attackerRequests;
      const linesBefore = decisionLines(logs.text()).length;
      // Act
      const result = await invokeHandler(target.handler, event, context());
      // Assess
      const lines = decisionLines(logs.text()).slice(linesBefore);
      const reason = typeof lines[0]?.reason === "string" ? lines[0].reason : undefined;
      observed.push({ attack: attack.name, target: name, verdict: result.verdict, reason: expected.verdict === "Allow" && result.verdict === "Allow" ? undefined : reason });
      expect(lines).toHaveLength(1);
      expect(`${result.verdict} ${expected.verdict === "401" ? reason : ""}`).toBe(`${expected.verdict} ${expected.verdict === "401" ? expected.reason : ""}`);
      if (expected.verdict === "Allow") expect(reason).toBe("ok");
      if (attack.attackerServerUntouched === true) expect(attackerRequests - requestsBefore).toBe(0);
    });
  }
});

describe("attack catalogue, across the run", () => {
  it("sent the attacker's server no request at all", () => {
    expect(observed.length).toBeGreaterThan(0);
    expect(attackerRequests).toBe(0);
  });

  it("never wrote a token, a signature or key material to any log line (DEBUG, event logging on)", () => {
    const text = logs.text();
    expect(text).toContain('"authorizer event"');
    expect(sent.length).toBeGreaterThan(ATTACKS.length);
    for (const credential of sent) {
      for (const token of credential.trim().split(/\s+/).filter((piece) => piece.length > 16)) {
        expect(text.includes(token), "a credential is in the logs").toBe(false);
        const signature = token.split(".")[2];
        if (signature !== undefined && signature.length > 16) expect(text.includes(signature), "a signature is in the logs").toBe(false);
      }
    }
    expect(keyMaterial.filter((material) => material.length > 16)).toHaveLength(keyMaterial.length);
    for (const material of keyMaterial) expect(text.includes(material), "key material is in the logs").toBe(false);
  });

  it("README's Security section shows exactly the table of this run (UPDATE_CATALOGUE=1 rewrites it)", async () => {
    const expectedRows = ATTACKS.reduce((count, attack) => count + TARGET_SPECS.filter((spec) => attack.appliesTo === undefined || attack.appliesTo(spec)).length, 0);
    expect(observed).toHaveLength(expectedRows);
    const table = catalogueTable(observed, TARGET_SPECS.map((spec) => spec.name));
    const readme = await readFile(README, "utf8");
    if (process.env.UPDATE_CATALOGUE === "1") {
      await writeFile(README, withSection(readme, table));
      return;
    }
    expect(sectionOf(readme), "run `npm run security:catalogue` to regenerate README's attack catalogue").toBe(`\n${table}`);
  });
});
