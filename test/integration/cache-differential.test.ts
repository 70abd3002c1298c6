/**
 * Differential tests: the verified-token cache and the JWKS cache never accept a token that a fresh jose
 * verification, against the issuer's key set of that moment, rejects. Both verifiers run from source with
 * an in-memory issuer (the fetcher) and a fake `Date`; the reference is jose `jwtVerify` with
 * `createLocalJWKSet` over exactly what the issuer serves.
 */
import { createLocalJWKSet, jwtVerify, type JWTVerifyOptions } from "jose";
import fc from "fast-check";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { parseCognitoConfig } from "../../functions/cognito/config.ts";
import { createCognitoVerifier } from "../../functions/cognito/verify.ts";
import { parseOidcConfig } from "../../functions/oidc/config.ts";
import { createOidcVerifier } from "../../functions/oidc/verify.ts";
import type { JsonFetcher } from "../../shared/jwks/fetch.ts";
import { createKeyPair, signJwt, toJwks, type Jwks, type TestKeyPair } from "../helpers/keys.ts";

const START = 1_750_000_000_000;
const START_S = START / 1000;
const TTL_MS = 60_000;
const AUDIENCE = "https://api.example.com/orders";
const POOL = "eu-west-1_Diff1";
const COGNITO_ISSUER = `https://cognito-idp.eu-west-1.amazonaws.com/${POOL}`;

let rsa: TestKeyPair;
let next: TestKeyPair;
let run = 0;

beforeAll(async () => {
  [rsa, next] = await Promise.all([createKeyPair("RS256"), createKeyPair("RS256")]);
});

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(START);
  run += 1;
});

afterEach(() => {
  vi.useRealTimers();
});

/** An issuer whose served key set tests change; each test gets its own JWKS URI (caches are per URI). */
function issuer() {
  const state: { jwks: Jwks } = { jwks: toJwks(rsa) };
  const fetcher: JsonFetcher = () => Promise.resolve(structuredClone(state.jwks));
  return { state, fetcher, jwksUri: `https://issuer.example.com/diff-${run}/jwks.json` };
}

/** Does it verify? `true` / `false`, never throws. */
async function accepts(verify: () => Promise<unknown>): Promise<boolean> {
  return verify().then(() => true, () => false);
}

function oidcSetUp() {
  const { state, fetcher, jwksUri } = issuer();
  const iss = "https://issuer.example.com/";
  const config = parseOidcConfig({ ISSUER: iss, AUDIENCE, JWKS_URI: jwksUri });
  const verifier = createOidcVerifier(config, { fetcher, ttlMs: TTL_MS, kidMissCooldownMs: 5_000 });
  const options: JWTVerifyOptions = { issuer: iss, audience: AUDIENCE, algorithms: ["RS256"], requiredClaims: ["exp"] };
  return {
    state,
    claims: (extra: Record<string, unknown> = {}) => ({ iss, aud: AUDIENCE, sub: "user-1", scope: "orders:read", iat: START_S, exp: START_S + 3_600, ...extra }),
    ours: (token: string) => accepts(() => verifier.verify({ source: "authorizationToken", value: token })),
    fresh: (token: string) => accepts(() => jwtVerify(token, createLocalJWKSet(structuredClone(state.jwks)), options)),
  };
}

function cognitoSetUp() {
  const { state, fetcher, jwksUri } = issuer();
  const config = parseCognitoConfig({ USER_POOL_ID: POOL, CLIENT_ID: "client-1", JWKS_URI: jwksUri });
  const verifier = createCognitoVerifier(config, { fetcher, ttlMs: TTL_MS, kidMissCooldownMs: 5_000 });
  const options: JWTVerifyOptions = { issuer: COGNITO_ISSUER, algorithms: ["RS256"], requiredClaims: ["exp"] };
  return {
    state,
    claims: (extra: Record<string, unknown> = {}) => ({ iss: COGNITO_ISSUER, client_id: "client-1", token_use: "access", sub: "user-1", iat: START_S, exp: START_S + 3_600, ...extra }),
    ours: (token: string) => accepts(() => verifier.verify({ source: "authorizationToken", value: token })),
    fresh: (token: string) => accepts(() => jwtVerify(token, createLocalJWKSet(structuredClone(state.jwks)), options)),
  };
}

describe.each([
  ["oidc", oidcSetUp],
  ["cognito", cognitoSetUp],
])("%s verifier with its caches, against a fresh jose verification", (_name, setUp) => {
  it("refuses a cached token once it has expired, as jose does", async () => {
    // Prepare
    const { claims, ours, fresh } = setUp();
    const token = await signJwt(claims({ exp: START_S + 30 }), { key: rsa });
    expect(await ours(token)).toBe(true);
    expect(await ours(token)).toBe(true);
    // Act
    vi.setSystemTime(START + 30_000);
    // Assess
    expect(await fresh(token)).toBe(false);
    expect(await ours(token)).toBe(false);
  });

  it("stops trusting a key removed at the issuer within the JWKS refresh interval, cached tokens included", async () => {
    // Prepare
    const { state, claims, ours, fresh } = setUp();
    const token = await signJwt(claims(), { key: rsa });
    expect(await ours(token)).toBe(true);
    // Act: the issuer rotates the key out; one refresh interval passes.
    state.jwks = toJwks(next);
    vi.setSystemTime(START + TTL_MS);
    // Assess
    expect(await fresh(token)).toBe(false);
    expect(await ours(token)).toBe(false);
    expect(await ours(await signJwt(claims(), { key: next }))).toBe(true);
  });

  it("refuses every tampered variant of a cached token that jose refuses", async () => {
    // Prepare
    const { claims, ours, fresh } = setUp();
    const token = await signJwt(claims(), { key: rsa });
    expect(await ours(token)).toBe(true);
    const [header = "", payload = "", signature = ""] = token.split(".");
    const forgedPayload = Buffer.from(JSON.stringify(claims({ sub: "admin" }))).toString("base64url");
    const flip = (text: string, at: number): string => `${text.slice(0, at)}${text[at] === "A" ? "B" : "A"}${text.slice(at + 1)}`;
    const variants = [
      `${header}.${forgedPayload}.${signature}`,
      `${header}.${payload}.${flip(signature, 10)}`,
      `${flip(header, 3)}.${payload}.${signature}`,
      `${Buffer.from(JSON.stringify({ alg: "none", kid: rsa.kid })).toString("base64url")}.${payload}.`,
      `${header}.${payload}.`,
      `${header}.${payload}`,
    ];
    // Act / Assess
    for (const variant of variants) {
      expect(await fresh(variant), variant).toBe(false);
      expect(await ours(variant), variant).toBe(false);
    }
    expect(await ours(token)).toBe(true);
  });

  it("accepts a single-character mutation of a cached token only when jose accepts it too", async () => {
    // Prepare
    const { claims, ours, fresh } = setUp();
    const token = await signJwt(claims(), { key: rsa });
    expect(await ours(token)).toBe(true);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
    // Act / Assess
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: token.length - 1 }), fc.constantFrom(...alphabet), async (at, char) => {
        const mutated = `${token.slice(0, at)}${char}${token.slice(at + 1)}`;
        if (await ours(mutated)) expect(await fresh(mutated)).toBe(true);
      }),
      { numRuns: 60, seed: 6 },
    );
  });
});
