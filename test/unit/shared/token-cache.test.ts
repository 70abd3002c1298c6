import { describe, expect, it, vi } from "vitest";
import { withTokenCache } from "../../../shared/token-cache.ts";

const START = 1_750_000_000_000;
const START_S = START / 1000;

interface Verified {
  readonly claims: { exp?: unknown; nbf?: unknown; sub: string };
}

/** A cache over a counting inner verifier that returns `claims` for every token (or throws when told to). */
function setUp(claims: Verified["claims"], options: Parameters<typeof withTokenCache>[2] = {}) {
  const clock = { now: START };
  const state = { fail: false, epoch: 0 };
  const inner = vi.fn((token: string): Promise<Verified> => (state.fail ? Promise.reject(new Error(`bad ${token}`)) : Promise.resolve({ claims: { ...claims } })));
  const verify = withTokenCache(inner, { timesOf: (value) => value.claims, epoch: () => state.epoch }, { now: () => clock.now, ...options });
  return { clock, state, inner, verify };
}

describe("withTokenCache", () => {
  it("answers a repeated token from the cache with the same frozen value", async () => {
    // Prepare
    const { inner, verify } = setUp({ exp: START_S + 600, sub: "a" });
    // Act
    const first = await verify("token-1");
    const second = await verify("token-1");
    // Assess
    expect(inner).toHaveBeenCalledTimes(1);
    expect(second).toBe(first);
    expect(Object.isFrozen(second)).toBe(true);
    expect(Object.isFrozen(second.claims)).toBe(true);
  });

  it("verifies every other token afresh, including one differing by a single character", async () => {
    const { inner, verify } = setUp({ exp: START_S + 600, sub: "a" });
    await verify("token-1");
    await verify("token-2");
    await verify("token-1 ");
    expect(inner).toHaveBeenCalledTimes(3);
  });

  it("never caches a failure: the next call verifies again and fails again", async () => {
    const { inner, state, verify } = setUp({ exp: START_S + 600, sub: "a" });
    state.fail = true;
    await expect(verify("token-1")).rejects.toThrow("bad token-1");
    await expect(verify("token-1")).rejects.toThrow("bad token-1");
    expect(inner).toHaveBeenCalledTimes(2);
  });

  it("stops answering at exp, without clock tolerance, and verifies afresh", async () => {
    const { clock, inner, state, verify } = setUp({ exp: START_S + 60, sub: "a" }, { clockToleranceSeconds: 30 });
    await verify("token-1");
    clock.now = START + 59_999;
    await verify("token-1");
    expect(inner).toHaveBeenCalledTimes(1);
    // Act: at exp the entry is gone; the fresh verification decides (here: it fails).
    clock.now = START + 60_000;
    state.fail = true;
    await expect(verify("token-1")).rejects.toThrow();
    expect(inner).toHaveBeenCalledTimes(2);
  });

  it("never keeps an entry past maxTtlMs, whatever exp says", async () => {
    const { clock, inner, verify } = setUp({ exp: START_S + 3_600, sub: "a" }, { maxTtlMs: 1_000 });
    await verify("token-1");
    clock.now = START + 999;
    await verify("token-1");
    clock.now = START + 1_000;
    await verify("token-1");
    expect(inner).toHaveBeenCalledTimes(2);
  });

  it("does not cache a value without a numeric exp, or already expired", async () => {
    const noExp = setUp({ sub: "a" });
    await noExp.verify("t");
    await noExp.verify("t");
    expect(noExp.inner).toHaveBeenCalledTimes(2);
    const expired = setUp({ exp: START_S - 1, sub: "a" });
    await expired.verify("t");
    await expired.verify("t");
    expect(expired.inner).toHaveBeenCalledTimes(2);
  });

  it("re-checks nbf on every hit (a clock that went back), with the tolerance", async () => {
    const { clock, inner, verify } = setUp({ exp: START_S + 600, nbf: START_S, sub: "a" }, { clockToleranceSeconds: 5 });
    await verify("t");
    clock.now = START - 5_000;
    await verify("t");
    expect(inner).toHaveBeenCalledTimes(1);
    clock.now = START - 6_000;
    await verify("t");
    expect(inner).toHaveBeenCalledTimes(2);
  });

  it("drops every entry when the key-set epoch changes, including one stored while it changed", async () => {
    const { inner, state, verify } = setUp({ exp: START_S + 600, sub: "a" });
    await verify("t");
    state.epoch = 1;
    await verify("t");
    expect(inner).toHaveBeenCalledTimes(2);
    await verify("t");
    expect(inner).toHaveBeenCalledTimes(2);
  });

  it("holds at most maxEntries tokens, dropping the oldest first", async () => {
    const { inner, verify } = setUp({ exp: START_S + 600, sub: "a" }, { maxEntries: 2 });
    await verify("a");
    await verify("b");
    await verify("c");
    expect(verify.size()).toBe(2);
    await verify("c");
    await verify("b");
    expect(inner).toHaveBeenCalledTimes(3);
    await verify("a");
    expect(inner).toHaveBeenCalledTimes(4);
  });

  it("is off with maxEntries 0", async () => {
    const { inner, verify } = setUp({ exp: START_S + 600, sub: "a" }, { maxEntries: 0 });
    await verify("a");
    await verify("a");
    expect(inner).toHaveBeenCalledTimes(2);
    expect(verify.size()).toBe(0);
  });
});
