/**
 * API key format and secret hashing.
 *
 * A key is `<prefix>_<keyId>_<secret>`, e.g. `ak_3f9c2a7d1b6e4c8f0a5d2e71_Jx2...` (one string to copy):
 * - `prefix`: a short fixed tag (`API_KEY_PREFIX`, default `ak`) so secret scanners and people recognise the key;
 * - `keyId`: public, the keys table's partition key: one `GetItem` finds the item (shared/store/keys.ts);
 * - `secret`: 32 bytes from `node:crypto` `randomBytes`, base64url (43 characters, may itself contain `_`).
 *
 * **Why plain SHA-256 is the right hash here.** The table stores `SHA-256(secret)`, never the secret. Slow
 * password hashes (scrypt, bcrypt, Argon2) exist to make guessing *low-entropy* human passwords expensive;
 * a 256-bit random secret cannot be guessed, hashed fast or slow, and a preimage of SHA-256 is out of reach.
 * A slow hash would only add tens of milliseconds of CPU to every authorizer call. A leaked table therefore
 * yields no usable key. The comparison is constant-time on the two 32-byte digests (`timingSafeEqual`),
 * so response timing reveals nothing about how much of a guess matched.
 *
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { KEY_ID_PATTERN, newKeyId, newSecret } from "#shared/store/keys";

/** Allowed key prefixes: a lower-case letter, then up to 15 lower-case letters or digits. */
export const PREFIX_PATTERN = /^[a-z][a-z0-9]{0,15}$/;

/** Secrets accepted when parsing: base64url, 32-128 characters (the tools make 43). */
const SECRET_PATTERN = /^[A-Za-z0-9_-]{32,128}$/;

/** The parts of an API key. `secret` is secret: never log it. */
export interface ApiKeyParts {
  readonly keyId: string;
  readonly secret: string;
}

/** A freshly made key: the full key (show once), its id and the hash to store. */
export interface NewApiKey extends ApiKeyParts {
  /** `<prefix>_<keyId>_<secret>`: give this to the caller, once. */
  readonly apiKey: string;
  /** Hex SHA-256 of `secret`: the only form stored. */
  readonly secretHash: string;
}

/** Hex SHA-256 of `secret` (64 lower-case hex digits). */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Constant-time check that `secret` hashes to `secretHash` (hex SHA-256). */
export function secretMatches(secret: string, secretHash: string): boolean {
  const expected = Buffer.from(secretHash, "hex");
  const actual = createHash("sha256").update(secret, "utf8").digest();
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}

/**
 * Split `value` into key id and secret.
 * @returns the parts, or `undefined` when `value` is not `<prefix>_<keyId>_<secret>` with this prefix.
 */
export function parseApiKey(value: string, prefix: string): ApiKeyParts | undefined {
  if (!value.startsWith(`${prefix}_`)) return undefined;
  const rest = value.slice(prefix.length + 1);
  const separator = rest.indexOf("_");
  if (separator === -1) return undefined;
  const keyId = rest.slice(0, separator);
  const secret = rest.slice(separator + 1);
  if (!KEY_ID_PATTERN.test(keyId) || !SECRET_PATTERN.test(secret)) return undefined;
  return { keyId, secret };
}

/**
 * Make a new API key with `prefix`.
 * @throws {TypeError} when `prefix` does not match {@link PREFIX_PATTERN}.
 */
export function generateApiKey(prefix: string): NewApiKey {
  if (!PREFIX_PATTERN.test(prefix)) throw new TypeError(`API key prefix "${prefix}" must match ${String(PREFIX_PATTERN)}`);
  const keyId = newKeyId();
  const secret = newSecret();
  return { keyId, secret, apiKey: `${prefix}_${keyId}_${secret}`, secretHash: hashSecret(secret) };
}
