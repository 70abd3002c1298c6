import { describe, expect, it } from "vitest";
import { TtlCache } from "../../../../shared/store/cache.ts";

/** A cache on a hand-moved clock. */
function cacheWithClock(ttlSeconds: number, maxEntries: number) {
  let now = 1_000_000;
  const cache = new TtlCache<string, string | null>({ ttlSeconds, maxEntries, now: () => now });
  return { cache, advance: (ms: number) => void (now += ms) };
}

describe("TtlCache", () => {
  it("returns a value until its TTL has passed, then misses", () => {
    // Prepare
    const { cache, advance } = cacheWithClock(60, 10);
    cache.set("a", "A");
    // Act
    advance(59_999);
    const before = cache.get("a");
    advance(1);
    const after = cache.get("a");
    // Assess
    expect(before).toEqual({ value: "A" });
    expect(after).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("keeps negative entries (null) like positive ones", () => {
    const { cache } = cacheWithClock(60, 10);
    cache.set("missing", null);
    expect(cache.get("missing")).toEqual({ value: null });
  });

  it("evicts the least recently used entry beyond maxEntries", () => {
    const { cache } = cacheWithClock(60, 2);
    cache.set("a", "A");
    cache.set("b", "B");
    cache.get("a");
    cache.set("c", "C");
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toEqual({ value: "A" });
    expect(cache.get("c")).toEqual({ value: "C" });
    expect(cache.size).toBe(2);
  });

  it("caches nothing with a TTL of 0", async () => {
    const { cache } = cacheWithClock(0, 10);
    let loads = 0;
    await cache.getOrLoad("a", () => Promise.resolve(`load ${++loads}`));
    await cache.getOrLoad("a", () => Promise.resolve(`load ${++loads}`));
    expect(loads).toBe(2);
  });

  it("shares one load among concurrent misses of a key", async () => {
    const { cache } = cacheWithClock(60, 10);
    let loads = 0;
    const load = async (key: string) => {
      loads += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return key.toUpperCase();
    };
    const values = await Promise.all(Array.from({ length: 20 }, () => cache.getOrLoad("k", load)));
    expect(values.every((value) => value === "K")).toBe(true);
    expect(loads).toBe(1);
  });

  it("does not cache a failed load: the next call loads again", async () => {
    const { cache } = cacheWithClock(60, 10);
    await expect(cache.getOrLoad("k", () => Promise.reject(new Error("store down")))).rejects.toThrow("store down");
    await expect(cache.getOrLoad("k", () => Promise.resolve("K"))).resolves.toBe("K");
  });

  it.each([
    [{ ttlSeconds: -1, maxEntries: 1 }],
    [{ ttlSeconds: 1, maxEntries: 0 }],
  ])("refuses options %j", (options) => {
    expect(() => new TtlCache(options)).toThrow(RangeError);
  });
});
