/**
 * Signing keys made fresh for every test run, and a JWT signer over them.
 *
 * Nothing here is a fixture on disk: every run generates its own key pairs with jose, so no private
 * key is ever committed and no test depends on a key another test left behind.
 *
 * @module
 */
import { constants, KeyObject, randomUUID, sign } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import type { CryptoKey, JWK, JWTHeaderParameters, JWTPayload } from "jose";

/** The asymmetric JWS algorithms the tests sign with (`EdDSA` and `Ed25519`: an Ed25519 key). */
export type SigningAlg = "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" | "ES256" | "ES384" | "ES512" | "EdDSA" | "Ed25519";

/** A key pair with the identifiers a JWKS publishes for it. */
export interface TestKeyPair {
  /** JWS algorithm the pair signs with (`alg` in the JWK and in token headers). */
  readonly alg: SigningAlg;
  /** Key id, published as `kid` in the JWK and put in token headers by {@link signJwt}. */
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  /** Public JWK with `kid`, `alg` and `use: "sig"`: what a JWKS endpoint serves. */
  readonly publicJwk: JWK;
  /** Private JWK with `kid`, `alg` and `use: "sig"`: what an issuer (e.g. oidc-provider's `jwks`) is configured with. */
  readonly privateJwk: JWK;
}

/** A JSON Web Key Set document (RFC 7517 §5). */
export interface Jwks {
  keys: JWK[];
}

/**
 * Generates an extractable key pair for `alg` (RSA 2048 for RS* and PS*, P-256 / P-384 / P-521 for
 * ES256 / ES384 / ES512, Ed25519 for EdDSA and Ed25519).
 *
 * @param alg JWS algorithm; default `RS256`.
 * @param kid key id; default a random `test-<uuid>`.
 * @returns the pair and its public and private JWKs, each carrying `kid`, `alg` and `use`.
 */
export async function createKeyPair(alg: SigningAlg = "RS256", kid = `test-${randomUUID()}`): Promise<TestKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const meta = { kid, alg, use: "sig" };
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), ...meta };
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), ...meta };
  return { alg, kid, privateKey, publicKey, publicJwk, privateJwk };
}

/**
 * Builds the JWKS document that publishes the public halves of `pairs`, in order.
 *
 * @param pairs key pairs from {@link createKeyPair}.
 * @returns `{ keys: [publicJwk, ...] }`.
 */
export function toJwks(...pairs: readonly TestKeyPair[]): Jwks {
  return { keys: pairs.map((pair) => ({ ...pair.publicJwk })) };
}

/** Options of {@link signJwt}. */
export interface SignJwtOptions {
  /** The pair whose private key signs. */
  key: TestKeyPair;
  /** `kid` header; default `key.kid`. `null` leaves the header without a `kid`. */
  kid?: string | null;
  /** `alg` header and signing algorithm; default `key.alg`. */
  alg?: string;
  /** Extra or overriding protected-header parameters (e.g. `typ: "at+jwt"`), applied last. */
  header?: Partial<JWTHeaderParameters>;
}

/**
 * Signs `claims` as a compact JWS (a JWT), exactly as given: no `iat`, `exp` or other claim is added,
 * so tests can build expired, not-yet-valid or claim-less tokens.
 *
 * @param claims the JWT payload; times are in seconds since the epoch (RFC 7519 §2 NumericDate).
 * @param options signing key, and `kid`/`alg`/header overrides.
 * @returns the compact serialisation `header.payload.signature`.
 * @throws jose's `JOSENotSupported` / `TypeError` when `alg` does not fit the key.
 */
export async function signJwt(claims: JWTPayload, options: SignJwtOptions): Promise<string> {
  const { key, header = {} } = options;
  const alg = options.alg ?? key.alg;
  const kid = options.kid === undefined ? key.kid : options.kid;
  const protectedHeader: JWTHeaderParameters = { alg, ...(kid === null ? {} : { kid }), ...header };
  return new SignJWT(claims).setProtectedHeader(protectedHeader).sign(key.privateKey);
}

/** Current time in whole seconds since the epoch, the unit of `iat`, `exp`, `nbf` and `auth_time`. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Hash, RSA padding and ECDSA encoding node:crypto needs for each JWS `alg` (RFC 7518 §3, RFC 8037 §3.1). */
const NODE_SIGNING: Readonly<Record<string, { hash: string | null; pss?: true; ecdsa?: true }>> = {
  RS256: { hash: "sha256" }, RS384: { hash: "sha384" }, RS512: { hash: "sha512" },
  PS256: { hash: "sha256", pss: true }, PS384: { hash: "sha384", pss: true }, PS512: { hash: "sha512", pss: true },
  ES256: { hash: "sha256", ecdsa: true }, ES384: { hash: "sha384", ecdsa: true }, ES512: { hash: "sha512", ecdsa: true },
  EdDSA: { hash: null }, Ed25519: { hash: null },
};

/**
 * Signs a JWS signing input with node:crypto, synchronously (no jose, no claim handling): for property
 * tests that build thousands of tokens, header and payload bytes exactly as the test wrote them.
 *
 * @param signingInput `BASE64URL(header) "." BASE64URL(payload)`.
 * @param key the pair whose private key signs.
 * @param alg how to sign; default `key.alg`. ECDSA signatures are in JOSE form (R || S) unless `ecdsaDer`.
 * @param ecdsaDer for ECDSA `alg`s, produce a DER signature instead (a malformed JWS signature).
 * @returns the signature, base64url.
 * @throws {Error} for an `alg` without a rule here (HMAC, `none`, unknown ones), or one node:crypto cannot
 *   sign with this key. A key of another type may still sign (an RSA key asked for ES256 gives an
 *   RSASSA-PKCS1-v1_5 signature): tests use that to build mismatched tokens.
 */
export function signSigningInput(signingInput: string, key: TestKeyPair, alg: string = key.alg, ecdsaDer = false): string {
  const spec = NODE_SIGNING[alg];
  if (spec === undefined) throw new Error(`signSigningInput: no signing rule for alg ${alg}`);
  const privateKey = KeyObject.from(key.privateKey);
  const signingKey = spec.pss === true
    ? { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
    : spec.ecdsa === true ? { key: privateKey, dsaEncoding: ecdsaDer ? "der" as const : "ieee-p1363" as const } : privateKey;
  return sign(spec.hash, Buffer.from(signingInput), signingKey).toString("base64url");
}
