/**
 * The attack catalogue: one named case per known attack on a JWT authorizer, each with the exact outcome
 * every token scheme must give. `catalogue.test.ts` runs them against the built bundles and writes the
 * README table from what actually happened.
 *
 * Tokens are forged by hand (./forge.ts) so that the header and payload bytes are exactly the attack's.
 * "Signed by the issuer" means with the issuer's real private key: the attack then lies in the token's
 * shape, not in its signature, and only the shape can make it fail.
 *
 * @module
 */
import type { KeyObject } from "node:crypto";
import type { JWK } from "jose";
import type { JwksServer } from "../helpers/jwks-server.ts";
import type { TestKeyPair } from "../helpers/keys.ts";
import { asymmetricSigner, compact, derEcdsaSigner, fixedSigner, hmacSigner, publicPem, type Part, type Signer } from "./forge.ts";

/** One issuer's keys as the JWKS server publishes them. */
export interface IssuerKeys {
  /** The RS256 signing key. */
  readonly rsa: TestKeyPair;
  /** The ES256 signing key (published too: ECDSA attacks need a curve key to aim at). */
  readonly ec: TestKeyPair;
  /** A 1024-bit RSA key published with a `kid` (the cache must drop it). */
  readonly weak: { readonly privateKey: KeyObject; readonly publicJwk: JWK };
  readonly server: JwksServer;
}

/** One bundle under attack, with what a valid token for it looks like. */
export interface Target {
  /** Name in the table: `oidc`, `cognito`, `multi-issuer (oidc)`, `multi-issuer (cognito)`, `combined (jwt)`. */
  readonly name: string;
  readonly family: "oidc" | "cognito";
  /** The `token_use` a Cognito target requires. */
  readonly tokenUse?: "access" | "id";
  /** The exact `iss` it trusts. */
  readonly issuer: string;
  readonly keys: IssuerKeys;
  /** Claims of a valid token, with `overrides` applied (`undefined` removes a claim). */
  claims(overrides?: Record<string, unknown>): Record<string, unknown>;
}

/** What decides whether an attack applies: the scheme family and, for Cognito, the required `token_use`. */
export type TargetKind = Pick<Target, "family" | "tokenUse">;

/** The attacker's own material. */
export interface Attacker {
  /** A 2048-bit RSA key the issuer never published. */
  readonly key: TestKeyPair;
  /** A self-signed certificate for `key`, base64 DER (an `x5c` entry). */
  readonly certificateDer: string;
  /** The attacker's web server (counts every request it gets). */
  readonly origin: string;
}

/** How the credential reaches the authorizer. */
export type Delivery =
  /** `authorizationToken` of a REST TOKEN event is `Bearer <token>`. */
  | { readonly token: string }
  /** `authorizationToken` of a REST TOKEN event is exactly this. */
  | { readonly authorizationToken: string }
  /** The `Authorization` header of a REST REQUEST event is exactly this. */
  | { readonly authorizationHeader: string };

/** What must happen. */
export type Expected = { readonly verdict: "401"; readonly reason: string } | { readonly verdict: "Allow" };

/** One catalogue entry. */
export interface Attack {
  /** The row name in the table. */
  readonly name: string;
  /** Which targets it applies to (default: all). */
  readonly appliesTo?: (target: TargetKind) => boolean;
  /** Build the credential for `target`. */
  readonly deliver: (target: Target, attacker: Attacker) => Delivery | Promise<Delivery>;
  /** The outcome `target` must give. */
  readonly expect: Expected | ((target: Target) => Expected);
  /** Attacks whose proof includes "the attacker's server got no request". */
  readonly attackerServerUntouched?: boolean;
}

const unauthorized = (reason: string): Expected => ({ verdict: "401", reason });

/** The issuer's RS256 header, with `extra` members. */
function rsHeader(target: Target, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { alg: "RS256", typ: "JWT", kid: target.keys.rsa.kid, ...extra };
}

/** Signed by the issuer's real RS256 key. */
function byIssuer(target: Target): Signer {
  return asymmetricSigner(target.keys.rsa, "RS256");
}

/** A valid token's JSON text with `raw` members (exact JSON text) added and `drop` claims removed. */
function claimsText(target: Target, raw: string, drop: readonly string[] = []): string {
  const claims = target.claims(Object.fromEntries(drop.map((name) => [name, undefined])));
  return `${JSON.stringify(claims).slice(0, -1)},${raw}}`;
}

/** A valid token for `target`, signed by its issuer, with claim overrides. */
function issuerToken(target: Target, overrides: Record<string, unknown> = {}, header: Record<string, unknown> = {}): string {
  return compact(rsHeader(target, header), target.claims(overrides), byIssuer(target));
}

/** A token with the issuer's `kid`, signed by the attacker (a forgery that only a wrong check accepts). */
function attackerToken(target: Target, attacker: Attacker, payload: Part, header: Record<string, unknown> = {}): string {
  return compact(rsHeader(target, header), payload, asymmetricSigner(attacker.key, "RS256"));
}

/** `n` levels of nested arrays: `[[[...]]]`. */
function nested(levels: number): string {
  return `${"[".repeat(levels)}${"]".repeat(levels)}`;
}

const isCognito = (target: TargetKind): boolean => target.family === "cognito";
/** RS256 only for Cognito (it signs with nothing else): any other alg is refused before a key is looked up. */
const ecdsaOutcome = (target: Target): Expected => (isCognito(target) ? unauthorized("algorithm_not_allowed") : unauthorized("bad_signature"));

const HMAC_ALGS = ["HS256", "HS384", "HS512"] as const;

/** The catalogue, in table order. */
export const ATTACKS: readonly Attack[] = [
  {
    name: "control: a valid token (proves the set-up accepts what it should)",
    deliver: (target) => ({ token: issuerToken(target) }),
    expect: { verdict: "Allow" },
  },

  // Algorithm confusion
  ...["none", "None", "NONE", "nOnE"].map((alg): Attack => ({
    name: `\`alg: ${alg}\`, no signature`,
    deliver: (target) => ({ token: compact({ alg, typ: "JWT", kid: target.keys.rsa.kid }, target.claims()) }),
    expect: unauthorized("algorithm_not_allowed"),
  })),
  ...HMAC_ALGS.flatMap((alg) => (["PEM", "JWK"] as const).map((form): Attack => ({
    name: `${alg} signed with the issuer's public key (${form} form) as the secret`,
    deliver: (target) => {
      const secret = form === "PEM" ? Buffer.from(publicPem(target.keys.rsa)) : Buffer.from(JSON.stringify(target.keys.rsa.publicJwk));
      return { token: compact({ alg, typ: "JWT", kid: target.keys.rsa.kid }, target.claims(), hmacSigner(alg, secret)) };
    },
    expect: unauthorized("algorithm_not_allowed"),
  }))),

  // Signatures
  {
    name: "signature stripped (`header.payload.`)",
    deliver: (target) => ({ token: `${issuerToken(target).split(".").slice(0, 2).join(".")}.` }),
    // An empty third segment is well-formed base64url; the empty signature fails (as jose answers too).
    expect: unauthorized("bad_signature"),
  },
  {
    name: "signature from another key under the issuer's `kid`",
    deliver: (target, attacker) => ({ token: attackerToken(target, attacker, target.claims()) }),
    expect: unauthorized("bad_signature"),
  },
  {
    name: "ECDSA signature of all zeros (r = s = 0)",
    deliver: (target) => ({ token: compact({ alg: "ES256", typ: "JWT", kid: target.keys.ec.kid }, target.claims(), fixedSigner(Buffer.alloc(64))) }),
    expect: ecdsaOutcome,
  },
  {
    name: "ECDSA signature of the wrong length (valid signature, DER-encoded)",
    deliver: (target) => ({ token: compact({ alg: "ES256", typ: "JWT", kid: target.keys.ec.kid }, target.claims(), derEcdsaSigner(target.keys.ec, "ES256")) }),
    expect: ecdsaOutcome,
  },
  {
    name: "ECDSA signature of the wrong length (valid signature, last byte cut)",
    deliver: (target) => {
      const signer = asymmetricSigner(target.keys.ec, "ES256");
      return { token: compact({ alg: "ES256", typ: "JWT", kid: target.keys.ec.kid }, target.claims(), (input) => signer(input).subarray(0, 63)) };
    },
    expect: ecdsaOutcome,
  },
  {
    name: "RSA key under 2048 bits in the JWKS (1024-bit key published with a `kid`, token signed with it)",
    deliver: (target) => ({ token: compact({ alg: "RS256", typ: "JWT", kid: target.keys.weak.publicJwk.kid }, target.claims(), asymmetricSigner(target.keys.weak.privateKey, "RS256")) }),
    expect: unauthorized("unknown_kid"),
  },

  // kid injection
  ...([
    ["path traversal", "../../etc/passwd"],
    ["SQL", "' OR 1=1--"],
    ["a 10 KB string", "k".repeat(10_240)],
  ] as const).map(([what, kid]): Attack => ({
    name: `\`kid\` with ${what}`,
    deliver: (target, attacker) => ({ token: attackerToken(target, attacker, target.claims(), { kid }) }),
    expect: unauthorized("unknown_kid"),
  })),

  // Keys named by the token
  {
    name: "`jku` pointing at the attacker's JWKS",
    deliver: (target, attacker) => ({ token: attackerToken(target, attacker, target.claims(), { kid: attacker.key.kid, jku: `${attacker.origin}/jwks.json` }) }),
    expect: unauthorized("unknown_kid"),
    attackerServerUntouched: true,
  },
  {
    name: "`x5u` pointing at the attacker's certificate",
    deliver: (target, attacker) => ({ token: attackerToken(target, attacker, target.claims(), { kid: attacker.key.kid, x5u: `${attacker.origin}/cert.pem` }) }),
    expect: unauthorized("unknown_kid"),
    attackerServerUntouched: true,
  },
  {
    name: "embedded `jwk` with the attacker's key",
    deliver: (target, attacker) => ({ token: attackerToken(target, attacker, target.claims(), { kid: attacker.key.kid, jwk: attacker.key.publicJwk }) }),
    expect: unauthorized("unknown_kid"),
  },
  {
    name: "embedded `jwk` with the attacker's key, under the issuer's `kid`",
    deliver: (target, attacker) => ({ token: attackerToken(target, attacker, target.claims(), { jwk: attacker.key.publicJwk }) }),
    expect: unauthorized("bad_signature"),
  },
  {
    name: "`x5c` with the attacker's self-signed certificate",
    deliver: (target, attacker) => ({ token: attackerToken(target, attacker, target.claims(), { kid: attacker.key.kid, x5c: [attacker.certificateDer] }) }),
    expect: unauthorized("unknown_kid"),
  },

  // Header extensions and other serialisations (signed by the issuer: only the shape is wrong)
  {
    name: "unknown `crit` extension (signed by the issuer)",
    deliver: (target) => ({ token: issuerToken(target, {}, { crit: ["https://attacker.example/ext"], "https://attacker.example/ext": true }) }),
    expect: unauthorized("malformed_token"),
  },
  {
    name: "`b64: false` (RFC 7797, in `crit`; signed by the issuer)",
    deliver: (target) => ({ token: issuerToken(target, {}, { b64: false, crit: ["b64"] }) }),
    expect: unauthorized("malformed_token"),
  },
  {
    name: "JWE (5 segments)",
    deliver: (target) => {
      const parts = [{ alg: "RSA-OAEP-256", enc: "A256GCM", kid: target.keys.rsa.kid }, "key", "iv", JSON.stringify(target.claims()), "tag"];
      return { token: parts.map((part) => Buffer.from(typeof part === "string" ? part : JSON.stringify(part)).toString("base64url")).join(".") };
    },
    expect: unauthorized("malformed_token"),
  },
  {
    name: "nested JWT (`cty: JWT`, a valid JWT as the payload, signed by the issuer)",
    deliver: (target) => ({ token: compact(rsHeader(target, { cty: "JWT" }), issuerToken(target), byIssuer(target)) }),
    expect: unauthorized("malformed_token"),
  },

  // Size and nesting
  {
    name: "1 MB token (a claim padded to 768 KB)",
    deliver: (target, attacker) => ({ token: attackerToken(target, attacker, target.claims({ pad: "a".repeat(786_432) })) }),
    expect: unauthorized("malformed_token"),
  },
  {
    name: "deeply nested JSON (10,000 levels in a claim)",
    deliver: (target, attacker) => ({ token: attackerToken(target, attacker, claimsText(target, `"deep":${nested(10_000)}`)) }),
    expect: unauthorized("malformed_token"),
  },
  {
    name: "deeply nested JSON within the size limit (5,000 levels in a claim)",
    deliver: (target, attacker) => ({ token: attackerToken(target, attacker, claimsText(target, `"deep":${nested(5_000)}`)) }),
    expect: unauthorized("malformed_token"),
  },
  {
    name: "JSON nested 33 levels deep (one more than accepted; signed by the issuer)",
    deliver: (target) => ({ token: compact(rsHeader(target), claimsText(target, `"deep":${nested(32)}`), byIssuer(target)) }),
    expect: unauthorized("malformed_token"),
  },

  // Parser differentials (signed by the issuer)
  {
    name: "duplicate claims: `sub` twice (signed by the issuer)",
    deliver: (target) => ({ token: compact(rsHeader(target), claimsText(target, `"sub":"someone-else"`), byIssuer(target)) }),
    expect: unauthorized("malformed_token"),
  },
  {
    name: "duplicate claims: `iss` twice, a foreign issuer last (signed by the issuer)",
    deliver: (target) => ({ token: compact(rsHeader(target), claimsText(target, `"iss":"https://attacker.example/"`), byIssuer(target)) }),
    expect: unauthorized("malformed_token"),
  },
  {
    name: "duplicate claims: `iss` twice, ours last (signed by the issuer)",
    deliver: (target) => {
      const claims = target.claims();
      const text = `{"iss":"https://attacker.example/",${JSON.stringify(claims).slice(1)}`;
      return { token: compact(rsHeader(target), text, byIssuer(target)) };
    },
    expect: unauthorized("malformed_token"),
  },
  {
    name: "duplicate header member: `alg` twice (`none`, then RS256; signed by the issuer)",
    deliver: (target) => ({ token: compact(`{"alg":"none","kid":${JSON.stringify(target.keys.rsa.kid)},"alg":"RS256"}`, target.claims(), byIssuer(target)) }),
    expect: unauthorized("malformed_token"),
  },
  {
    name: "non-UTF-8 bytes in the header (0xFF in `kid`)",
    deliver: (target) => {
      const header = Buffer.concat([Buffer.from(`{"alg":"RS256","kid":"${target.keys.rsa.kid}`), Buffer.from([0xff]), Buffer.from('"}')]);
      return { token: compact(header, target.claims(), byIssuer(target)) };
    },
    expect: unauthorized("malformed_token"),
  },
  {
    name: "non-UTF-8 bytes in the payload (overlong encoding in a claim, signed by the issuer)",
    deliver: (target) => {
      const text = claimsText(target, '"name":"x');
      const payload = Buffer.concat([Buffer.from(text.slice(0, -1)), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]);
      return { token: compact(rsHeader(target), payload, byIssuer(target)) };
    },
    expect: unauthorized("malformed_token"),
  },

  // Transport
  {
    name: "spaces and tabs around the token (HTTP optional whitespace: tolerated, the token itself is unchanged)",
    deliver: (target) => ({ authorizationToken: ` \tBearer ${issuerToken(target)} \t` }),
    expect: { verdict: "Allow" },
  },
  {
    name: "newline after the token (`Authorization` header)",
    deliver: (target) => ({ authorizationHeader: `Bearer ${issuerToken(target)}\r\n` }),
    expect: unauthorized("malformed_token"),
  },
  {
    name: "newline before the token (`Authorization` header)",
    deliver: (target) => ({ authorizationHeader: `\nBearer ${issuerToken(target)}` }),
    expect: unauthorized("malformed_token"),
  },
  {
    name: "newlines around a bare token (REST TOKEN `authorizationToken`)",
    deliver: (target) => ({ authorizationToken: `\r\n${issuerToken(target)}\n` }),
    expect: unauthorized("malformed_token"),
  },
  {
    name: "newline inside the token (between segments)",
    deliver: (target) => ({ authorizationToken: `Bearer ${issuerToken(target).replace(".", ".\n")}` }),
    expect: unauthorized("malformed_token"),
  },

  // Time claims (signed by the issuer)
  ...(["exp", "nbf", "iat"] as const).map((claim): Attack => ({
    name: `\`${claim}\` as a string`,
    deliver: (target) => {
      const value = claim === "nbf" ? 0 : target.claims()[claim] as number;
      return { token: issuerToken(target, { [claim]: String(value) }) };
    },
    expect: unauthorized("malformed_token"),
  })),
  {
    name: "`exp` as a float half a second in the past",
    deliver: (target) => ({ token: issuerToken(target, { exp: Math.floor(Date.now() / 1000) - 0.5 }) }),
    expect: unauthorized("expired"),
  },
  {
    name: "`nbf` as a float a minute in the future",
    deliver: (target) => ({ token: issuerToken(target, { nbf: Math.floor(Date.now() / 1000) + 60.5 }) }),
    expect: unauthorized("not_yet_valid"),
  },
  ...([
    ["exp", "1e400"],
    ["nbf", "1e400"],
    ["iat", "1e400"],
    ["exp", "18446744073709551616"],
    ["nbf", "18446744073709551616"],
    ["iat", "18446744073709551616"],
    ["exp", "-18446744073709551616"],
  ] as const).map(([claim, raw]): Attack => ({
    name: `\`${claim}\` = ${raw === "1e400" ? "1e400 (beyond a double: parses as Infinity)" : raw.startsWith("-") ? "-2^64" : "2^64"}`,
    deliver: (target) => ({ token: compact(rsHeader(target), claimsText(target, `"${claim}":${raw}`, [claim]), byIssuer(target)) }),
    expect: unauthorized("malformed_token"),
  })),
  {
    name: "`exp` negative",
    deliver: (target) => ({ token: issuerToken(target, { exp: -1 }) }),
    expect: unauthorized("expired"),
  },

  // Claims that name someone else
  {
    name: "`aud` as an array without ours",
    appliesTo: (target) => target.family === "oidc" || target.tokenUse === "id",
    deliver: (target) => ({ token: issuerToken(target, { aud: ["https://other.example.com", "another-client"] }) }),
    expect: unauthorized("wrong_audience"),
  },
  {
    name: "`client_id` of another app client (Cognito access token)",
    appliesTo: (target) => target.tokenUse === "access",
    deliver: (target) => ({ token: issuerToken(target, { client_id: "another-app-client" }) }),
    expect: unauthorized("wrong_audience"),
  },
  {
    name: "`iss` differing only by case",
    deliver: (target) => ({ token: issuerToken(target, { iss: target.issuer.toUpperCase() }) }),
    expect: unauthorized("untrusted_issuer"),
  },
  {
    name: "`iss` with a trailing slash added",
    deliver: (target) => ({ token: issuerToken(target, { iss: `${target.issuer}/` }) }),
    expect: unauthorized("untrusted_issuer"),
  },
  {
    name: "Cognito ID token where an access token is required",
    appliesTo: (target) => target.tokenUse === "access",
    deliver: (target) => ({ token: issuerToken(target, { token_use: "id", client_id: undefined, aud: target.claims().client_id }) }),
    expect: unauthorized("wrong_token_use"),
  },
  {
    name: "Cognito access token where an ID token is required",
    appliesTo: (target) => target.tokenUse === "id",
    deliver: (target) => ({ token: issuerToken(target, { token_use: "access", aud: undefined, client_id: target.claims().aud }) }),
    expect: unauthorized("wrong_token_use"),
  },
  {
    name: "Cognito token of another user pool (same keys)",
    appliesTo: isCognito,
    deliver: (target) => ({ token: issuerToken(target, { iss: target.issuer.replace(/_[0-9A-Za-z]+$/, "_Other999") }) }),
    expect: unauthorized("untrusted_issuer"),
  },
];
