/**
 * The built bundles under fuzzing, each configured against loopback servers started once per file (a
 * JWKS endpoint, and instant fakes of DynamoDB and an introspection endpoint), the events thrown at
 * them, and the check every answer must pass.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { base64url } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toAuthRequest } from "../../shared/events/normalise.ts";
import type { AuthorizerHandler } from "../../scripts/lib/invoke-bundle.ts";
import { freshBundle } from "../helpers/bundle.ts";
import { createLambdaContext } from "../helpers/context.ts";
import { dynamoJson, startFaultServer } from "../helpers/fault-server.ts";
import { startJwksServer } from "../helpers/jwks-server.ts";
import { createKeyPair, nowSeconds, signJwt, toJwks } from "../helpers/keys.ts";
import { evaluateAnswer } from "../helpers/policy.ts";
import { allowsAnything, answerProblem, fillToken, fuzzParams, fuzzTimeout, recordedEvents, withMutations } from "./support.ts";

/** The bundles that can be fuzzed without slow servers. */
export type BundleName = "oidc" | "cognito" | "multi-issuer" | "api-key" | "hmac" | "mtls" | "introspection" | "combined";

const AUDIENCE = "https://api.example.com/orders";
const POOL = "us-east-1_Fuzz1234";
const CLIENT_ID = "fuzzclient0123456789abcdef";
const RULES = JSON.stringify({ rules: [{ route: "GET /orders/{id}", scopes: ["orders:read"] }, { route: "ANY /admin/{proxy+}", groups: ["admins"] }, { route: "$connect" }] });

/** Silence stdout and stderr (the bundles' log lines are checked elsewhere) without keeping anything; returns the undo. */
export function discardLogs(): () => void {
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = () => true;
  process.stderr.write = () => true;
  return () => {
    process.stdout.write = out;
    process.stderr.write = err;
  };
}

/** Loaded bundles, the credentials that must not pass, and the servers behind them. */
export interface FuzzBundles {
  readonly handlers: ReadonlyMap<BundleName, AuthorizerHandler>;
  /** Credentials that look right but are valid for no bundle here (attacker-signed, expired, wrong audience, alg none, unknown keys). */
  readonly invalidCredentials: readonly string[];
  /** A JWT the oidc bundle accepts: for the self-check that {@link checkCall} notices an Allow. */
  readonly validJwt: string;
  close(): Promise<void>;
}

/** Start the servers and load `names` (logs discarded while loading). */
export async function startFuzzBundles(names: readonly BundleName[]): Promise<FuzzBundles> {
  const [real, attacker] = await Promise.all([createKeyPair("RS256"), createKeyPair("RS256")]);
  const jwks = await startJwksServer({ ...toJwks(real), maxLifetimeMs: 900_000 });
  const dynamo = await startFaultServer(dynamoJson({}), 900_000); // no item for any key; every write accepted
  const introspection = await startFaultServer({ kind: "json", body: { active: false } }, 900_000);
  const now = nowSeconds();
  const good = { iss: jwks.issuer, aud: AUDIENCE, sub: "client-42", scope: "orders:read", token_use: "access", client_id: CLIENT_ID, exp: now + 3_600 };
  const header = (fields: Record<string, unknown>) => base64url.encode(JSON.stringify(fields));
  const invalidCredentials = [
    await signJwt(good, { key: attacker, kid: real.kid }),
    await signJwt(good, { key: attacker }),
    await signJwt({ ...good, exp: now - 3_600 }, { key: real }),
    await signJwt({ ...good, aud: "https://other.example.com", client_id: "other" }, { key: real }),
    await signJwt({ ...good, iss: `${jwks.issuer}/` }, { key: real }),
    `${header({ alg: "none", kid: real.kid })}.${header(good)}.`,
    `${header({ alg: "HS256", kid: real.kid })}.${header(good)}.${base64url.encode(randomBytes(32))}`,
    `ak_${randomBytes(12).toString("hex")}_${randomBytes(32).toString("base64url")}`,
    `HMAC-SHA256 Credential=${randomBytes(12).toString("hex")}, SignedHeaders=host;x-auth-date;x-auth-nonce;x-content-sha256, Signature=${randomBytes(32).toString("hex")}`,
    randomBytes(24).toString("base64url"),
  ];
  const common = { POWERTOOLS_LOG_LEVEL: "DEBUG", POWERTOOLS_LOGGER_LOG_EVENT: "true" };
  const store = { DYNAMODB_ENDPOINT: dynamo.origin, API_KEYS_TABLE: "fuzz-keys", NONCES_TABLE: "fuzz-nonces", AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local", DYNAMODB_TIMEOUT_MS: "500" };
  const introspect = { INTROSPECTION_ENDPOINT: `${introspection.origin}/introspect`, INTROSPECTION_CLIENT_ID: "fuzz", INTROSPECTION_CLIENT_SECRET: "fuzz-secret-value", INTROSPECTION_TIMEOUT_MS: "500" };
  const oidc = { ISSUER: jwks.issuer, AUDIENCE, JWKS_URI: jwks.url, ALGORITHMS: "RS256,ES256" };
  const mtls = { ALLOWED_SUBJECTS: "CN=nobody.example.com,O=Nobody", ALLOWED_MATCH: "any" };
  const sources = "header:Authorization,query:token,cookie:session,subprotocol:bearer.";
  const configs: Record<BundleName, Record<string, string>> = {
    oidc: { ...common, ...oidc, TOKEN_SOURCES: sources },
    cognito: { ...common, USER_POOL_ID: POOL, CLIENT_ID, JWKS_URI: jwks.url, HTTP_API_RESPONSE: "iam", HTTP_API_UNAUTHENTICATED: "deny" },
    "multi-issuer": {
      ...common,
      PROVIDERS: JSON.stringify({ providers: [
        { name: "idp", type: "oidc", issuer: jwks.issuer, audience: [AUDIENCE], jwksUri: jwks.url },
        { name: "pool", type: "cognito", userPoolId: POOL, clientId: [CLIENT_ID], jwksUri: jwks.url },
      ] }),
      ROUTE_RULES: RULES,
    },
    "api-key": { ...common, ...store, TOKEN_SOURCES: "header:x-api-key,header:Authorization,query:token", HTTP_API_UNAUTHENTICATED: "deny", KEY_CACHE_TTL_SECONDS: "0" },
    hmac: { ...common, ...store, ROUTE_RULES: RULES },
    mtls: { ...common, ...mtls },
    introspection: { ...common, ...introspect, TOKEN_SOURCES: sources, INTROSPECTION_CACHE_TTL_SECONDS: "0", INTROSPECTION_NEGATIVE_CACHE_TTL_SECONDS: "0" },
    combined: {
      ...common, ...oidc, ...store, ...introspect, ...mtls,
      REQUIREMENT: JSON.stringify({ anyOf: ["jwt", "apiKey", "hmac", "mtls", "introspection"] }),
      JWT_TOKEN_SOURCES: "header:Authorization", API_KEY_TOKEN_SOURCES: "header:x-api-key", INTROSPECTION_TOKEN_SOURCES: "query:token",
      HTTP_API_RESPONSE: "iam",
    },
  };
  const handlers = new Map<BundleName, AuthorizerHandler>();
  const restore = discardLogs();
  try {
    for (const name of names) handlers.set(name, await freshBundle(name, configs[name]));
  } finally {
    restore();
  }
  return {
    handlers,
    invalidCredentials,
    validJwt: await signJwt(good, { key: real }),
    close: async () => {
      await Promise.all([jwks.close(), dynamo.close(), introspection.close()]);
    },
  };
}

/** The recorded events with `{{token}}` left in, to be filled per case. */
const TEMPLATES = recordedEvents("{{token}}");

/** Random bytes of JSON in base64url: JWT-shaped garbage. */
const jwtShaped = fc.tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 }), fc.uint8Array({ maxLength: 64 }))
  .map(([head, body, signature]) => `${base64url.encode(JSON.stringify(head))}.${base64url.encode(JSON.stringify(body))}.${base64url.encode(signature)}`);

/**
 * Any event: a recorded one (every folder of `events/`) carrying one of `credentials` or garbage, then
 * mutated; or a recorded one nested far deeper than any real event; or any JSON value at all.
 */
export function anyEvent(credentials: readonly string[]): fc.Arbitrary<unknown> {
  const credential = fc.oneof(fc.constantFrom(...credentials), jwtShaped, fc.string({ maxLength: 64 }), fc.constantFrom("Bearer", "", " ", "a.b.c", "a..c"));
  const filled = fc.tuple(fc.constantFrom(...TEMPLATES), credential).map(([template, value]) => fillToken(template, value) as Record<string, unknown>);
  // Nesting far deeper than any real event (a recursive reader would overflow the stack: a 500).
  const deep = fc.tuple(filled, fc.integer({ min: 1_000, max: 20_000 })).map(([event, depth]) => {
    let nested: unknown = "x";
    for (let level = 0; level < depth; level += 1) nested = { a: [nested] };
    return { ...event, requestContext: { ...(event.requestContext as object | undefined), extra: nested } };
  });
  return fc.oneof(
    { weight: 16, arbitrary: withMutations(filled, 4) },
    { weight: 2, arbitrary: filled },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: deep },
  );
}

/**
 * Call `handler` on `event` (which carries no valid credential) and check the outcome: a rejection is
 * exactly `Error("Unauthorized")`; an answer is one API Gateway accepts for the event's kind, holds no
 * Allow at all, and evaluates to Deny on the event's own ARN.
 */
export async function checkCall(handler: AuthorizerHandler, event: unknown): Promise<void> {
  let answer: unknown;
  try {
    answer = await handler(event, createLambdaContext({ timeoutMs: 10_000 }));
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    expect(Object.getPrototypeOf(error)).toBe(Error.prototype);
    expect((error as Error).message).toBe("Unauthorized");
    return;
  }
  // It answered, so the normaliser read the event: judge the answer by the kind it found.
  expect(answerProblem(answer, toAuthRequest(event).kind)).toBeUndefined();
  expect(allowsAnything(answer)).toBe(false);
  const record = event as Record<string, unknown>;
  const arn = record.version === "2.0" ? record.routeArn : record.methodArn;
  if (typeof arn === "string") expect(evaluateAnswer(answer, arn)).toBe("Deny");
}

/**
 * The property for each of `names`, in the calling test file: the bundle on any event resolves to an
 * answer API Gateway accepts for the event's kind or rejects with exactly `Error("Unauthorized")`, and,
 * since no generated event carries a valid credential, allows nothing. Test files split the bundles
 * between them so vitest runs them in parallel.
 */
export function describeBundlesOnAnyEvent(names: readonly BundleName[]): void {
  let bundles: FuzzBundles | undefined;
  let restore: (() => void) | undefined;

  beforeAll(async () => {
    bundles = await startFuzzBundles(names);
    restore = discardLogs();
  }, 60_000);

  afterAll(async () => {
    restore?.();
    await bundles?.close();
  });

  describe.each(names)("the %s bundle on any event", (name) => {
    it("answers in the event's format or rejects with exactly Unauthorized, and allows nothing without a valid credential", async () => {
      const handler = bundles?.handlers.get(name);
      if (bundles === undefined || handler === undefined) throw new Error(`${name} did not load`);
      await fc.assert(fc.asyncProperty(anyEvent(bundles.invalidCredentials), (event) => checkCall(handler, event)), fuzzParams(300));
    }, fuzzTimeout(30_000));
  });
}
