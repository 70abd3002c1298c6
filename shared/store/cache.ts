/**
 * A bounded, in-process cache with a time to live, for key-store lookups.
 *
 * - **Bounded**: at most `maxEntries` entries; inserting one more evicts the least recently used
 *   (a `Map` keeps insertion order; a hit moves the entry to the end).
 * - **TTL**: an entry older than `ttlSeconds` is a miss and is dropped. `ttlSeconds: 0` disables the cache.
 * - **Positive and negative**: the cached value may be `null` ("looked up, not there"), so a flood of
 *   calls with one unknown key id costs one store read per TTL, not one per call.
 * - **Single-flight**: {@link TtlCache.getOrLoad} shares one load among concurrent misses of one key.
 *
 * Consequence, documented for operators: a key revoked (or deleted, or created) in the table takes
 * effect in a warm Lambda instance within `ttlSeconds` at most.
 *
 * @module
 */
import type { EnvReader } from "../config/env.ts";

/** Options of {@link TtlCache}. */
export interface TtlCacheOptions {
  /** Seconds an entry stays valid; `0` disables caching (every lookup loads). */
  readonly ttlSeconds: number;
  /** Most entries kept; the least recently used is evicted first. At least 1. */
  readonly maxEntries: number;
  /** Clock in epoch milliseconds; tests inject one. Default `Date.now`. */
  readonly now?: () => number;
}

interface Entry<V> {
  readonly value: V;
  /** Epoch ms after which the entry is stale. */
  readonly expiresAtMs: number;
}

/** LRU map with a TTL per entry and shared in-flight loads. `V` may include `null` for negative entries. */
export class TtlCache<K, V> {
  readonly #entries = new Map<K, Entry<V>>();
  readonly #inFlight = new Map<K, Promise<V>>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: TtlCacheOptions) {
    if (!Number.isFinite(options.ttlSeconds) || options.ttlSeconds < 0) throw new RangeError("ttlSeconds must be 0 or more");
    if (!Number.isSafeInteger(options.maxEntries) || options.maxEntries < 1) throw new RangeError("maxEntries must be an integer of 1 or more");
    this.#ttlMs = options.ttlSeconds * 1000;
    this.#maxEntries = options.maxEntries;
    this.#now = options.now ?? ((): number => Date.now());
  }

  /** Number of entries held (stale ones included until touched). */
  get size(): number {
    return this.#entries.size;
  }

  /** The fresh entry for `key`, or `undefined` (a miss: absent or stale). A hit becomes the most recently used. */
  get(key: K): { readonly value: V } | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAtMs <= this.#now()) return undefined;
    this.#entries.set(key, entry);
    return { value: entry.value };
  }

  /** Store `value` for `key` (a no-op when the TTL is 0), evicting the least recently used entries beyond the bound. */
  set(key: K, value: V): void {
    if (this.#ttlMs === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAtMs: this.#now() + this.#ttlMs });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }

  /** Drop `key`'s entry. */
  delete(key: K): void {
    this.#entries.delete(key);
  }

  /**
   * The cached value for `key`, else `load(key)`'s result, cached. Concurrent misses of one key share a
   * single `load`. A rejected load is not cached (the next call loads again) and rejects every waiter.
   */
  async getOrLoad(key: K, load: (key: K) => Promise<V>): Promise<V> {
    const hit = this.get(key);
    if (hit !== undefined) return hit.value;
    let pending = this.#inFlight.get(key);
    if (pending === undefined) {
      pending = load(key).then(
        (value) => {
          this.#inFlight.delete(key);
          this.set(key, value);
          return value;
        },
        (error: unknown) => {
          this.#inFlight.delete(key);
          throw error;
        },
      );
      this.#inFlight.set(key, pending);
    }
    return pending;
  }
}

/**
 * Read `KEY_CACHE_TTL_SECONDS` (0-3600, default 60; 0 disables the cache) and `KEY_CACHE_MAX_ENTRIES`
 * (1-100000, default 1000). Problems are recorded on `reader`.
 */
export function readCacheConfig(reader: EnvReader): TtlCacheOptions {
  return {
    ttlSeconds: reader.integer("KEY_CACHE_TTL_SECONDS", {
      defaultValue: 60, min: 0, max: 3600,
      fix: "give the seconds a key lookup is cached, 0 to 3600 (a revocation takes effect within this time; 0 disables the cache)",
    }),
    maxEntries: reader.integer("KEY_CACHE_MAX_ENTRIES", {
      defaultValue: 1000, min: 1, max: 100_000, fix: "give the most key lookups cached per instance, 1 to 100000",
    }),
  };
}
