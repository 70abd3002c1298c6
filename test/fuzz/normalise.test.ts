/**
 * Properties of the event normaliser and of credential extraction: whatever arrives, the answer is a
 * well-formed AuthRequest / Credential or the one documented AuthenticationError, never anything else.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AuthenticationError, ReasonCode } from "../../shared/errors.ts";
import { extractCredential, MAX_CREDENTIAL_LENGTH, parseTokenSources, type TokenSource } from "../../shared/events/credentials.ts";
import { toAuthRequest } from "../../shared/events/normalise.ts";
import { EventKind, type AuthRequest } from "../../shared/events/types.ts";
import { parseExecuteApiArn } from "../../shared/policy/arn.ts";
import { extractHmacCredential } from "../../functions/hmac/verify.ts";
import { executeApiArn, fuzzParams, fuzzTimeout, hugeString, mutatedEvent, oddValue, recordedEvents } from "./support.ts";

const KINDS = new Set<string>(Object.values(EventKind));

/** What is wrong with `req` as an AuthRequest, or `undefined`. */
function requestProblem(req: AuthRequest): string | undefined {
  if (!KINDS.has(req.kind)) return `kind ${String(req.kind)}`;
  if (typeof req.resourceArn !== "string") return "resourceArn";
  if (JSON.stringify(parseExecuteApiArn(req.resourceArn)) !== JSON.stringify(req.arn)) return "arn does not match resourceArn";
  if (typeof req.method !== "string" || typeof req.path !== "string") return "method/path";
  if (req.kind === EventKind.websocketConnect ? req.method !== "" : req.method.includes("/")) return `method ${req.method}`;
  if (req.routeKey !== undefined && typeof req.routeKey !== "string") return "routeKey";
  if (req.authorizationToken !== undefined && (typeof req.authorizationToken !== "string" || req.kind !== EventKind.restToken)) return "authorizationToken";
  for (const [name, map] of [["headers", req.headers], ["query", req.query], ["cookies", req.cookies]] as const) {
    if (typeof map !== "object" || map === null) return `${name} is not a map`;
    for (const key of Object.keys(map)) {
      if (typeof map[key] !== "string") return `${name}.${key} is not a string`;
      if (name === "headers" && key !== key.toLowerCase()) return `header name ${key} is not lower case`;
    }
  }
  if (!Array.isArray(req.identitySource) || req.identitySource.some((value) => typeof value !== "string")) return "identitySource";
  if (req.sourceIp !== undefined && typeof req.sourceIp !== "string") return "sourceIp";
  if (req.vpceId !== undefined && typeof req.vpceId !== "string") return "vpceId";
  if (req.clientCert !== undefined && typeof req.clientCert.clientCertPem !== "string") return "clientCert";
  return undefined;
}

/** The normaliser on `event`: `ok` with a well-formed request, `malformed` with the documented error, else a failure. */
function normaliseOutcome(event: unknown): "ok" | "malformed" {
  let req: AuthRequest;
  try {
    req = toAuthRequest(event);
  } catch (error) {
    if (error instanceof AuthenticationError && error.reason === ReasonCode.malformedEvent) return "malformed";
    throw new Error(`toAuthRequest threw something else: ${String(error)}`, { cause: error });
  }
  const problem = requestProblem(req);
  if (problem !== undefined) throw new Error(`toAuthRequest returned a bad request: ${problem}`);
  return "ok";
}

/** Events shaped like API Gateway's, with every field drawn from anywhere: to get past the first checks. */
const eventLike = fc.record(
  {
    type: fc.oneof(fc.constantFrom("TOKEN", "REQUEST"), oddValue),
    version: fc.oneof(fc.constantFrom("1.0", "2.0"), oddValue),
    methodArn: fc.oneof(executeApiArn, oddValue),
    routeArn: fc.oneof(executeApiArn, oddValue),
    authorizationToken: fc.oneof(fc.string(), oddValue),
    identitySource: fc.oneof(fc.array(fc.string(), { maxLength: 3 }), fc.string(), oddValue),
    headers: fc.oneof(fc.dictionary(fc.string({ maxLength: 20 }), fc.oneof(fc.string(), oddValue), { maxKeys: 8 }), oddValue),
    multiValueHeaders: fc.oneof(fc.dictionary(fc.string({ maxLength: 20 }), fc.oneof(fc.array(fc.oneof(fc.string(), oddValue), { maxLength: 3 }), oddValue), { maxKeys: 8 }), oddValue),
    queryStringParameters: fc.oneof(fc.dictionary(fc.string({ maxLength: 20 }), fc.string(), { maxKeys: 4 }), oddValue),
    cookies: fc.oneof(fc.array(fc.oneof(fc.string(), oddValue), { maxLength: 4 }), oddValue),
    routeKey: fc.oneof(fc.string(), oddValue),
    requestContext: fc.oneof(
      fc.record({
        eventType: fc.oneof(fc.constant("CONNECT"), oddValue),
        identity: fc.oneof(fc.record({ sourceIp: fc.oneof(fc.ipV4(), fc.ipV6(), oddValue), clientCert: fc.oneof(fc.record({ clientCertPem: fc.oneof(fc.string(), oddValue) }), oddValue) }, { requiredKeys: [] }), oddValue),
        http: fc.oneof(fc.record({ sourceIp: fc.oneof(fc.ipV4(), oddValue), method: oddValue }, { requiredKeys: [] }), oddValue),
        authentication: fc.oneof(fc.record({ clientCert: fc.oneof(fc.record({ clientCertPem: fc.oneof(fc.string(), oddValue) }), oddValue) }), oddValue),
        routeKey: fc.oneof(fc.string(), oddValue),
      }, { requiredKeys: [] }),
      oddValue,
    ),
  },
  { requiredKeys: [] },
);

describe("the normaliser (shared/events/normalise.ts)", () => {
  it("returns a well-formed AuthRequest or throws malformed_event for any JSON value", () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      normaliseOutcome(value);
    }), fuzzParams(1_000));
  }, fuzzTimeout(20_000));

  it("returns a well-formed AuthRequest or throws malformed_event for any event-shaped value", () => {
    fc.assert(fc.property(eventLike, (event) => {
      normaliseOutcome(event);
    }), fuzzParams(1_000));
  }, fuzzTimeout(20_000));

  it("returns a well-formed AuthRequest or throws malformed_event for any mutation of any recorded event", () => {
    const events = recordedEvents("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln");
    fc.assert(fc.property(mutatedEvent(events), (event) => {
      normaliseOutcome(event);
    }), fuzzParams(1_000));
  }, fuzzTimeout(20_000));

  it("reads every recorded event unchanged", () => {
    for (const event of recordedEvents("abc")) expect(normaliseOutcome(event)).toBe("ok");
  });
});

/** A map as the normaliser builds one: no prototype (so `toString` is no entry), optionally with lower-case names. */
function normalisedMap(map: Record<string, string>, lowerCase: boolean): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries(map)) out[lowerCase ? key.toLowerCase() : key] = value;
  return out;
}
const credentialValue = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.constantFrom("Bearer abc.def.ghi", "bearer   abc", "Bearer", "Bearer ", " Bearer x ", "Basic dXNlcjpwYXNz", "Bearer a b", "Bearer a=b", "Bearer ==", "abc, def", "Bearer x, Bearer y"),
  fc.stringMatching(/^(?:[Bb]earer +)?[A-Za-z0-9\-._~+/]{1,64}=*$/),
  hugeString(40_000),
  fc.integer({ min: MAX_CREDENTIAL_LENGTH - 2, max: MAX_CREDENTIAL_LENGTH + 2 }).map((length) => `Bearer ${"a".repeat(length - 7)}`),
);
const nameOf = fc.oneof(fc.constantFrom("authorization", "Authorization", "token", "session", "x-api-key", "sec-websocket-protocol", "bearer."), fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,12}$/));
const valueMap = fc.dictionary(nameOf, credentialValue, { maxKeys: 5 });
const sourceList: fc.Arbitrary<TokenSource[]> = fc
  .array(fc.tuple(fc.constantFrom("header", "query", "cookie", "subprotocol"), nameOf).map(([where, name]) => `${where}:${name}`), { minLength: 1, maxLength: 4 })
  .map((spec) => parseTokenSources(spec))
  .filter((sources): sources is TokenSource[] => Array.isArray(sources));
const requestWithMaps = fc.record({
  kind: fc.constantFrom(...Object.values(EventKind)),
  authorizationToken: fc.option(credentialValue, { nil: undefined }),
  headers: valueMap.map((map) => normalisedMap(map, true)),
  query: valueMap.map((map) => normalisedMap(map, false)),
  cookies: valueMap.map((map) => normalisedMap(map, false)),
}).map((parts): AuthRequest => ({
  ...parts,
  authorizationToken: parts.kind === EventKind.restToken ? parts.authorizationToken : undefined,
  resourceArn: "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/orders/123",
  arn: { partition: "aws", region: "us-east-1", accountId: "123456789012", apiId: "abcdef123", stage: "prod", route: "GET/orders/123" },
  method: "GET",
  path: "/orders/123",
  routeKey: undefined,
  identitySource: [],
  sourceIp: undefined,
  vpceId: undefined,
  clientCert: undefined,
}));

/** Every value `req` carries in its credential-bearing fields. */
function carried(req: AuthRequest): string[] {
  return [req.authorizationToken ?? "", ...Object.values(req.headers), ...Object.values(req.query), ...Object.values(req.cookies)];
}

describe("credential extraction (shared/events/credentials.ts, functions/hmac)", () => {
  it("returns a bounded RFC 6750 token found in the request, or throws missing_token / malformed_token", () => {
    fc.assert(fc.property(requestWithMaps, sourceList, (req, sources) => {
      let credential;
      try {
        credential = extractCredential(req, sources);
      } catch (error) {
        if (error instanceof AuthenticationError && (error.reason === ReasonCode.missingToken || error.reason === ReasonCode.malformedToken)) return;
        throw error;
      }
      expect(typeof credential.source).toBe("string");
      expect(credential.value.length).toBeGreaterThan(0);
      expect(credential.value.length).toBeLessThanOrEqual(MAX_CREDENTIAL_LENGTH);
      expect(credential.value).toMatch(/^[A-Za-z0-9\-._~+/]+=*$/);
      expect(carried(req).some((value) => value.includes(credential.value))).toBe(true);
    }), fuzzParams(1_000));
  }, fuzzTimeout(20_000));

  it("never takes a credential from a source that is not configured", () => {
    fc.assert(fc.property(requestWithMaps, sourceList, (req, sources) => {
      try {
        const credential = extractCredential(req, sources);
        const allowed = req.kind === EventKind.restToken ? ["authorizationToken"] : sources.map((source) => `${source.in}:${source.name}`);
        expect(allowed).toContain(credential.source);
      } catch (error) {
        expect(error).toBeInstanceOf(AuthenticationError);
      }
    }), fuzzParams(500));
  }, fuzzTimeout(20_000));

  it("HMAC: returns the Authorization value within 16 KB, or throws missing_token / malformed_token", () => {
    fc.assert(fc.property(requestWithMaps, (req) => {
      try {
        const credential = extractHmacCredential(req);
        expect(credential.value.length).toBeLessThanOrEqual(MAX_CREDENTIAL_LENGTH);
        expect(credential.value.trim()).not.toBe("");
        expect(credential.value).toBe(req.kind === EventKind.restToken ? req.authorizationToken : req.headers.authorization);
      } catch (error) {
        if (error instanceof AuthenticationError && (error.reason === ReasonCode.missingToken || error.reason === ReasonCode.malformedToken)) return;
        throw error;
      }
    }), fuzzParams(500));
  }, fuzzTimeout(20_000));
});
