/**
 * Hand-made JWS for the attack catalogue: exact header and payload bytes (duplicate members, raw non-UTF-8
 * bytes, numbers JSON.stringify cannot write), signed with node:crypto so that keys and algorithms a JOSE
 * library would refuse to sign with (RSA 1024, HMAC over a public key) can still be used.
 *
 * @module
 */
import { createHmac, generateKeyPairSync, KeyObject, sign } from "node:crypto";
import type { JWK } from "jose";
import type { TestKeyPair } from "../helpers/keys.ts";

/** Header or payload: an object (serialised with JSON.stringify), exact JSON text, or exact bytes. */
export type Part = Record<string, unknown> | string | Buffer;

/** base64url of a part's bytes. */
export function encodePart(part: Part): string {
  if (Buffer.isBuffer(part)) return part.toString("base64url");
  return Buffer.from(typeof part === "string" ? part : JSON.stringify(part), "utf8").toString("base64url");
}

/** A signer: the JWS signature bytes over the signing input `<header>.<payload>`. */
export type Signer = (signingInput: string) => Buffer;

/** `<header>.<payload>.<signature>` with `signer`'s signature (an empty signature segment without one). */
export function compact(header: Part, payload: Part, signer?: Signer): string {
  const input = `${encodePart(header)}.${encodePart(payload)}`;
  return `${input}.${signer === undefined ? "" : signer(input).toString("base64url")}`;
}

const HASH_OF: Record<string, string> = { "256": "sha256", "384": "sha384", "512": "sha512" };

/** A node:crypto private key from a test key pair (jose's CryptoKey) or a KeyObject. */
function privateKeyOf(key: TestKeyPair | KeyObject): KeyObject {
  return key instanceof KeyObject ? key : KeyObject.from(key.privateKey);
}

/** Sign as `alg` (RS*, ES*; ECDSA as JOSE's fixed-length r || s) with `key`'s private key. */
export function asymmetricSigner(key: TestKeyPair | KeyObject, alg: string): Signer {
  const hash = HASH_OF[alg.slice(2)];
  if (hash === undefined) throw new Error(`no hash for ${alg}`);
  const privateKey = privateKeyOf(key);
  return (input) => (alg.startsWith("ES") ? sign(hash, Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" }) : sign(hash, Buffer.from(input), privateKey));
}

/** An ECDSA signature of `alg` DER-encoded (what OpenSSL emits by default), not JOSE's r || s. */
export function derEcdsaSigner(key: TestKeyPair, alg: string): Signer {
  const hash = HASH_OF[alg.slice(2)] ?? "sha256";
  const privateKey = privateKeyOf(key);
  return (input) => sign(hash, Buffer.from(input), { key: privateKey, dsaEncoding: "der" });
}

/** HS256/384/512 with `secret` as the HMAC key (the classic RS256 → HS256 key-confusion forgery). */
export function hmacSigner(alg: "HS256" | "HS384" | "HS512", secret: Buffer): Signer {
  const hash = HASH_OF[alg.slice(2)] as string;
  return (input) => createHmac(hash, secret).update(input).digest();
}

/** Always the same bytes, whatever the input (zeros, truncated signatures). */
export function fixedSigner(bytes: Buffer): Signer {
  return () => bytes;
}

/** A 1024-bit RSA key pair (node:crypto; jose refuses to make or use one) and its public JWK with `kid`. */
export function weakRsaKey(kid: string): { privateKey: KeyObject; publicJwk: JWK } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
  const jwk: JWK = publicKey.export({ format: "jwk" });
  return { privateKey, publicJwk: { ...jwk, kid, alg: "RS256", use: "sig" } };
}

/** The public key of `pair` as SPKI PEM text: what an attacker downloads and uses as an HMAC secret. */
export function publicPem(pair: TestKeyPair): string {
  return KeyObject.from(pair.publicKey).export({ type: "spki", format: "pem" }) as string;
}

/** The private key of `pair` as PKCS#8 PEM text (for certificate tooling). */
export function privatePem(pair: TestKeyPair): string {
  return KeyObject.from(pair.privateKey).export({ type: "pkcs8", format: "pem" }) as string;
}
