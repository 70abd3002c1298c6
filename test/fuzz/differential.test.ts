/**
 * Differential property: for generated tokens (valid; tampered at a random character; re-signed with
 * another key, with or without our `kid`; alg swapped, `none`, HS256 keyed with the public key; claims
 * mutated: `exp`, `nbf`, `iss`, `aud`, `sub`, `jti` of every type), the built OIDC bundle and a plain jose
 * `jwtVerify` with the same settings (issuer, audience, algorithms, `requiredClaims: ["exp"]`, a local
 * JWKS of the same keys) agree on accept / reject, every time.
 *
 * The reference adds to jose only the authorizer's own documented rules:
 * - a token must name a principal (a non-empty `sub`, else a non-empty `client_id`), or there is no
 *   `principalId` to answer with;
 * - `exp`, `nbf`, `iat` must be numbers a `Date` can hold, |value| ≤ 8.64e12 s (shared/jwt.ts refuses
 *   `1e20`, a token that would never expire, which jose accepts);
 * - registered claims of the wrong type are refused (RFC 7519 §4.1, shared/jwt.ts `decodeJwt`, as
 *   aws-jwt-verify does): `iss`, `sub`, `jti` must be strings and `aud` a string or an array of strings,
 *   when present. jose 6 checks none of these types when verifying: it accepts a `sub` or `jti` of any
 *   type; it refuses a non-string `iss` only because it compares it with the configured issuer, and an
 *   `aud` that is neither a string nor an array only because no configured audience is found in it; but an
 *   `aud` array holding a configured audience among non-strings (`[7, "<ours>"]`) it accepts.
 *   The tests "refuses what jose alone accepts" pin each of these cases (and one case of each other rule).
 */
import { createHmac, createSecretKey, KeyObject, sign as nodeSign } from "node:crypto";
import fc from "fast-check";
import { base64url, createLocalJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuthorizerHandler } from "../../scripts/lib/invoke-bundle.ts";
import { freshBundle } from "../helpers/bundle.ts";
import { createLambdaContext } from "../helpers/context.ts";
import { startJwksServer, type JwksServer } from "../helpers/jwks-server.ts";
import { createKeyPair, toJwks, type TestKeyPair } from "../helpers/keys.ts";
import { evaluateAnswer } from "../helpers/policy.ts";
import { discardLogs } from "./bundles.ts";
import { fuzzParams, fuzzTimeout } from "./support.ts";

const AUDIENCES = ["https://api.example.com/orders", "https://api.example.com/billing"];
const ALGORITHMS = ["RS256", "ES256"];
const METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/orders/123";
/** Time claims keep this far (seconds) from now, so the two verifiers, a few ms apart, see the same side of every boundary. */
const MARGIN = 30;
/** Largest NumericDate magnitude (seconds) a `Date` holds: the authorizer refuses time claims beyond it. */
const MAX_NUMERIC_DATE = 8.64e12;

let server: JwksServer;
let rsa: TestKeyPair;
let ec: TestKeyPair;
let otherRsa: TestKeyPair;
let otherEc: TestKeyPair;
let handler: AuthorizerHandler;
/** jose's verdict alone: the verified payload, or undefined. */
let joseAlone: (token: string) => Promise<Readonly<Record<string, unknown>> | undefined>;
/** jose's verdict with the authorizer's documented rules (see the header) applied. */
let reference: (token: string) => Promise<boolean>;
let restore: (() => void) | undefined;

beforeAll(async () => {
  [rsa, ec, otherRsa, otherEc] = await Promise.all([createKeyPair("RS256"), createKeyPair("ES256"), createKeyPair("RS256"), createKeyPair("ES256")]);
  const jwks = toJwks(rsa, ec);
  server = await startJwksServer({ ...jwks, maxLifetimeMs: 900_000 });
  restore = discardLogs();
  handler = await freshBundle("oidc", { ISSUER: server.issuer, AUDIENCE: AUDIENCES.join(","), JWKS_URI: server.url, ALGORITHMS: ALGORITHMS.join(","), POWERTOOLS_LOG_LEVEL: "INFO" });
  const keySet = createLocalJWKSet(jwks);
  joseAlone = async (token) => {
    try {
      return (await jwtVerify(token, keySet, { issuer: server.issuer, audience: AUDIENCES, algorithms: ALGORITHMS, requiredClaims: ["exp"], clockTolerance: 0 })).payload;
    } catch {
      return undefined;
    }
  };
  reference = async (token) => {
    const payload = await joseAlone(token);
    if (payload === undefined) return false;
    const id = typeof payload.sub === "string" && payload.sub !== "" ? payload.sub : payload.client_id;
    const datable = [payload.exp, payload.nbf, payload.iat].every((value) => value === undefined || (typeof value === "number" && Math.abs(value) <= MAX_NUMERIC_DATE));
    return typeof id === "string" && id !== "" && datable && registeredClaimsTyped(payload);
  };
}, 60_000);

/** The authorizer's rule on registered claim types (RFC 7519 §4.1), which jose does not check: `iss`, `sub`, `jti` strings, `aud` a string or an array of strings. */
function registeredClaimsTyped(payload: Readonly<Record<string, unknown>>): boolean {
  const { aud } = payload;
  return ["iss", "sub", "jti"].every((claim) => payload[claim] === undefined || typeof payload[claim] === "string")
    && (aud === undefined || typeof aud === "string" || (Array.isArray(aud) && aud.every((value) => typeof value === "string")));
}

afterAll(async () => {
  restore?.();
  await server?.close();
});

/** The bundle's verdict on `token` in a REST TOKEN event: Allow → true; exactly `Unauthorized` → false. */
async function bundleAccepts(token: string): Promise<boolean> {
  const event = { type: "TOKEN", authorizationToken: `Bearer ${token}`, methodArn: METHOD_ARN };
  try {
    const answer = await handler(event, createLambdaContext({ timeoutMs: 10_000 }));
    return evaluateAnswer(answer, METHOD_ARN) === "Allow";
  } catch (error) {
    expect((error as Error).message).toBe("Unauthorized");
    return false;
  }
}

const b64json = (value: unknown): string => base64url.encode(JSON.stringify(value));

/** Sign `header.payload` with a key pair's private key, as its `alg` says (RSASSA-PKCS1-v1_5 or ECDSA P-256 in JOSE form). */
function signInput(input: string, key: TestKeyPair): string {
  const privateKey = KeyObject.from(key.privateKey);
  const signature = key.alg === "RS256"
    ? nodeSign("sha256", Buffer.from(input), privateKey)
    : nodeSign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" });
  return base64url.encode(signature);
}

const now = (): number => Math.floor(Date.now() / 1000);
/** An offset in seconds at least {@link MARGIN} from 0, either way. */
const offset = fc.oneof(fc.integer({ min: MARGIN, max: 10_000_000 }), fc.integer({ min: -10_000_000, max: -MARGIN }));
const timeClaim = (required: boolean) => fc.oneof(
  { weight: 12, arbitrary: (required ? fc.integer({ min: MARGIN, max: 10_000_000 }) : fc.integer({ min: -10_000_000, max: -MARGIN })).map((delta) => ({ delta })) },
  { weight: 2, arbitrary: offset.map((delta) => ({ delta })) },
  { weight: required ? 1 : 6, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: offset.map((delta) => ({ delta, float: true })) },
  { weight: 1, arbitrary: fc.oneof(fc.constantFrom(null, true, "9999999999", "", 1e20, -1e20, 0, -1, Number.MAX_SAFE_INTEGER, 1.5), fc.string({ maxLength: 5 })).map((raw) => ({ raw })) },
);
/** Mostly `good`, sometimes one of `bad`. */
function mostly<T>(good: T, ...bad: T[]): fc.Arbitrary<T> {
  return fc.oneof({ weight: 6, arbitrary: fc.constant(good) }, { weight: 1, arbitrary: fc.constantFrom(...bad) });
}
type TimeSpec = { delta: number; float?: boolean } | { raw: unknown } | undefined;
const timeValue = (spec: TimeSpec): unknown => (spec === undefined ? undefined : "raw" in spec ? spec.raw : now() + spec.delta + (spec.float === true ? 0.5 : 0));

/** How a token is made. */
interface TokenPlan {
  readonly exp: TimeSpec;
  readonly nbf: TimeSpec;
  readonly iat: TimeSpec;
  readonly iss: "ours" | "slash" | "upper" | "other" | "absent" | "number" | "array";
  readonly aud: "first" | "second" | "array" | "arrayWithout" | "other" | "absent" | "empty" | "number" | "object" | "arrayWithNonString";
  readonly sub: "value" | "empty" | "absent" | "number" | "null" | "object";
  readonly jti: "value" | "absent" | "number" | "null" | "array";
  readonly clientId: boolean;
  readonly extra: Record<string, unknown>;
  readonly signer: "rsa" | "ec" | "otherRsa" | "otherEc" | "otherRsaOurKid" | "otherEcOurKid";
  readonly kid: "key" | "absent" | "unknown" | "number";
  readonly after: { readonly kind: "none" } | { readonly kind: "tamper"; readonly at: number; readonly char: string } | { readonly kind: "alg"; readonly alg: string } | { readonly kind: "hs256WithPublicKey" } | { readonly kind: "stripSignature" };
}

const plan: fc.Arbitrary<TokenPlan> = fc.record({
  exp: timeClaim(true),
  nbf: timeClaim(false),
  iat: timeClaim(false),
  iss: mostly<TokenPlan["iss"]>("ours", "slash", "upper", "other", "absent", "number", "array"),
  aud: fc.oneof(
    fc.constantFrom<TokenPlan["aud"]>("first", "second", "array"),
    mostly<TokenPlan["aud"]>("first", "arrayWithout", "other", "absent", "empty", "number", "object", "arrayWithNonString", "arrayWithNonString"),
  ),
  sub: mostly<TokenPlan["sub"]>("value", "empty", "absent", "number", "null", "object"),
  jti: mostly<TokenPlan["jti"]>("value", "absent", "number", "null", "array"),
  clientId: fc.boolean(),
  extra: fc.dictionary(fc.constantFrom("scope", "tenant", "azp", "jti", "typ"), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }),
  // ECDSA mostly: an RSA signature costs ten times as much, and both paths are still drawn often.
  signer: fc.oneof(
    { weight: 1, arbitrary: fc.constant<TokenPlan["signer"]>("rsa") },
    { weight: 2, arbitrary: fc.constant<TokenPlan["signer"]>("ec") },
    { weight: 1, arbitrary: fc.constantFrom<TokenPlan["signer"]>("otherRsa", "otherEc", "otherEc", "otherRsaOurKid", "otherEcOurKid", "otherEcOurKid") },
  ),
  kid: mostly<TokenPlan["kid"]>("key", "absent", "unknown", "number"),
  after: fc.oneof(
    { weight: 12, arbitrary: fc.constant({ kind: "none" as const }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("tamper" as const), at: fc.nat(), char: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("alg" as const), alg: fc.constantFrom("RS256", "ES256", "RS384", "PS256", "ES384", "EdDSA", "HS256", "none", "None", "") }) },
    { weight: 1, arbitrary: fc.constant({ kind: "hs256WithPublicKey" as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: "stripSignature" as const }) },
  ),
});

/** Build the token `p` describes. */
function makeToken(p: TokenPlan): string {
  const signers: Record<TokenPlan["signer"], { key: TestKeyPair; kid: string }> = {
    rsa: { key: rsa, kid: rsa.kid }, ec: { key: ec, kid: ec.kid },
    otherRsa: { key: otherRsa, kid: otherRsa.kid }, otherEc: { key: otherEc, kid: otherEc.kid },
    otherRsaOurKid: { key: otherRsa, kid: rsa.kid }, otherEcOurKid: { key: otherEc, kid: ec.kid },
  };
  const { key, kid } = signers[p.signer];
  const issuer = server.issuer;
  const payload: Record<string, unknown> = { ...p.extra };
  payload.iss = { ours: issuer, slash: `${issuer}/`, upper: issuer.toUpperCase(), other: "https://evil.example.com", absent: undefined, number: 42, array: [issuer] }[p.iss];
  payload.aud = {
    first: AUDIENCES[0], second: AUDIENCES[1], array: ["https://x.example.com", AUDIENCES[1]], arrayWithout: ["https://x.example.com"], other: "https://x.example.com",
    absent: undefined, empty: [], number: 7, object: { [AUDIENCES[0] ?? ""]: true }, arrayWithNonString: [7, AUDIENCES[0]],
  }[p.aud];
  payload.sub = { value: "client-42", empty: "", absent: undefined, number: 42, null: null, object: { id: "client-42" } }[p.sub];
  if (p.jti !== "absent") payload.jti = { value: "3f6c1a2e-jti", number: 1, null: null, array: ["3f6c1a2e-jti"] }[p.jti];
  if (p.clientId) payload.client_id = "client-app";
  payload.exp = timeValue(p.exp);
  payload.nbf = timeValue(p.nbf);
  payload.iat = timeValue(p.iat);
  const header: Record<string, unknown> = { alg: key.alg, typ: "JWT" };
  if (p.kid === "key") header.kid = kid;
  else if (p.kid === "unknown") header.kid = "no-such-kid";
  else if (p.kid === "number") header.kid = 7;
  const input = `${b64json(header)}.${b64json(payload)}`;
  const token = `${input}.${signInput(input, key)}`;
  switch (p.after.kind) {
    case "none":
      return token;
    case "stripSignature":
      return `${input}.`;
    case "tamper": {
      const at = p.after.at % token.length;
      return token[at] === "." ? token : `${token.slice(0, at)}${p.after.char}${token.slice(at + 1)}`;
    }
    case "alg":
      return `${b64json({ ...header, alg: p.after.alg })}.${token.split(".").slice(1).join(".")}`;
    case "hs256WithPublicKey": {
      const swapped = `${b64json({ ...header, alg: "HS256" })}.${b64json(payload)}`;
      const pem = KeyObject.from(key.publicKey).export({ type: "spki", format: "pem" });
      const mac = createHmac("sha256", createSecretKey(Buffer.from(pem))).update(swapped).digest();
      return `${swapped}.${base64url.encode(mac)}`;
    }
  }
}

describe("the OIDC bundle and jose jwtVerify", () => {
  it("agree on accept / reject for every generated token", async () => {
    let accepted = 0;
    await fc.assert(fc.asyncProperty(plan, async (p) => {
      const token = makeToken(p);
      const [ours, theirs] = [await bundleAccepts(token), await reference(token)];
      if (ours) accepted += 1;
      expect({ ours, theirs, token }).toEqual({ ours: theirs, theirs, token });
    }), fuzzParams(400));
    // The generator must reach both sides: some tokens are valid.
    expect(accepted).toBeGreaterThan(0);
  }, fuzzTimeout(30_000));

  const valid = (changes: Partial<TokenPlan> = {}): TokenPlan => ({
    exp: { delta: 3_600 }, nbf: undefined, iat: { delta: -60 }, iss: "ours", aud: "first", sub: "value", jti: "value", clientId: true, extra: {},
    signer: "ec", kid: "key", after: { kind: "none" }, ...changes,
  });

  it.each<[string, TokenPlan, boolean]>([
    ["a valid token", valid(), true],
    ["a valid RS256 token", valid({ signer: "rsa" }), true],
    ["a token whose sub is empty, with a client_id", valid({ sub: "empty" }), true],
    ["a token without jti", valid({ jti: "absent" }), true],
    ["a token whose iss is a number", valid({ iss: "number" }), false],
    ["a token whose iss is an array holding the issuer", valid({ iss: "array" }), false],
    ["a token whose aud is a number", valid({ aud: "number" }), false],
    ["a token whose aud is an object", valid({ aud: "object" }), false],
    ["a token whose aud is an empty array", valid({ aud: "empty" }), false],
  ])("agree on %s", async (_name, p, expected) => {
    const token = makeToken(p);
    expect({ ours: await bundleAccepts(token), theirs: await reference(token), joseAlone: (await joseAlone(token)) !== undefined })
      .toEqual({ ours: expected, theirs: expected, joseAlone: expected });
  });

  it.each<[string, TokenPlan]>([
    ["sub is a number (with a client_id)", valid({ sub: "number" })],
    ["sub is null (with a client_id)", valid({ sub: "null" })],
    ["sub is an object (with a client_id)", valid({ sub: "object" })],
    ["jti is a number", valid({ jti: "number" })],
    ["jti is null", valid({ jti: "null" })],
    ["jti is an array", valid({ jti: "array" })],
    ["aud is an array holding our audience and a number", valid({ aud: "arrayWithNonString" })],
    ["sub is empty, without client_id (no principal)", valid({ sub: "empty", clientId: false })],
    ["exp is 1e20 (not a date)", valid({ exp: { raw: 1e20 } })],
  ])("refuses what jose alone accepts (a documented extra rule): %s", async (_name, p) => {
    const token = makeToken(p);
    expect({ joseAlone: (await joseAlone(token)) !== undefined, ours: await bundleAccepts(token), reference: await reference(token) })
      .toEqual({ joseAlone: true, ours: false, reference: false });
  });
});
