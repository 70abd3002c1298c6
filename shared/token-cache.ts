/**
 * A bounded cache of verified tokens, so a token seen again is answered without a second signature check.
 *
 * Safety rules (a cached answer is never more permissive than a fresh verification):
 * - **only clean successes** are stored: a verification that throws stores nothing, and nothing about a
 *   failure is remembered (no negative caching), so the whole cache is bypassed for anything else;
 * - **keyed by a one-shot SHA-256 of the exact token** (`crypto.hash`): any changed byte (a tampered
 *   header, payload or signature) is another key, hence a miss and a fresh verification;
 * - **one cache per verifier configuration**: each {@link withTokenCache} call owns its own map, so a token
 *   verified under one issuer / audience / algorithm list is never an answer for another;
 * - **time claims re-checked on every hit**: an entry is used only while `now < exp` (no clock tolerance:
 *   stricter than the libraries) and `nbf <= now + tolerance`, and never past `maxTtlMs` after it was stored;
 * - **key-set epoch**: an entry also dies when the verifier's `epoch()` changes (the JWKS cache bumps it
 *   when a key set changes), so a token signed by a key removed at the issuer is not answered from here
 *   once the JWKS cache has seen the removal;
 * - **bounded**: at most `maxEntries` entries; the oldest is dropped first.
 *
 * Times: `exp` / `nbf` are NumericDate seconds (RFC 7519 §2); every option is in milliseconds unless named `...Seconds`.
 *
 * @module
 */
import { hash } from "node:crypto";

/** Tunables of {@link withTokenCache}; every field optional. */
export interface TokenCacheOptions {
  /** Most tokens kept; `0` switches the cache off. Default 10 000. */
  readonly maxEntries?: number;
  /** Longest an entry is used after it was stored, in ms, whatever its `exp`. Default 300 000 (5 min). */
  readonly maxTtlMs?: number;
  /** Seconds of clock tolerance for `nbf` (as the verifier uses). `exp` is always checked without tolerance. Default 0. */
  readonly clockToleranceSeconds?: number;
  /** Clock in ms since the epoch; injectable for tests. Default `Date.now`. */
  readonly now?: () => number;
}

/** What the cache needs to know about a verified value: its time claims, in NumericDate seconds. */
export interface TokenTimes {
  /** `exp` (a value without a numeric `exp` is not cached). */
  readonly exp?: unknown;
  /** `nbf`, if the token has one. */
  readonly nbf?: unknown;
}

/** How {@link withTokenCache} reads a verified value and tells when the keys behind it changed. */
export interface TokenCacheBinding<V> {
  /** The time claims of a verified value (usually its payload's `exp` and `nbf`). */
  readonly timesOf: (value: V) => TokenTimes;
  /**
   * A value that changes whenever a key that may have verified a cached token could have been removed
   * (e.g. {@link keySetEpoch} of the JWKS caches). Compared with `===`. Default: never changes.
   */
  readonly epoch?: () => unknown;
}

interface Entry<V> {
  readonly value: V;
  /** ms since the epoch after which the entry is not used: min(exp, stored + maxTtlMs). */
  readonly usableUntil: number;
  /** `nbf` in seconds, or `undefined`. */
  readonly nbf: number | undefined;
  readonly epoch: unknown;
}

/** A verifying function wrapped by {@link withTokenCache}, with its cache's size for tests and the bench. */
export interface CachedVerify<V> {
  (token: string): Promise<V>;
  /** Entries currently held. */
  readonly size: () => number;
}

const DEFAULTS = { maxEntries: 10_000, maxTtlMs: 300_000, clockToleranceSeconds: 0 } as const;

/**
 * Wrap `verify` with a verified-token cache (see the module docs for the rules).
 *
 * @param verify the fresh verification: resolves to the verified value, or throws; called on every miss.
 * @param binding how to read `exp` / `nbf` of a verified value, and the key-set epoch.
 * @param options sizes, maximum age and clock.
 * @returns a function with `verify`'s contract: it resolves to a value `verify` returned for this exact
 *   token (frozen: callers share it) or to what a fresh `verify` gives, and rejects exactly when a fresh
 *   `verify` rejects.
 */
export function withTokenCache<V>(verify: (token: string) => Promise<V>, binding: TokenCacheBinding<V>, options: TokenCacheOptions = {}): CachedVerify<V> {
  const maxEntries = options.maxEntries ?? DEFAULTS.maxEntries;
  const maxTtlMs = options.maxTtlMs ?? DEFAULTS.maxTtlMs;
  const toleranceSeconds = options.clockToleranceSeconds ?? DEFAULTS.clockToleranceSeconds;
  const now = options.now ?? (() => Date.now());
  const epochOf = binding.epoch ?? (() => undefined);
  const entries = new Map<string, Entry<V>>();

  async function cachedVerify(token: string): Promise<V> {
    if (maxEntries <= 0) return verify(token);
    const key = hash("sha256", token, "base64");
    const epoch = epochOf();
    const hit = entries.get(key);
    if (hit !== undefined) {
      const at = now();
      if (at < hit.usableUntil && hit.epoch === epoch && (hit.nbf === undefined || hit.nbf <= Math.floor(at / 1000) + toleranceSeconds)) return hit.value;
      entries.delete(key);
    }
    // A miss: verify afresh. Only a clean success reaches the code below.
    const value = await verify(token);
    const { exp, nbf } = binding.timesOf(value);
    if (typeof exp !== "number" || (nbf !== undefined && typeof nbf !== "number")) return value;
    const usableUntil = Math.min(exp * 1000, now() + maxTtlMs);
    if (usableUntil <= now()) return value;
    if (entries.size >= maxEntries) {
      const oldest = entries.keys().next();
      if (oldest.done !== true) entries.delete(oldest.value);
    }
    // `epoch` as read before verifying: a key set that changed meanwhile makes this entry unusable at once.
    entries.set(key, { value: freezeShallow(value), usableUntil, nbf, epoch });
    return value;
  }
  return Object.assign(cachedVerify, { size: () => entries.size });
}

/** Freeze a value and its direct object members (a principal, its claims and lists), so sharers cannot alter it. */
function freezeShallow<V>(value: V): V {
  if (typeof value !== "object" || value === null) return value;
  for (const member of Object.values(value)) if (typeof member === "object" && member !== null) Object.freeze(member);
  return Object.freeze(value);
}
