/**
 * Signing keys made fresh for every test run, and a JWT signer over them.
 *
 * Nothing here is a fixture on disk: every run generates its own key pairs with jose, so no private
 * key is ever committed and no test depends on a key another test left behind.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import type { CryptoKey, JWK, JWTHeaderParameters, JWTPayload } from "jose";

/** The asymmetric JWS algorithms the tests sign with. */
export type SigningAlg = "RS256" | "ES256";

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
 * Generates an extractable key pair for `alg` (RSA 2048 for RS256, P-256 for ES256).
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
