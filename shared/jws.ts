/**
 * Synchronous JWS signature checks on `node:crypto`, for the JWT verifiers.
 *
 * Why not a library call per token: jose verifies through WebCrypto, which hops to libuv's thread pool on
 * every call (2.5–5× the cost of the signature check itself, and the source of the warm path's tail
 * latency); aws-jwt-verify adds its own parsing on top. The signature maths stays in OpenSSL through
 * `node:crypto`'s one-shot `verify`; what is ours is the table below (which hash, padding and signature
 * encoding each `alg` means) and one imported `KeyObject` per cached JWK.
 *
 * Each `alg` is bound to one key type (checked again here, after the JWKS cache's `keyFitsAlg`), so a
 * key can never be used with an algorithm of another family (RFC 8725 §3.1). HMAC and `none` have no
 * entry: they can never verify.
 *
 * @see RFC 7518 §3.3 (RS*), §3.4 (ES*: R || S, fixed length), §3.5 (PS*: MGF1 with the same hash, salt
 *   length = hash length); RFC 8037 §3.1 (EdDSA); RFC 9864 (Ed25519 as a fully specified `alg`)
 * @module
 */
import { constants, createPublicKey, verify, type KeyObject } from "node:crypto";
import type { Jwk } from "./jwks/cache.ts";

/** How one `alg` verifies: digest (none for EdDSA), key type, RSA padding, ECDSA signature length in bytes. */
interface AlgorithmSpec {
  readonly hash: string | null;
  readonly keyType: "rsa" | "ec" | "ed25519" | "ed448";
  readonly pss?: true;
  readonly ecdsaBytes?: number;
  /** The JWK `crv` an ECDSA `alg` needs. */
  readonly crv?: string;
}

const RS = (hash: string): AlgorithmSpec => ({ hash, keyType: "rsa" });
const PS = (hash: string): AlgorithmSpec => ({ hash, keyType: "rsa", pss: true });
const ES = (hash: string, ecdsaBytes: number, crv: string): AlgorithmSpec => ({ hash, keyType: "ec", ecdsaBytes, crv });

/** Every `alg` a signature can be verified with; anything else (`none`, `HS*`, unknown) never verifies. */
const ALGORITHMS: Readonly<Record<string, AlgorithmSpec>> = {
  RS256: RS("sha256"), RS384: RS("sha384"), RS512: RS("sha512"),
  PS256: PS("sha256"), PS384: PS("sha384"), PS512: PS("sha512"),
  ES256: ES("sha256", 64, "P-256"), ES384: ES("sha384", 96, "P-384"), ES512: ES("sha512", 132, "P-521"),
  EdDSA: { hash: null, keyType: "ed25519" }, Ed25519: { hash: null, keyType: "ed25519" },
};

/** Smallest RSA modulus accepted, in bits (RFC 7518 §3.3). */
const MIN_RSA_MODULUS_BITS = 2048;

/** One imported key per cached JWK object (the JWKS cache freezes one object per key per fetch). */
const imported = new WeakMap<Jwk, KeyObject | null>();

/**
 * The public `KeyObject` for `jwk`, imported once and remembered.
 * @returns `undefined` when node:crypto cannot import it (bad members, a point off its curve), when it
 *   carries private material (`d`: node would quietly derive the public half), or when it is an RSA key
 *   under 2048 bits.
 */
export function publicKeyOf(jwk: Jwk): KeyObject | undefined {
  let key = imported.get(jwk);
  if (key === undefined) {
    key = "d" in jwk ? null : importPublicKey(jwk);
    imported.set(jwk, key);
  }
  return key ?? undefined;
}

/** `jwk` as a `KeyObject`, or `null` when node:crypto refuses it or it is an RSA key under 2048 bits. */
function importPublicKey(jwk: Jwk): KeyObject | null {
  try {
    const key = createPublicKey({ key: jwk, format: "jwk" });
    const bits = key.asymmetricKeyDetails?.modulusLength;
    return key.asymmetricKeyType === "rsa" && (bits === undefined || bits < MIN_RSA_MODULUS_BITS) ? null : key;
  } catch {
    return null;
  }
}

/**
 * Check the signature of a compact JWS (RFC 7515 §5.2 steps 7-8).
 * @param alg the protected header's `alg`, already checked against the configured allow-list.
 * @param signingInput `BASE64URL(header) "." BASE64URL(payload)` exactly as received (ASCII).
 * @param signature the decoded third segment.
 * @param jwk the key the JWKS cache chose for `kid` and `alg`.
 * @returns true only when `alg` is a known asymmetric algorithm, the key is of its type (and, for EdDSA,
 *   an Ed25519 or Ed448 key; for ECDSA, of its curve), an ECDSA signature has the exact R || S length,
 *   and OpenSSL verifies it.
 *   Never throws.
 */
export function signatureValid(alg: string, signingInput: string, signature: Buffer, jwk: Jwk): boolean {
  const spec = Object.hasOwn(ALGORITHMS, alg) ? ALGORITHMS[alg] : undefined;
  const key = publicKeyOf(jwk);
  if (spec === undefined || key === undefined) return false;
  const keyType = key.asymmetricKeyType;
  const typeFits = spec.keyType === "ed25519" ? keyType === "ed25519" || (alg === "EdDSA" && keyType === "ed448") : keyType === spec.keyType;
  if (!typeFits || (spec.crv !== undefined && jwk.crv !== spec.crv)) return false;
  if (spec.ecdsaBytes !== undefined && signature.length !== spec.ecdsaBytes) return false;
  try {
    return verify(
      spec.hash,
      Buffer.from(signingInput, "latin1"),
      spec.pss === true
        ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
        : spec.ecdsaBytes === undefined ? key : { key, dsaEncoding: "ieee-p1363" },
      signature,
    );
  } catch {
    return false;
  }
}
