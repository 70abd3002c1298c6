/**
 * Differential property for the algorithms test/fuzz/differential.test.ts does not cover (PS256, ES384,
 * ES512, EdDSA and Ed25519 over an Ed25519 key, next to RS256): `verifyJwt` from source (shared/jwt.ts,
 * signatures on node:crypto), its keys from a real `JwksCache` over an injected fetcher, and jose
 * `jwtVerify` with `createLocalJWKSet` over the same JWKS and the same settings (issuer, audiences,
 * algorithms, `requiredClaims: ["exp"]`, clock tolerance, an injected clock) agree on accept / reject for
 * every generated token: valid; tampered at a random character; alg swapped among these, RS256, HS256
 * (keyed with the public key), `none` and unknown ones, the token signed as the swapped alg claims or as
 * the key's own; signed by an unpublished key with or without our `kid`; `kid` absent, unknown, of another
 * published key, not a string; ECDSA signatures truncated or DER-encoded; `iss`, `aud`, `exp`, `nbf`,
 * `iat` mutated, boundaries of the clock and its tolerance included.
 *
 * The reference adds to jose's verdict only shared/jwt.ts's own documented rules:
 * - `exp`, `nbf`, `iat` must be numbers a `Date` can hold, |value| ≤ 8.64e12 s (jose takes `1e20`);
 * - a member named twice in the header or payload is refused (jose's `JSON.parse` keeps the last);
 * - a `crit` header is refused, and so is any `b64` header member (jose accepts `crit: ["b64"]` with
 *   `b64: true`, and ignores `b64` without `crit`).
 * No rule is needed where jose 6.2 is as strict (both sides are still drawn): a header or payload that is
 * not UTF-8 (jose decodes both with a fatal decoder), and a token without `kid` that several keys of the
 * set fit (ours: `unknown_kid`; jose's local key set: `JWKSMultipleMatchingKeys`).
 * The clock is fixed (not a whole second): both sides compare whole seconds, so its boundaries are drawn too.
 */
import { createHmac, createPublicKey } from "node:crypto";
import fc from "fast-check";
import { base64url, createLocalJWKSet, jwtVerify } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { AuthenticationError } from "../../shared/errors.ts";
import { JwksCache } from "../../shared/jwks/cache.ts";
import type { JsonFetcher } from "../../shared/jwks/fetch.ts";
import { verifyJwt, type JwtVerification } from "../../shared/jwt.ts";
import { createKeyPair, signSigningInput, toJwks, type Jwks, type TestKeyPair } from "../helpers/keys.ts";
import { fuzzParams, fuzzTimeout } from "./support.ts";

const ISSUER = "https://issuer.example.com/";
const AUDIENCES = ["https://api.example.com/orders", "https://api.example.com/billing"];
const ALGORITHMS = ["PS256", "ES384", "ES512", "EdDSA", "Ed25519", "RS256"];
/** The injected clock: 1 750 000 000 s and 250 ms. */
const NOW_S = 1_750_000_000;
const NOW_MS = NOW_S * 1000 + 250;
/** Largest NumericDate magnitude (seconds) a `Date` holds: shared/jwt.ts refuses time claims beyond it. */
const MAX_NUMERIC_DATE = 8.64e12;

/** The signers whose public keys the JWKS publishes (`es384NoAlg`, `es512` and `ed` without an `alg` member). */
type Signer = "ps" | "es384" | "es384NoAlg" | "es512" | "ed" | "rsa";
const SIGNERS: readonly Signer[] = ["ps", "es384", "es384NoAlg", "es512", "ed", "rsa"];
const WITHOUT_ALG: ReadonlySet<Signer> = new Set(["es384NoAlg", "es512", "ed"]);

let published: Record<Signer, TestKeyPair>;
/** A key of the same type as each signer, not in the JWKS. */
let unpublished: Record<Signer, TestKeyPair>;
let jwks: Jwks;
let keySet: ReturnType<typeof createLocalJWKSet>;
let cache: JwksCache;

beforeAll(async () => {
  const make = () => Promise.all([createKeyPair("PS256"), createKeyPair("ES384"), createKeyPair("ES384"), createKeyPair("ES512"), createKeyPair("EdDSA"), createKeyPair("RS256")]);
  const [mine, others] = await Promise.all([make(), make()]);
  const byName = (pairs: TestKeyPair[]): Record<Signer, TestKeyPair> => Object.fromEntries(SIGNERS.map((name, index) => [name, pairs[index]])) as Record<Signer, TestKeyPair>;
  published = byName(mine);
  unpublished = byName(others);
  jwks = toJwks(...SIGNERS.map((name) => published[name]));
  jwks.keys.forEach((jwk, index) => {
    if (WITHOUT_ALG.has(SIGNERS[index] as Signer)) delete jwk.alg;
  });
  keySet = createLocalJWKSet(structuredClone(jwks));
  const fetcher: JsonFetcher = () => Promise.resolve(structuredClone(jwks));
  cache = new JwksCache(new URL("https://issuer.example.com/.well-known/jwks.json"), { fetcher });
}, 60_000);


/** How a token is made. */
interface TokenPlan {
  readonly signer: Signer;
  /** Sign with the published key, or with an unpublished one of the same type (under our kid, or its own). */
  readonly keySwap: "none" | "unpublishedOurKid" | "unpublishedOwnKid";
  readonly kid: "key" | "absent" | "unknown" | "otherPublished" | "number";
  /** Header `alg` instead of the signer's own; the signature made as it claims, or as the key's own alg. */
  readonly alg: { readonly value: string; readonly signAs: "claimed" | "own" } | undefined;
  readonly headerExtra: Readonly<Record<string, unknown>>;
  readonly iss: "ours" | "noSlash" | "other" | "absent" | "number";
  readonly aud: "first" | "second" | "array" | "arrayWithout" | "other" | "absent" | "number" | "arrayOfNumbers";
  readonly exp: TimeSpec;
  readonly nbf: TimeSpec;
  readonly iat: TimeSpec;
  /** A member written twice (the second value is the good one), or none. */
  readonly duplicate: "iss" | "exp" | "alg" | undefined;
  /** A payload string with a byte that is not UTF-8. */
  readonly notUtf8: boolean;
  readonly after:
    | { readonly kind: "none" }
    | { readonly kind: "tamper"; readonly at: number; readonly char: string }
    | { readonly kind: "stripSignature" }
    | { readonly kind: "truncateSignature"; readonly bytes: number }
    | { readonly kind: "derSignature" };
  readonly toleranceSeconds: 0 | 60;
}

type TimeSpec = { readonly delta: number } | { readonly raw: unknown } | undefined;
/** Offsets around the clock's edges (with tolerance 0 or 60), and far ones. */
const delta = fc.oneof(
  fc.constantFrom(-61, -60, -59, -1, 0, 1, 59, 60, 61, 0.5, -0.5, 60.5, -60.5, 0.1, -0.9, 60.1, -59.9),
  fc.integer({ min: -10_000_000, max: 10_000_000 }),
);
const timeClaim = (usual: fc.Arbitrary<number>, absentWeight: number) => fc.oneof(
  { weight: 8, arbitrary: usual.map((value) => ({ delta: value })) },
  { weight: 4, arbitrary: delta.map((value) => ({ delta: value })) },
  { weight: absentWeight, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom(null, "1750000000", true, 1e20, -1e20, MAX_NUMERIC_DATE, MAX_NUMERIC_DATE + 1, -MAX_NUMERIC_DATE - 1).map((raw) => ({ raw })) },
);
const timeValue = (spec: TimeSpec): unknown => (spec === undefined ? undefined : "raw" in spec ? spec.raw : NOW_S + spec.delta);

/** Mostly `good`, sometimes one of `bad`. */
function mostly<T>(good: T, ...bad: T[]): fc.Arbitrary<T> {
  return fc.oneof({ weight: 6, arbitrary: fc.constant(good) }, { weight: 1, arbitrary: fc.constantFrom(...bad) });
}

const plan: fc.Arbitrary<TokenPlan> = fc.record({
  signer: fc.constantFrom(...SIGNERS),
  keySwap: fc.oneof({ weight: 8, arbitrary: fc.constant("none" as const) }, { weight: 1, arbitrary: fc.constantFrom("unpublishedOurKid" as const, "unpublishedOwnKid" as const) }),
  kid: mostly<TokenPlan["kid"]>("key", "absent", "absent", "unknown", "otherPublished", "number"),
  alg: fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.record({ value: fc.constantFrom("PS256", "ES384", "ES512", "EdDSA", "Ed25519", "RS256", "RS384", "PS384", "ES256", "HS256", "none", "None", ""), signAs: fc.constantFrom("claimed" as const, "own" as const) }) },
  ),
  headerExtra: fc.oneof(
    { weight: 8, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.constantFrom<Record<string, unknown>>({ typ: "at+jwt" }, { crit: ["b64"], b64: true }, { b64: true }, { b64: false }, { crit: ["exp"], exp: 1 }, { jku: "https://evil.example.com/jwks" }, { x5u: "https://evil.example.com/cert" }) },
  ),
  iss: mostly<TokenPlan["iss"]>("ours", "noSlash", "other", "absent", "number"),
  aud: fc.oneof(fc.constantFrom<TokenPlan["aud"]>("first", "second", "array"), mostly<TokenPlan["aud"]>("first", "arrayWithout", "other", "absent", "number", "arrayOfNumbers")),
  exp: timeClaim(fc.integer({ min: 62, max: 10_000_000 }), 1),
  nbf: timeClaim(fc.integer({ min: -10_000_000, max: -62 }), 6),
  iat: timeClaim(fc.integer({ min: -10_000_000, max: -62 }), 3),
  duplicate: fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom("iss" as const, "exp" as const, "alg" as const) }),
  notUtf8: fc.oneof({ weight: 15, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  after: fc.oneof(
    { weight: 12, arbitrary: fc.constant({ kind: "none" as const }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("tamper" as const), at: fc.nat(), char: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") }) },
    { weight: 1, arbitrary: fc.constant({ kind: "stripSignature" as const }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("truncateSignature" as const), bytes: fc.integer({ min: 1, max: 3 }) }) },
    { weight: 1, arbitrary: fc.constant({ kind: "derSignature" as const }) },
  ),
  toleranceSeconds: fc.constantFrom(0 as const, 60 as const),
});

const b64 = (text: string | Buffer): string => base64url.encode(typeof text === "string" ? Buffer.from(text) : text);

/** A JSON object's text with `extra` (raw JSON text) inserted as its first members. */
const withRawMembers = (value: Record<string, unknown>, extra: string): string => {
  const json = JSON.stringify(value);
  return extra === "" ? json : json === "{}" ? `{${extra}}` : `{${extra},${json.slice(1)}`;
};

/** Sign `input` with `key` as `alg` says: HS256 keyed with the public key's PEM, `none` unsigned, else node:crypto (the key's own alg when it cannot sign as `alg`). */
function signAs(input: string, key: TestKeyPair, alg: string, der: boolean): string {
  if (alg === "HS256") {
    const pem = createPublicKey({ key: key.publicJwk, format: "jwk" }).export({ type: "spki", format: "pem" });
    return b64(createHmac("sha256", pem).update(input).digest());
  }
  try {
    return signSigningInput(input, key, alg, der);
  } catch {
    return signSigningInput(input, key, key.alg, der);
  }
}

/** Build the token `p` describes. */
function makeToken(p: TokenPlan): string {
  const own = published[p.signer];
  const key = p.keySwap === "none" ? own : unpublished[p.signer];
  const kid = {
    key: p.keySwap === "unpublishedOwnKid" ? key.kid : own.kid,
    absent: undefined,
    unknown: "no-such-kid",
    otherPublished: published[SIGNERS[(SIGNERS.indexOf(p.signer) + 1) % SIGNERS.length] as Signer].kid,
    number: 7,
  }[p.kid];
  const alg = p.alg?.value ?? key.alg;
  const header: Record<string, unknown> = { alg, ...(kid === undefined ? {} : { kid }), typ: "JWT", ...p.headerExtra };
  const payload: Record<string, unknown> = {
    iss: { ours: ISSUER, noSlash: ISSUER.slice(0, -1), other: "https://evil.example.com/", absent: undefined, number: 42 }[p.iss],
    aud: { first: AUDIENCES[0], second: AUDIENCES[1], array: ["https://x.example.com", AUDIENCES[1]], arrayWithout: ["https://x.example.com"], other: "https://x.example.com", absent: undefined, number: 7, arrayOfNumbers: [7, 8] }[p.aud],
    sub: "user-1",
    exp: timeValue(p.exp),
    nbf: timeValue(p.nbf),
    iat: timeValue(p.iat),
  };
  const headerText = withRawMembers(header, p.duplicate === "alg" ? '"alg":"none"' : "");
  const payloadText = withRawMembers(payload, p.duplicate === "iss" ? '"iss":"https://evil.example.com/"' : p.duplicate === "exp" ? `"exp":${NOW_S - 3_600}` : "");
  const payloadBytes = p.notUtf8 ? Buffer.concat([Buffer.from(payloadText.slice(0, -1)), Buffer.from(',"note":"a'), Buffer.of(0xff), Buffer.from('b"}')]) : Buffer.from(payloadText);
  const input = `${b64(headerText)}.${b64(payloadBytes)}`;
  const signingAlg = p.alg === undefined || p.alg.signAs === "own" ? key.alg : alg;
  const signature = signingAlg === "none" || signingAlg === "None" || signingAlg === "" ? "" : signAs(input, key, signingAlg, p.after.kind === "derSignature");
  const token = `${input}.${signature}`;
  switch (p.after.kind) {
    case "none":
    case "derSignature":
      return token;
    case "stripSignature":
      return `${input}.`;
    case "truncateSignature":
      return `${input}.${b64(Buffer.from(signature, "base64url").subarray(0, -p.after.bytes))}`;
    case "tamper": {
      const at = p.after.at % token.length;
      return token[at] === "." ? token : `${token.slice(0, at)}${p.after.char}${token.slice(at + 1)}`;
    }
  }
}

/** jose's verdict, with shared/jwt.ts's documented extra rules (see the header) applied. */
async function reference(token: string, p: TokenPlan): Promise<boolean> {
  try {
    const { payload, protectedHeader } = await jwtVerify(token, keySet, {
      issuer: ISSUER, audience: AUDIENCES, algorithms: ALGORITHMS, requiredClaims: ["exp"], clockTolerance: p.toleranceSeconds, currentDate: new Date(NOW_MS),
    });
    const datable = [payload.exp, payload.nbf, payload.iat].every((value) => value === undefined || Math.abs(value) <= MAX_NUMERIC_DATE);
    const plainHeader = protectedHeader.crit === undefined && protectedHeader.b64 === undefined;
    return datable && plainHeader && p.duplicate === undefined;
  } catch {
    return false;
  }
}

/** `verifyJwt` from source; a rejection must be an `AuthenticationError` (a reason code), never a crash. */
async function ours(token: string, p: TokenPlan): Promise<boolean> {
  const options: JwtVerification = {
    algorithms: ALGORITHMS,
    issuers: new Set([ISSUER]),
    keyFor: (_iss, kid, alg) => cache.getJwk(kid, alg),
    audiences: AUDIENCES,
    clockToleranceSeconds: p.toleranceSeconds,
    now: () => NOW_MS,
  };
  try {
    await verifyJwt(token, options);
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(AuthenticationError);
    return false;
  }
}

describe("verifyJwt and jose jwtVerify, for PS256, ES384, ES512, EdDSA and Ed25519", () => {
  it("agree on accept / reject for every generated token", async () => {
    const acceptedBy = new Map<string, number>();
    await fc.assert(fc.asyncProperty(plan, async (p) => {
      const token = makeToken(p);
      const [mine, theirs] = [await ours(token, p), await reference(token, p)];
      if (mine) {
        const { alg } = JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString()) as { alg: string };
        acceptedBy.set(alg, (acceptedBy.get(alg) ?? 0) + 1);
      }
      expect({ ours: mine, theirs, token, plan: p }).toEqual({ ours: theirs, theirs, token, plan: p });
    }), fuzzParams(1_500));
    // The generator must reach both sides for each algorithm: some tokens of each are valid.
    expect([...acceptedBy.keys()]).toEqual(expect.arrayContaining(["ES384", "ES512", "EdDSA", "PS256", "RS256"]));
  }, fuzzTimeout(30_000));

  it("agree on the edge cases the generator draws rarely", async () => {
    // Prepare: valid plans, each changed in one way.
    const valid: TokenPlan = {
      signer: "ps", keySwap: "none", kid: "key", alg: undefined, headerExtra: {}, iss: "ours", aud: "first",
      exp: { delta: 3_600 }, nbf: undefined, iat: { delta: -60 }, duplicate: undefined, notUtf8: false, after: { kind: "none" }, toleranceSeconds: 0,
    };
    const cases: [string, TokenPlan, boolean][] = [];
    for (const signer of SIGNERS) {
      cases.push([`${signer}: valid`, { ...valid, signer }, true]);
      cases.push([`${signer}: without kid`, { ...valid, signer, kid: "absent" }, signer !== "es384" && signer !== "es384NoAlg"]);
      cases.push([`${signer}: exp now`, { ...valid, signer, exp: { delta: 0 } }, false]);
      cases.push([`${signer}: exp now + 1`, { ...valid, signer, exp: { delta: 1 } }, true]);
      cases.push([`${signer}: exp now - 60, tolerance 60`, { ...valid, signer, exp: { delta: -60 }, toleranceSeconds: 60 }, false]);
      cases.push([`${signer}: exp now - 59, tolerance 60`, { ...valid, signer, exp: { delta: -59 }, toleranceSeconds: 60 }, true]);
      cases.push([`${signer}: nbf now + 1`, { ...valid, signer, nbf: { delta: 1 } }, false]);
      cases.push([`${signer}: nbf now + 60, tolerance 60`, { ...valid, signer, nbf: { delta: 60 }, toleranceSeconds: 60 }, true]);
      cases.push([`${signer}: signed by an unpublished key under our kid`, { ...valid, signer, keySwap: "unpublishedOurKid" }, false]);
      cases.push([`${signer}: signature one byte short`, { ...valid, signer, after: { kind: "truncateSignature", bytes: 1 } }, false]);
      cases.push([`${signer}: DER signature`, { ...valid, signer, after: { kind: "derSignature" } }, signer === "ps" || signer === "ed" || signer === "rsa"]);
    }
    cases.push(["EdDSA key, header alg Ed25519 (the key has no alg member)", { ...valid, signer: "ed", alg: { value: "Ed25519", signAs: "own" } }, true]);
    cases.push(["PS256 key signing as RS256 under its kid", { ...valid, signer: "ps", alg: { value: "RS256", signAs: "claimed" } }, false]);
    cases.push(["RS256 key signing as PS256 under its kid", { ...valid, signer: "rsa", alg: { value: "PS256", signAs: "claimed" } }, false]);
    cases.push(["HS256 keyed with the public key", { ...valid, signer: "rsa", alg: { value: "HS256", signAs: "claimed" } }, false]);
    cases.push(["ES512 header on an ES384 key", { ...valid, signer: "es384NoAlg", alg: { value: "ES512", signAs: "claimed" } }, false]);
    cases.push(["a payload byte that is not UTF-8", { ...valid, notUtf8: true }, false]);
    // Act / Assess: ours gives the expected verdict, and so does the reference.
    for (const [name, p, expected] of cases) {
      const token = makeToken(p);
      expect({ name, ours: await ours(token, p), theirs: await reference(token, p) }).toEqual({ name, ours: expected, theirs: expected });
    }
  });

  it("the reference's extra rules are needed: jose alone accepts each such token", async () => {
    const valid: TokenPlan = {
      signer: "es512", keySwap: "none", kid: "key", alg: undefined, headerExtra: {}, iss: "ours", aud: "first",
      exp: { delta: 3_600 }, nbf: undefined, iat: undefined, duplicate: undefined, notUtf8: false, after: { kind: "none" }, toleranceSeconds: 0,
    };
    const plans: TokenPlan[] = [
      { ...valid, exp: { raw: 1e20 } },
      { ...valid, iat: { raw: MAX_NUMERIC_DATE + 1 } },
      { ...valid, duplicate: "iss" },
      { ...valid, headerExtra: { crit: ["b64"], b64: true } },
      { ...valid, headerExtra: { b64: false } },
    ];
    for (const p of plans) {
      const token = makeToken(p);
      const joseAlone = await jwtVerify(token, keySet, { issuer: ISSUER, audience: AUDIENCES, algorithms: ALGORITHMS, requiredClaims: ["exp"], currentDate: new Date(NOW_MS) }).then(() => true, () => false);
      expect({ p, joseAlone, ours: await ours(token, p), reference: await reference(token, p) }).toEqual({ p, joseAlone: true, ours: false, reference: false });
    }
  });
});
