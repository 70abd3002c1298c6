/**
 * Synchronous JWS signature checks on `node:crypto`, for the JWT verifiers.
 *
 * Why not a library call per token: jose verifies through WebCrypto, which hops to libuv's thread pool on
 * every call (2.5–5× the cost of the signature check itself, and the source of the warm path's tail
 * latency); aws-jwt-verify adds its own parsing on top. The signature maths stays in OpenSSL through
 * `node:crypto`'s one-shot `verify`; what is ours is the table below (which hash, padding and signature
 * encoding each `alg` means) and one imported `KeyObject` per cached JWK.
 *
 * Each `alg` is bound to one key type and curve, in one table: the JWKS cache picks keys with
 * {@link keyFitsAlg}, and the type is checked again before each signature, so a key can never be used
 * with an algorithm of another family (RFC 8725 §3.1). HMAC and `none` have no entry: they never verify.
 *
 * @see RFC 7518 §3.3 (RS*), §3.4 (ES*: R || S, fixed length), §3.5 (PS*: MGF1 with the same hash, salt
 *   length = hash length); RFC 8037 §3.1 (EdDSA); RFC 9864 (Ed25519 as a fully specified `alg`)
 * @module
 */
import { constants, createPublicKey, verify, type KeyObject } from "node:crypto";
import type { Jwk } from "./jwks/cache.ts";

/** How one `alg` verifies: digest (none for EdDSA), JWK key type and curves, RSA padding, ECDSA signature length in bytes. */
interface AlgorithmSpec {
  readonly hash: string | null;
  readonly kty: "RSA" | "EC" | "OKP";
  /** The JWK `crv` values the `alg` accepts (EC and OKP). */
  readonly crv?: readonly string[];
  readonly pss?: true;
  readonly ecdsaBytes?: number;
}

const RS = (hash: string): AlgorithmSpec => ({ hash, kty: "RSA" });
const PS = (hash: string): AlgorithmSpec => ({ hash, kty: "RSA", pss: true });
const ES = (hash: string, ecdsaBytes: number, crv: string): AlgorithmSpec => ({ hash, kty: "EC", crv: [crv], ecdsaBytes });

/**
 * Every `alg` a signature can be verified with, and the key it needs (RFC 7518 §3.1, RFC 8037 §3.1);
 * anything else (`none`, `HS*`, unknown) never verifies and fits no key.
 */
const ALGORITHMS: Readonly<Record<string, AlgorithmSpec>> = {
  RS256: RS("sha256"), RS384: RS("sha384"), RS512: RS("sha512"),
  PS256: PS("sha256"), PS384: PS("sha384"), PS512: PS("sha512"),
  ES256: ES("sha256", 64, "P-256"), ES384: ES("sha384", 96, "P-384"), ES512: ES("sha512", 132, "P-521"),
  EdDSA: { hash: null, kty: "OKP", crv: ["Ed25519", "Ed448"] }, Ed25519: { hash: null, kty: "OKP", crv: ["Ed25519"] },
};

const specOf = (alg: string): AlgorithmSpec | undefined => (Object.hasOwn(ALGORITHMS, alg) ? ALGORITHMS[alg] : undefined);

/** True when `jwk` is of the key type (and curve) `spec` needs. */
function typeFits(spec: AlgorithmSpec, jwk: Jwk): boolean {
  return jwk.kty === spec.kty && (spec.crv === undefined || (jwk.crv !== undefined && spec.crv.includes(jwk.crv)));
}

/**
 * True when `jwk` may verify a JWS signed with `alg`: its `kty` (and `crv`) are the ones `alg` needs, and its
 * own `alg`, when it has one, is `alg`. The JWKS cache picks keys with it.
 */
export function keyFitsAlg(jwk: Jwk, alg: string): boolean {
  const spec = specOf(alg);
  return spec !== undefined && typeFits(spec, jwk) && (jwk.alg === undefined || jwk.alg === alg);
}

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
 * @returns true only when `alg` is a known asymmetric algorithm, the key is of its type (for EdDSA an
 *   Ed25519 or Ed448 key; for ECDSA its curve), an ECDSA signature has the exact R || S length, and
 *   OpenSSL verifies it.
 *   Never throws.
 */
export function signatureValid(alg: string, signingInput: string, signature: Buffer, jwk: Jwk): boolean {
  const spec = specOf(alg);
  const key = publicKeyOf(jwk);
  // The key object was imported from this very JWK, so its type and curve are the JWK's `kty` and `crv`.
  if (spec === undefined || key === undefined || !typeFits(spec, jwk)) return false;
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
