import { generateKeyPairSync, randomBytes } from "node:crypto";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { AuthenticationError, ReasonCode } from "../../../../shared/errors.ts";
import { jwksCacheFor, JwksCache, keySetEpoch, SNAPSHOT_WARN_AGE_MS, type Jwk, type JwksCacheOptions } from "../../../../shared/jwks/cache.ts";
import { keyFitsAlg } from "../../../../shared/jws.ts";
import { logger } from "../../../../shared/logging.ts";
import type { JsonFetcher } from "../../../../shared/jwks/fetch.ts";

const URI = new URL("https://issuer.example.com/.well-known/jwks.json");
const START = 1_750_000_000_000;
const TTL = 60_000;
const COOLDOWN = 5_000;
const MAX_STALE = 100_000;

function publicJwk(key: ReturnType<typeof generateKeyPairSync>["publicKey"], extra: Record<string, unknown>): Jwk {
  return { ...(key.export({ format: "jwk" }) as { kty: string }), use: "sig", ...extra };
}

const rsaPair = generateKeyPairSync("rsa", { modulusLength: 2048 });
const RSA = publicJwk(rsaPair.publicKey, { kid: "rsa-1", alg: "RS256" });
const RSA_2 = publicJwk(generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey, { kid: "rsa-2", alg: "RS256" });
const RSA_NO_ALG = publicJwk(generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey, { kid: "rsa-any" });
const RSA_1024 = publicJwk(generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey, { kid: "rsa-weak", alg: "RS256" });
const EC_P256 = publicJwk(generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey, { kid: "ec-256", alg: "ES256" });
const EC_P384 = publicJwk(generateKeyPairSync("ec", { namedCurve: "P-384" }).publicKey, { kid: "ec-384" });
const ED25519 = publicJwk(generateKeyPairSync("ed25519").publicKey, { kid: "ed" });
const RSA_PRIVATE: Jwk = { ...(rsaPair.privateKey.export({ format: "jwk" }) as { kty: string }), kid: "rsa-private", alg: "RS256" };
const OCT: Jwk = { kty: "oct", kid: "hmac", k: randomBytes(32).toString("base64url"), alg: "HS256" };

/** A clock the test moves by hand. */
let now = START;
const clock = (): number => now;

/** A fetcher that serves `jwks` (swappable) or fails when `failing` is set; counts its calls. */
function servingFetcher(initial: unknown) {
  const state = { body: initial, failing: false };
  const fetcher = vi.fn<JsonFetcher>(() => (state.failing ? Promise.reject(new Error("issuer down")) : Promise.resolve(structuredClone(state.body))));
  return { state, fetcher };
}

function cacheWith(fetcher: JsonFetcher, options: JwksCacheOptions = {}): JwksCache {
  // Refresh-ahead off unless a test asks for it: most tests pin the TTL behaviour itself.
  return new JwksCache(URI, { ttlMs: TTL, kidMissCooldownMs: COOLDOWN, maxStaleMs: MAX_STALE, refreshAheadMs: 0, now: clock, fetcher, ...options });
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The reason code `promise` rejects with (an AuthenticationError), or fails the test. */
async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AuthenticationError);
    return (error as AuthenticationError).reason;
  }
  return expect.unreachable("expected a rejection");
}

function reasonOfSync(error: unknown): string {
  return error instanceof AuthenticationError ? error.reason : String(error);
}

beforeEach(() => {
  now = START;
});

describe("JwksCache", () => {
  describe("fetching", () => {
    it("fetches the configured URI with the configured limits", async () => {
      const { fetcher } = servingFetcher({ keys: [RSA] });
      const cache = cacheWith(fetcher, { fetchTimeoutMs: 1_234, maxResponseBytes: 5_678 });

      await cache.getJwk("rsa-1", "RS256");

      expect(fetcher).toHaveBeenCalledExactlyOnceWith(URI, { timeoutMs: 1_234, maxBytes: 5_678 });
    });

    it("uses a 3 s timeout and a 256 KiB bound by default", async () => {
      const { fetcher } = servingFetcher({ keys: [RSA] });

      await new JwksCache(URI, { fetcher, now: clock }).getJwks();

      expect(fetcher).toHaveBeenCalledWith(URI, { timeoutMs: 3_000, maxBytes: 262_144 });
    });

    it("makes one fetch for 100 concurrent getJwk calls (single-flight)", async () => {
      // Prepare
      const pending = deferred<unknown>();
      const fetcher = vi.fn<JsonFetcher>(() => pending.promise);
      const cache = cacheWith(fetcher);

      // Act
      const calls = Array.from({ length: 100 }, () => cache.getJwk("rsa-1", "RS256"));
      pending.resolve({ keys: [RSA] });
      const keys = await Promise.all(calls);

      // Assess
      expect(fetcher).toHaveBeenCalledTimes(1);
      expect(cache.fetchCount).toBe(1);
      expect(new Set(keys.map((jwk) => jwk.n))).toEqual(new Set([RSA.n]));
    });

    it("shares one failed fetch between concurrent callers", async () => {
      const pending = deferred<unknown>();
      const fetcher = vi.fn<JsonFetcher>(() => pending.promise);
      const cache = cacheWith(fetcher);

      const calls = Array.from({ length: 10 }, () => reasonOf(cache.getJwk("rsa-1", "RS256")));
      pending.reject(new Error("boom"));

      expect(await Promise.all(calls)).toEqual(Array.from({ length: 10 }, () => ReasonCode.jwksUnavailable));
      expect(fetcher).toHaveBeenCalledTimes(1);
    });

    it("serves from the cache within the TTL and refetches once it has passed", async () => {
      const { fetcher } = servingFetcher({ keys: [RSA] });
      const cache = cacheWith(fetcher);
      await cache.getJwk("rsa-1", "RS256");

      now = START + TTL - 1;
      await cache.getJwk("rsa-1", "RS256");
      expect(fetcher).toHaveBeenCalledTimes(1);

      now = START + TTL;
      await cache.getJwk("rsa-1", "RS256");
      expect(fetcher).toHaveBeenCalledTimes(2);
    });

    it("picks up rotated keys at the TTL refetch", async () => {
      const { state, fetcher } = servingFetcher({ keys: [RSA] });
      const cache = cacheWith(fetcher);
      await cache.getJwk("rsa-1", "RS256");
      state.body = { keys: [RSA_2] };

      now = START + TTL;
      const jwk = await cache.getJwk("rsa-2", "RS256");

      expect(jwk.n).toBe(RSA_2.n);
      expect(cache.getCachedJwk("rsa-1", "RS256")).toBeUndefined();
    });

    it("fails with jwks_unavailable when the first fetch fails, keeping the cause", async () => {
      const { state, fetcher } = servingFetcher({ keys: [RSA] });
      state.failing = true;
      const cache = cacheWith(fetcher);

      const error = await cache.getJwk("rsa-1", "RS256").catch((failure: unknown) => failure);

      expect(error).toBeInstanceOf(AuthenticationError);
      expect((error as AuthenticationError).reason).toBe(ReasonCode.jwksUnavailable);
      expect((error as AuthenticationError).cause).toBeInstanceOf(Error);
    });

    it("retries on the next call when no key set was ever fetched", async () => {
      const { state, fetcher } = servingFetcher({ keys: [RSA] });
      state.failing = true;
      const cache = cacheWith(fetcher);
      expect(await reasonOf(cache.getJwk("rsa-1", "RS256"))).toBe(ReasonCode.jwksUnavailable);

      state.failing = false;
      now += 1;
      const jwk = await cache.getJwk("rsa-1", "RS256");

      expect(jwk.kid).toBe("rsa-1");
      expect(fetcher).toHaveBeenCalledTimes(2);
    });

    it.each([
      ["no keys array", { issuer: "x" }],
      ["keys not an array", { keys: { a: 1 } }],
      ["an array", [RSA]],
      ["null", null],
      ["a string", "<html>"],
    ])("fails with jwks_unavailable when the body has %s", async (_name, body) => {
      const { fetcher } = servingFetcher(body);

      expect(await reasonOf(cacheWith(fetcher).getJwks())).toBe(ReasonCode.jwksUnavailable);
    });
  });

  describe("stale-if-error", () => {
    it("keeps serving the last good key set within maxStaleMs past the TTL when the refetch fails", async () => {
      // Prepare
      const { state, fetcher } = servingFetcher({ keys: [RSA] });
      const cache = cacheWith(fetcher);
      await cache.getJwk("rsa-1", "RS256");
      state.failing = true;

      // Act
      now = START + TTL + 1;
      const jwk = await cache.getJwk("rsa-1", "RS256");

      // Assess
      expect(jwk.kid).toBe("rsa-1");
      expect(fetcher).toHaveBeenCalledTimes(2);
    });

    it("does not retry a failed refetch on every call within the cooldown", async () => {
      const { state, fetcher } = servingFetcher({ keys: [RSA] });
      const cache = cacheWith(fetcher);
      await cache.getJwk("rsa-1", "RS256");
      state.failing = true;
      now = START + TTL;
      await cache.getJwk("rsa-1", "RS256");

      now = START + TTL + COOLDOWN - 1;
      await cache.getJwk("rsa-1", "RS256");
      expect(fetcher).toHaveBeenCalledTimes(2);

      now = START + TTL + COOLDOWN;
      await cache.getJwk("rsa-1", "RS256");
      expect(fetcher).toHaveBeenCalledTimes(3);
    });

    it("fails with jwks_unavailable once the key set is older than TTL + maxStaleMs", async () => {
      const { state, fetcher } = servingFetcher({ keys: [RSA] });
      const cache = cacheWith(fetcher);
      await cache.getJwk("rsa-1", "RS256");
      state.failing = true;

      now = START + TTL + MAX_STALE - 1;
      expect((await cache.getJwk("rsa-1", "RS256")).kid).toBe("rsa-1");

      now = START + TTL + MAX_STALE;
      expect(await reasonOf(cache.getJwk("rsa-1", "RS256"))).toBe(ReasonCode.jwksUnavailable);
    });

    it("recovers when the issuer comes back", async () => {
      const { state, fetcher } = servingFetcher({ keys: [RSA] });
      const cache = cacheWith(fetcher);
      await cache.getJwk("rsa-1", "RS256");
      state.failing = true;
      now = START + TTL + MAX_STALE;
      await reasonOf(cache.getJwk("rsa-1", "RS256"));

      state.failing = false;
      state.body = { keys: [RSA_2] };
      now += 1;

      expect((await cache.getJwk("rsa-2", "RS256")).kid).toBe("rsa-2");
    });

    it("keeps the cached keys when a refetch returns something that is not a JWKS", async () => {
      const { state, fetcher } = servingFetcher({ keys: [RSA] });
      const cache = cacheWith(fetcher);
      await cache.getJwk("rsa-1", "RS256");
      state.body = { error: "maintenance" };

      now = START + TTL;
      expect((await cache.getJwk("rsa-1", "RS256")).kid).toBe("rsa-1");
      expect(fetcher).toHaveBeenCalledTimes(2);
    });
  });

  describe("unknown kid", () => {
    it("does not refetch for an unknown kid right after a fetch", async () => {
      const { fetcher } = servingFetcher({ keys: [RSA] });
      const cache = cacheWith(fetcher);
      await cache.getJwk("rsa-1", "RS256");

      expect(await reasonOf(cache.getJwk("unknown", "RS256"))).toBe(ReasonCode.unknownKid);
      expect(fetcher).toHaveBeenCalledTimes(1);
    });

    it("refetches once for an unknown kid, then waits kidMissCooldownMs before the next refetch", async () => {
      // Prepare
      const { fetcher } = servingFetcher({ keys: [RSA] });
      const cache = cacheWith(fetcher);
      await cache.getJwk("rsa-1", "RS256");
      now = START + COOLDOWN;

      // Act + Assess: the first miss refetches
      expect(await reasonOf(cache.getJwk("unknown", "RS256"))).toBe(ReasonCode.unknownKid);
      expect(fetcher).toHaveBeenCalledTimes(2);

      // a flood of misses within the cooldown does not
      for (const offset of [0, 1, COOLDOWN - 1]) {
        now = START + COOLDOWN + offset;
        expect(await reasonOf(cache.getJwk(`random-${offset}`, "RS256"))).toBe(ReasonCode.unknownKid);
      }
      expect(fetcher).toHaveBeenCalledTimes(2);

      // after the cooldown the next miss refetches again
      now = START + 2 * COOLDOWN;
      expect(await reasonOf(cache.getJwk("unknown", "RS256"))).toBe(ReasonCode.unknownKid);
      expect(fetcher).toHaveBeenCalledTimes(3);
    });

    it("finds a key that appeared at the issuer on the kid-miss refetch", async () => {
      const { state, fetcher } = servingFetcher({ keys: [RSA] });
      const cache = cacheWith(fetcher);
      await cache.getJwk("rsa-1", "RS256");
      state.body = { keys: [RSA, RSA_2] };

      now = START + COOLDOWN;
      const jwk = await cache.getJwk("rsa-2", "RS256");

      expect(jwk.n).toBe(RSA_2.n);
      expect(fetcher).toHaveBeenCalledTimes(2);
    });

    it("picks up a new kid after the cooldown that was missed within it", async () => {
      // Prepare: a miss refetches at COOLDOWN; the key appears just after
      const { state, fetcher } = servingFetcher({ keys: [RSA] });
      const cache = cacheWith(fetcher);
      await cache.getJwk("rsa-1", "RS256");
      now = START + COOLDOWN;
      await reasonOf(cache.getJwk("rsa-2", "RS256"));
      state.body = { keys: [RSA, RSA_2] };

      // Act + Assess: still unknown within the cooldown, found after it
      now = START + COOLDOWN + 1_000;
      expect(await reasonOf(cache.getJwk("rsa-2", "RS256"))).toBe(ReasonCode.unknownKid);
      now = START + 2 * COOLDOWN;
      expect((await cache.getJwk("rsa-2", "RS256")).kid).toBe("rsa-2");
      expect(fetcher).toHaveBeenCalledTimes(3);
    });

    it("makes one refetch for many concurrent misses", async () => {
      const { fetcher } = servingFetcher({ keys: [RSA] });
      const cache = cacheWith(fetcher);
      await cache.getJwk("rsa-1", "RS256");
      now = START + COOLDOWN;

      const reasons = await Promise.all(Array.from({ length: 20 }, (_, i) => reasonOf(cache.getJwk(`kid-${i}`, "RS256"))));

      expect(new Set(reasons)).toEqual(new Set([ReasonCode.unknownKid]));
      expect(fetcher).toHaveBeenCalledTimes(2);
    });

    // BUG (shared/jwks/cache.ts, getJwk): only the first miss joins the kid-miss refetch; calls that miss while it is
    // in flight see `now - attemptedAt < cooldown` and throw unknown_kid at once, so valid tokens signed with a
    // freshly rotated key get 401s for the duration of the fetch. They should await the fetch already in flight.
    it("lets misses that arrive while the kid-miss refetch is in flight wait for it", async () => {
      // Prepare
      const { fetcher } = servingFetcher({ keys: [RSA] });
      const cache = cacheWith(fetcher);
      await cache.getJwk("rsa-1", "RS256");
      const pending = deferred<unknown>();
      fetcher.mockImplementation(() => pending.promise);
      now = START + COOLDOWN;

      // Act: five requests with the new kid at once; the issuer then answers with it
      const calls = Array.from({ length: 5 }, () => cache.getJwk("rsa-2", "RS256").then((jwk) => jwk.kid, (error: unknown) => reasonOfSync(error)));
      pending.resolve({ keys: [RSA, RSA_2] });

      // Assess
      expect(await Promise.all(calls)).toEqual(["rsa-2", "rsa-2", "rsa-2", "rsa-2", "rsa-2"]);
      expect(fetcher).toHaveBeenCalledTimes(2);
    });

    it("answers unknown_kid, not jwks_unavailable, when the kid-miss refetch fails", async () => {
      const { state, fetcher } = servingFetcher({ keys: [RSA] });
      const cache = cacheWith(fetcher);
      await cache.getJwk("rsa-1", "RS256");
      state.failing = true;
      now = START + COOLDOWN;

      expect(await reasonOf(cache.getJwk("unknown", "RS256"))).toBe(ReasonCode.unknownKid);
      expect((await cache.getJwk("rsa-1", "RS256")).kid).toBe("rsa-1");
    });

    it("answers unknown_kid when the kid exists but its key does not fit alg", async () => {
      const { fetcher } = servingFetcher({ keys: [RSA, EC_P256] });
      const cache = cacheWith(fetcher);

      expect(await reasonOf(cache.getJwk("rsa-1", "ES256"))).toBe(ReasonCode.unknownKid);
      expect(await reasonOf(cache.getJwk("ec-256", "RS256"))).toBe(ReasonCode.unknownKid);
      expect(await reasonOf(cache.getJwk("rsa-1", "RS384"))).toBe(ReasonCode.unknownKid);
    });
  });

  describe("tokens without kid", () => {
    it("uses the one key that fits alg", async () => {
      const { fetcher } = servingFetcher({ keys: [RSA, EC_P256, ED25519] });
      const cache = cacheWith(fetcher);

      expect((await cache.getJwk(undefined, "RS256")).kid).toBe("rsa-1");
      expect((await cache.getJwk(undefined, "ES256")).kid).toBe("ec-256");
      expect((await cache.getJwk(undefined, "EdDSA")).kid).toBe("ed");
    });

    it("refuses to guess between two keys that fit alg", async () => {
      const { fetcher } = servingFetcher({ keys: [RSA, RSA_2] });

      expect(await reasonOf(cacheWith(fetcher).getJwk(undefined, "RS256"))).toBe(ReasonCode.unknownKid);
    });

    it("does not match a kid-less key to a token with a kid", async () => {
      const kidless: Record<string, unknown> = { ...RSA };
      delete kidless.kid;
      const { fetcher } = servingFetcher({ keys: [kidless] });
      const cache = cacheWith(fetcher);

      expect(await reasonOf(cache.getJwk("rsa-1", "RS256"))).toBe(ReasonCode.unknownKid);
      expect((await cache.getJwk(undefined, "RS256")).n).toBe(RSA.n);
    });
  });

  describe("key filtering", () => {
    it("keeps only public signature keys of usable strength", async () => {
      // Prepare
      const body = {
        keys: [
          RSA_1024,
          { ...RSA_2, use: "enc" },
          { ...RSA_2, kid: "ops-encrypt", key_ops: ["encrypt"] },
          { ...RSA_2, kid: "ops-verify", key_ops: ["verify"] },
          RSA_PRIVATE,
          OCT,
          { ...EC_P256, d: "private-part" },
          { kid: "no-kty", n: RSA.n, e: RSA.e },
          { ...RSA_2, kid: 7 },
          { kty: "RSA", kid: "no-modulus", e: "AQAB" },
          "not-an-object",
          null,
          [RSA],
          RSA,
          EC_P256,
        ],
      };
      const { fetcher } = servingFetcher(body);

      // Act
      const { keys } = await cacheWith(fetcher).getJwks();

      // Assess
      expect(keys.map((jwk) => jwk.kid)).toEqual(["ops-verify", "rsa-1", "ec-256"]);
    });

    it.each([
      ["an RSA key under 2048 bits", RSA_1024, "RS256"],
      ["a key with use enc", { ...RSA, use: "enc" }, "RS256"],
      ["a private key (d)", RSA_PRIVATE, "RS256"],
      ["a symmetric (oct) key", OCT, "HS256"],
    ])("never returns %s", async (_name, jwk, alg) => {
      const { fetcher } = servingFetcher({ keys: [jwk] });

      expect(await reasonOf(cacheWith(fetcher).getJwk(jwk.kid as string, alg))).toBe(ReasonCode.unknownKid);
    });

    it("keeps at most maxKeys keys", async () => {
      const many = Array.from({ length: 10 }, (_, i) => ({ ...EC_P256, kid: `ec-${i}` }));
      const { fetcher } = servingFetcher({ keys: many });

      const { keys } = await cacheWith(fetcher, { maxKeys: 3 }).getJwks();

      expect(keys.map((jwk) => jwk.kid)).toEqual(["ec-0", "ec-1", "ec-2"]);
    });

    it("returns keys the caller cannot change", async () => {
      const { fetcher } = servingFetcher({ keys: [RSA] });
      const cache = cacheWith(fetcher);

      const jwk = await cache.getJwk("rsa-1", "RS256");

      expect(Object.isFrozen(jwk)).toBe(true);
    });
  });

  describe("warm", () => {
    it("starts the fetch without waiting", async () => {
      const { fetcher } = servingFetcher({ keys: [RSA] });
      const cache = cacheWith(fetcher);

      cache.warm();
      expect(fetcher).toHaveBeenCalledTimes(1);
      await cache.getJwk("rsa-1", "RS256");

      expect(fetcher).toHaveBeenCalledTimes(1);
    });

    it("never rejects when the fetch fails, and the next request retries", async () => {
      // Prepare
      const { state, fetcher } = servingFetcher({ keys: [RSA] });
      state.failing = true;
      const cache = cacheWith(fetcher);
      const unhandled = vi.fn();
      process.on("unhandledRejection", unhandled);

      try {
        // Act
        expect(() => cache.warm()).not.toThrow();
        await new Promise((resolve) => setImmediate(resolve));

        // Assess
        expect(unhandled).not.toHaveBeenCalled();
        state.failing = false;
        expect((await cache.getJwk("rsa-1", "RS256")).kid).toBe("rsa-1");
        expect(fetcher).toHaveBeenCalledTimes(2);
      } finally {
        process.off("unhandledRejection", unhandled);
      }
    });

    it("does nothing when keys are already cached", async () => {
      const { fetcher } = servingFetcher({ keys: [RSA] });
      const cache = cacheWith(fetcher);
      await cache.getJwks();

      cache.warm();

      expect(fetcher).toHaveBeenCalledTimes(1);
    });
  });

  describe("addJwks and getCachedJwk", () => {
    it("answers from the cache only, never fetching", () => {
      const { fetcher } = servingFetcher({ keys: [RSA] });
      const cache = cacheWith(fetcher);

      expect(cache.getCachedJwk("rsa-1", "RS256")).toBeUndefined();
      expect(fetcher).not.toHaveBeenCalled();
    });

    it("serves a key set added by hand as if just fetched, filtered the same way", async () => {
      const { fetcher } = servingFetcher({ keys: [] });
      const cache = cacheWith(fetcher);

      cache.addJwks({ keys: [RSA, OCT] });

      expect(cache.getCachedJwk("rsa-1", "RS256")?.n).toBe(RSA.n);
      expect(cache.getCachedJwk("hmac", "HS256")).toBeUndefined();
      expect((await cache.getJwk("rsa-1", "RS256")).kid).toBe("rsa-1");
      expect(fetcher).not.toHaveBeenCalled();
    });

    it("throws on a key set that is not a JWKS", () => {
      expect(() => cacheWith(servingFetcher({}).fetcher).addJwks({ nokeys: true })).toThrow(/not a JWKS/);
    });
  });
});

describe("keyFitsAlg", () => {
  it.each([
    ["RS256", RSA, true],
    ["RS256", RSA_NO_ALG, true],
    ["PS256", RSA_NO_ALG, true],
    ["RS512", RSA_NO_ALG, true],
    ["RS384", RSA, false],
    ["PS256", RSA, false],
    ["RS256", EC_P256, false],
    ["ES256", EC_P256, true],
    ["ES256", RSA, false],
    ["ES256", EC_P384, false],
    ["ES384", EC_P384, true],
    ["ES512", EC_P384, false],
    ["EdDSA", ED25519, true],
    ["Ed25519", ED25519, true],
    ["EdDSA", EC_P256, false],
    ["HS256", OCT, false],
    ["none", RSA_NO_ALG, false],
    ["", RSA_NO_ALG, false],
  ])("%s with %o → %s", (alg, jwk, expected) => {
    expect(keyFitsAlg(jwk, alg)).toBe(expected);
  });

  it("refuses an EC key without a curve", () => {
    const noCurve: Record<string, unknown> = { ...EC_P256 };
    delete noCurve.crv;

    expect(keyFitsAlg(noCurve as Jwk, "ES256")).toBe(false);
  });
});

describe("jwksCacheFor", () => {
  it("returns one instance per URI", () => {
    const a = jwksCacheFor(new URL("https://one.example.com/jwks.json"));
    const b = jwksCacheFor(new URL("https://one.example.com/jwks.json"));
    const c = jwksCacheFor(new URL("https://two.example.com/jwks.json"));

    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(a.uri.href).toBe("https://one.example.com/jwks.json");
  });

  it("keeps the first options of a URI", async () => {
    const first = servingFetcher({ keys: [RSA] });
    const second = servingFetcher({ keys: [RSA_2] });
    const uri = new URL("https://three.example.com/jwks.json");

    const cache = jwksCacheFor(uri, { fetcher: first.fetcher, now: clock });
    jwksCacheFor(uri, { fetcher: second.fetcher, now: clock });
    await cache.getJwks();

    expect(first.fetcher).toHaveBeenCalledTimes(1);
    expect(second.fetcher).not.toHaveBeenCalled();
  });
});

describe("JwksCache refresh ahead, epoch and snapshots", () => {
  it("refreshes in the background once the key set is ttl - refreshAheadMs old, answering without waiting", async () => {
    // Prepare
    const { state, fetcher } = servingFetcher({ keys: [RSA] });
    const cache = cacheWith(fetcher, { refreshAheadMs: 10_000 });
    await cache.getJwk("rsa-1", "RS256");
    const pending = deferred<unknown>();
    fetcher.mockImplementationOnce(() => pending.promise);
    // Act: old but not expired; the issuer is slow.
    now = START + TTL - 10_000;
    const key = await cache.getJwk("rsa-1", "RS256");
    // Assess: answered from the cache while the refetch is in flight; the new set is used once it lands.
    expect(key.kid).toBe("rsa-1");
    expect(fetcher).toHaveBeenCalledTimes(2);
    state.body = { keys: [RSA_2] };
    pending.resolve({ keys: [RSA_2] });
    await vi.waitFor(() => expect(cache.getCachedJwk("rsa-2", "RS256")?.kid).toBe("rsa-2"));
    expect(cache.getCachedJwk("rsa-1", "RS256")).toBeUndefined();
  });

  it("does not refresh ahead before the window, nor retry a failed background refresh within the cooldown", async () => {
    const { state, fetcher } = servingFetcher({ keys: [RSA] });
    const cache = cacheWith(fetcher, { refreshAheadMs: 10_000 });
    await cache.getJwk("rsa-1", "RS256");
    now = START + TTL - 10_001;
    await cache.getJwk("rsa-1", "RS256");
    expect(fetcher).toHaveBeenCalledTimes(1);
    state.failing = true;
    now = START + TTL - 9_000;
    await cache.getJwk("rsa-1", "RS256");
    await cache.getJwk("rsa-1", "RS256");
    expect(fetcher).toHaveBeenCalledTimes(2);
  });

  it("stops using a removed key once the TTL has passed, even from getCachedJwk", async () => {
    const { state, fetcher } = servingFetcher({ keys: [RSA] });
    const cache = cacheWith(fetcher);
    await cache.getJwk("rsa-1", "RS256");
    state.body = { keys: [RSA_2] };
    now = START + TTL;
    expect(cache.getCachedJwk("rsa-1", "RS256")).toBeUndefined();
    expect(await reasonOf(cache.getJwk("rsa-1", "RS256"))).toBe(ReasonCode.unknownKid);
  });

  it("changes keySetEpoch when the key set changes, not when the same keys are fetched again", async () => {
    const { state, fetcher } = servingFetcher({ keys: [RSA] });
    const cache = cacheWith(fetcher);
    await cache.getJwk("rsa-1", "RS256");
    const first = keySetEpoch();
    now = START + TTL;
    await cache.getJwk("rsa-1", "RS256");
    expect(keySetEpoch()).toBe(first);
    state.body = { keys: [RSA_2] };
    now = START + 2 * TTL;
    await cache.getJwk("rsa-2", "RS256");
    expect(keySetEpoch()).not.toBe(first);
  });

  it("serves a snapshot without any fetch, whatever its age, and refetches only for an unknown kid", async () => {
    // Prepare
    const { fetcher } = servingFetcher({ keys: [RSA, RSA_2] });
    const cache = cacheWith(fetcher);
    cache.addSnapshot({ keys: [RSA] }, START);
    cache.warm();
    // Act
    now = START + 100 * TTL;
    const key = await cache.getJwk("rsa-1", "RS256");
    // Assess
    expect(key.kid).toBe("rsa-1");
    expect(fetcher).not.toHaveBeenCalled();
    expect((await cache.getJwk("rsa-2", "RS256")).kid).toBe("rsa-2");
    expect(fetcher).toHaveBeenCalledTimes(1);
    expect(cache.fromSnapshot).toBe(false);
  });

  it("keeps the snapshot when the kid-miss refetch fails (no network)", async () => {
    const { state, fetcher } = servingFetcher({ keys: [RSA] });
    state.failing = true;
    const cache = cacheWith(fetcher);
    cache.addSnapshot({ keys: [RSA] }, START);
    expect(await reasonOf(cache.getJwk("unknown", "RS256"))).toBe(ReasonCode.unknownKid);
    now = START + 100 * TTL;
    expect((await cache.getJwk("rsa-1", "RS256")).kid).toBe("rsa-1");
    expect(cache.fromSnapshot).toBe(true);
  });

  it("logs a warning naming the URI and age when the snapshot is older than SNAPSHOT_WARN_AGE_MS, and not otherwise", () => {
    const warn = vi.spyOn(logger, "warn").mockImplementation(() => undefined);
    try {
      cacheWith(servingFetcher({ keys: [] }).fetcher).addSnapshot({ keys: [RSA] }, START - SNAPSHOT_WARN_AGE_MS);
      expect(warn).not.toHaveBeenCalled();
      cacheWith(servingFetcher({ keys: [] }).fetcher).addSnapshot({ keys: [RSA] }, START - SNAPSHOT_WARN_AGE_MS - 86_400_000);
      expect(warn).toHaveBeenCalledExactlyOnceWith(expect.stringContaining("JWKS snapshot is old"), expect.objectContaining({ jwksUri: URI.href, ageDays: 8 }));
    } finally {
      warn.mockRestore();
    }
  });
});
