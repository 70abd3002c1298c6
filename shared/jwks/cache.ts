/**
 * One JWKS cache per JWKS URI per process, shared by every JWT verifier (`shared/jwt.ts`).
 *
 * Behaviour, all times in milliseconds:
 * - **single-flight**: at most one fetch per URI is in flight; concurrent callers share it.
 * - **TTL** (`ttlMs`, default 10 min): a key set older than this is not used before a refetch has been tried,
 *   so a key removed at the issuer stops being trusted within `ttlMs` of its removal.
 * - **refresh ahead**: once a key set is `ttlMs - refreshAheadMs` old (default 9 min), the next lookup starts
 *   a refetch in the background and is answered from the cache: under steady traffic no request waits on
 *   the issuer when the cache is merely old.
 * - **stale-if-error**: when a refetch fails, the last good key set stays usable for `maxStaleMs` past its TTL.
 * - **snapshot**: a key set embedded at build time (`shared/jwks/snapshot.ts`, written by
 *   `scripts/snapshot-jwks.ts`) seeds the cache of its URI; it is used without any fetch, whatever its age,
 *   until an unknown `kid` causes a refetch (when the network allows; after a successful one the cache
 *   behaves as fetched). A snapshot older than {@link SNAPSHOT_WARN_AGE_MS} is logged as a warning at init.
 * - **epoch**: {@link keySetEpoch} changes whenever a cached key set changes, so caches built on verified
 *   keys (the verified-token cache) can drop what those keys vouched for.
 * - **unknown `kid`**: one refetch, then no other kid-miss refetch for `kidMissCooldownMs` (default 5 s),
 *   so a flood of random `kid`s cannot hammer the issuer, while a key that truly appears is picked up soon.
 * - **bounded**: `fetchTimeoutMs` (default 3 s, well inside the authorizer's budget), `maxResponseBytes`
 *   (default 256 KiB), at most `maxKeys` keys kept; RSA keys under 2048 bits, non-signature keys and keys
 *   node:crypto cannot import (each usable key is imported once, at fetch time) dropped.
 * - Only the configured URI is ever fetched: `jku`, `x5u`, `x5c` and embedded `jwk` headers are never used.
 *
 * @see RFC 7517 (JWK, JWKS), RFC 7515 §4.1.4 (`kid`)
 * @module
 */
import { AuthenticationError, ReasonCode } from "../errors.ts";
import { logger } from "../logging.ts";
import { keyFitsAlg, publicKeyOf } from "../jws.ts";
import { fetchJson, type JsonFetcher } from "./fetch.ts";
import { JWKS_SNAPSHOT } from "./snapshot.ts";

/** A public JSON Web Key (RFC 7517 §4); members beyond the typed ones are kept as they came. */
export interface Jwk {
  readonly kty: string;
  readonly kid?: string;
  readonly alg?: string;
  readonly use?: string;
  readonly key_ops?: readonly string[];
  readonly crv?: string;
  readonly n?: string;
  readonly e?: string;
  readonly x?: string;
  readonly y?: string;
  readonly [member: string]: unknown;
}

/** A JSON Web Key Set (RFC 7517 §5). */
export interface Jwks {
  readonly keys: readonly Jwk[];
}

/** Tunables of a {@link JwksCache}; every field optional, units in the names. */
export interface JwksCacheOptions {
  /** Age in ms after which a key set is refetched before use. Default 600 000 (10 min). */
  readonly ttlMs?: number;
  /** Ms before the TTL from which a lookup starts a background refetch (answered from the cache). Default 60 000. */
  readonly refreshAheadMs?: number;
  /** Ms past the TTL during which the last good key set is still used when refetching fails. Default 21 600 000 (6 h). */
  readonly maxStaleMs?: number;
  /** Ms after a fetch during which an unknown `kid` does not cause another fetch. Default 5000. */
  readonly kidMissCooldownMs?: number;
  /** Deadline of one fetch in ms. Default 3000. */
  readonly fetchTimeoutMs?: number;
  /** Largest JWKS response accepted, in bytes. Default 262 144. */
  readonly maxResponseBytes?: number;
  /** Most keys kept from one key set. Default 50. */
  readonly maxKeys?: number;
  /** Clock in ms since the epoch; injectable for tests. Default `Date.now`. */
  readonly now?: () => number;
  /** Transport; injectable for tests. Default {@link fetchJson} over node:https. */
  readonly fetcher?: JsonFetcher;
}

const DEFAULTS = {
  ttlMs: 600_000,
  refreshAheadMs: 60_000,
  maxStaleMs: 21_600_000,
  kidMissCooldownMs: 5_000,
  fetchTimeoutMs: 3_000,
  maxResponseBytes: 262_144,
  maxKeys: 50,
} as const;

/** A key set as cached: only usable public signature keys. */
function toUsableKeys(body: unknown, maxKeys: number): Jwk[] {
  if (typeof body !== "object" || body === null || !Array.isArray((body as { keys?: unknown }).keys)) {
    throw new Error("not a JWKS: no `keys` array");
  }
  const usable: Jwk[] = [];
  for (const candidate of (body as { keys: unknown[] }).keys) {
    if (usable.length >= maxKeys) break;
    if (typeof candidate !== "object" || candidate === null || Array.isArray(candidate)) continue;
    const jwk = candidate as Jwk;
    if (typeof jwk.kty !== "string" || (jwk.kid !== undefined && typeof jwk.kid !== "string")) continue;
    if (jwk.use !== undefined && jwk.use !== "sig") continue;
    if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes("verify"))) continue;
    if ("d" in jwk || jwk.kty === "oct") continue; // never accept private or symmetric key material
    const frozen = Object.freeze({ ...jwk });
    // Imported once here, at fetch time, not on the first token; a key node:crypto refuses, or an RSA key
    // under 2048 bits, is dropped (shared/jws.ts).
    if (publicKeyOf(frozen) === undefined) continue;
    usable.push(frozen);
  }
  return usable;
}

/** The JWKS of one URI. Create through {@link jwksCacheFor} so each URI has one per process. */
export class JwksCache {
  /** The JWKS location, as given. */
  readonly uri: URL;
  readonly #options: Required<Omit<JwksCacheOptions, "now" | "fetcher">>;
  readonly #now: () => number;
  readonly #fetcher: JsonFetcher;
  #keys: readonly Jwk[] | undefined;
  /** When the current key set was fetched (ms). */
  #fetchedAt = 0;
  /** When the last fetch started, successful or not (ms). */
  #attemptedAt = Number.NEGATIVE_INFINITY;
  #inFlight: Promise<void> | undefined;
  #fetchCount = 0;
  /** Keys came from a build-time snapshot: no TTL, refetch only on an unknown kid. */
  #snapshot = false;
  /** Fingerprint of the current key set, to tell a change from a refetch of the same keys. */
  #fingerprint = "";

  constructor(uri: URL, options: JwksCacheOptions = {}) {
    this.uri = uri;
    this.#options = {
      ttlMs: options.ttlMs ?? DEFAULTS.ttlMs,
      refreshAheadMs: options.refreshAheadMs ?? DEFAULTS.refreshAheadMs,
      maxStaleMs: options.maxStaleMs ?? DEFAULTS.maxStaleMs,
      kidMissCooldownMs: options.kidMissCooldownMs ?? DEFAULTS.kidMissCooldownMs,
      fetchTimeoutMs: options.fetchTimeoutMs ?? DEFAULTS.fetchTimeoutMs,
      maxResponseBytes: options.maxResponseBytes ?? DEFAULTS.maxResponseBytes,
      maxKeys: options.maxKeys ?? DEFAULTS.maxKeys,
    };
    this.#now = options.now ?? (() => Date.now());
    this.#fetcher = options.fetcher ?? fetchJson;
  }

  /** How many fetches this cache has started (for tests and the bench). */
  get fetchCount(): number {
    return this.#fetchCount;
  }

  /**
   * Start fetching now, without waiting and without failing: for module scope at init, so the fetch
   * overlaps the rest of the cold start. A failed warm-up is retried by the first request.
   */
  warm(): void {
    if (this.#keys === undefined) this.#refresh().catch(() => undefined);
  }

  /** Put a key set in the cache as if just fetched (tests, snapshots). @throws {Error} when `jwks` is not a JWKS */
  addJwks(jwks: unknown): void {
    this.#setKeys(toUsableKeys(jwks, this.#options.maxKeys));
    this.#snapshot = false;
  }

  /**
   * Seed the cache with a key set snapshotted at build time: used without fetching, whatever its age, until
   * an unknown `kid` causes a refetch. A failed refetch keeps the snapshot.
   * @param jwks the snapshotted JWKS (filtered like a fetched one).
   * @param takenAtMs when it was taken, ms since the epoch: only for the age warning.
   * @throws {Error} when `jwks` is not a JWKS
   */
  addSnapshot(jwks: unknown, takenAtMs: number): void {
    this.#setKeys(toUsableKeys(jwks, this.#options.maxKeys));
    this.#snapshot = true;
    const ageMs = this.#now() - takenAtMs;
    if (!(ageMs <= SNAPSHOT_WARN_AGE_MS)) {
      logger.warn("JWKS snapshot is old: rebuild with scripts/snapshot-jwks.ts, or clear it to fetch at run time", {
        jwksUri: this.uri.href,
        snapshotTakenAt: Number.isFinite(takenAtMs) ? new Date(takenAtMs).toISOString() : "unknown",
        ageDays: Number.isFinite(ageMs) ? Math.floor(ageMs / 86_400_000) : "unknown",
      });
    }
  }

  /** True while the keys come from a build-time snapshot (no successful fetch yet). */
  get fromSnapshot(): boolean {
    return this.#snapshot;
  }

  /** The cached key set, fetched first when there is none or it is past its TTL. @throws {AuthenticationError} `jwks_unavailable` */
  async getJwks(): Promise<Jwks> {
    return { keys: await this.#currentKeys() };
  }

  /** The key for `kid` and `alg` from the cache only, or `undefined` (no fetch; nothing from a key set past its TTL). */
  getCachedJwk(kid: string | undefined, alg: string): Jwk | undefined {
    if (this.#keys === undefined || (!this.#snapshot && this.#now() - this.#fetchedAt >= this.#options.ttlMs)) return undefined;
    return pick(this.#keys, kid, alg);
  }

  /**
   * The key that verifies a JWS with header `kid` and `alg`.
   *
   * A token without `kid` is matched only when exactly one key fits `alg`.
   * @throws {AuthenticationError} `unknown_kid` when no key fits, even after the allowed refetch;
   *   `jwks_unavailable` when no key set could be had at all.
   */
  async getJwk(kid: string | undefined, alg: string): Promise<Jwk> {
    const keys = await this.#currentKeys();
    const found = pick(keys, kid, alg);
    if (found !== undefined) return found;
    // A miss while a fetch is in flight waits for it (a rotated key must not 401 while it is being fetched);
    // otherwise it may start one refetch per cooldown.
    if (this.#inFlight !== undefined || this.#now() - this.#attemptedAt >= this.#options.kidMissCooldownMs) {
      try {
        await this.#refresh();
      } catch {
        // The endpoint failed: the cached keys stand, and the kid is still unknown.
      }
      const refetched = this.#keys === undefined ? undefined : pick(this.#keys, kid, alg);
      if (refetched !== undefined) return refetched;
    }
    throw new AuthenticationError(ReasonCode.unknownKid, "no key in the JWKS matches the token's kid and alg");
  }

  async #currentKeys(): Promise<readonly Jwk[]> {
    if (this.#keys !== undefined && this.#snapshot) return this.#keys;
    const now = this.#now();
    const age = now - this.#fetchedAt;
    if (this.#keys !== undefined && age < this.#options.ttlMs) {
      // Old but not expired: refresh in the background (at most one attempt per cooldown), answer now.
      if (age >= this.#options.ttlMs - this.#options.refreshAheadMs && this.#inFlight === undefined && now - this.#attemptedAt >= this.#options.kidMissCooldownMs) {
        this.#refresh().catch(() => undefined);
      }
      return this.#keys;
    }
    const usableStale = this.#keys !== undefined && age < this.#options.ttlMs + this.#options.maxStaleMs;
    // A refetch failed moments ago: serve the stale set instead of making every request wait on the issuer.
    const lastAttemptFailed = this.#attemptedAt > this.#fetchedAt;
    if (usableStale && lastAttemptFailed && this.#inFlight === undefined && now - this.#attemptedAt < this.#options.kidMissCooldownMs) return this.#keys as readonly Jwk[];
    try {
      await this.#refresh();
    } catch (error) {
      if (!usableStale) throw new AuthenticationError(ReasonCode.jwksUnavailable, "the JWKS could not be fetched", { cause: error });
    }
    if (this.#keys === undefined) throw new AuthenticationError(ReasonCode.jwksUnavailable, "the JWKS could not be fetched");
    return this.#keys;
  }

  /** Fetch the key set, sharing a fetch already in flight. */
  #refresh(): Promise<void> {
    this.#inFlight ??= this.#fetchOnce().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #fetchOnce(): Promise<void> {
    this.#attemptedAt = this.#now();
    this.#fetchCount += 1;
    const body = await this.#fetcher(this.uri, { timeoutMs: this.#options.fetchTimeoutMs, maxBytes: this.#options.maxResponseBytes });
    this.#setKeys(toUsableKeys(body, this.#options.maxKeys));
    this.#snapshot = false;
  }

  #setKeys(keys: readonly Jwk[]): void {
    const fingerprint = JSON.stringify(keys);
    if (fingerprint !== this.#fingerprint) {
      this.#fingerprint = fingerprint;
      epoch += 1;
    }
    this.#keys = keys;
    this.#fetchedAt = this.#now();
  }
}

/** A snapshot older than this (7 days, in ms) is logged as a warning when it seeds a cache. */
export const SNAPSHOT_WARN_AGE_MS = 7 * 86_400_000;

/** Bumped whenever any cache's key set changes (keys added, changed or removed). */
let epoch = 0;

/**
 * The process-wide key-set epoch: a number that changes whenever any {@link JwksCache}'s key set changes.
 * The verified-token cache stores it with each entry and drops entries from an older epoch.
 */
export function keySetEpoch(): number {
  return epoch;
}

function pick(keys: readonly Jwk[], kid: string | undefined, alg: string): Jwk | undefined {
  if (kid !== undefined) return keys.find((jwk) => jwk.kid === kid && keyFitsAlg(jwk, alg));
  const fitting = keys.filter((jwk) => keyFitsAlg(jwk, alg));
  return fitting.length === 1 ? fitting[0] : undefined;
}

const caches = new Map<string, JwksCache>();

/**
 * The process-wide cache for `uri`, created with `options` on first use (later options are ignored:
 * the first configuration of a URI wins, so two verifiers of one issuer share one cache).
 */
export function jwksCacheFor(uri: URL, options?: JwksCacheOptions): JwksCache {
  let cache = caches.get(uri.href);
  if (cache === undefined) {
    cache = new JwksCache(uri, options);
    caches.set(uri.href, cache);
    const snapshot = JWKS_SNAPSHOT?.jwks[uri.href];
    if (snapshot !== undefined) cache.addSnapshot(snapshot, Date.parse(JWKS_SNAPSHOT?.takenAt ?? ""));
  }
  return cache;
}
