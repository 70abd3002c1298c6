/**
 * `signatureValid` and `publicKeyOf` (shared/jws.ts): every `alg` of the table verifies a signature jose
 * made with a fitting key, and nothing else verifies. Where a check of ours is what refuses (the key type,
 * the curve, the ECDSA length), the signature is one node:crypto itself would accept without that check,
 * so the assertion fails if the check goes.
 */
import { constants, createHmac, createPublicKey, generateKeyPairSync, KeyObject, sign, verify } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { publicKeyOf, signatureValid } from "../../../shared/jws.ts";
import type { Jwk } from "../../../shared/jwks/cache.ts";
import { createKeyPair, signJwt, type SigningAlg, type TestKeyPair } from "../../helpers/keys.ts";

const ALGS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"] as const satisfies readonly SigningAlg[];
type Alg = (typeof ALGS)[number];

/** One key pair per alg, made by jose. */
const pairs = {} as Record<Alg, TestKeyPair>;
/** One token per alg, signed by jose's SignJWT with that alg's key. */
const tokens = {} as Record<Alg, string>;

beforeAll(async () => {
  await Promise.all(ALGS.map(async (alg) => {
    pairs[alg] = await createKeyPair(alg);
    tokens[alg] = await signJwt({ iss: "https://issuer.example.com/", sub: "user-1" }, { key: pairs[alg] });
  }));
}, 30_000);

/** A fresh frozen JWK object, as the JWKS cache hands them out. */
const frozen = (jwk: object): Jwk => Object.freeze({ ...jwk }) as Jwk;
const jwkOf = (alg: Alg): Jwk => frozen(pairs[alg].publicJwk);
const privateOf = (alg: Alg): KeyObject => KeyObject.from(pairs[alg].privateKey);

/** Signing input and decoded signature of a compact JWS. */
function partsOf(token: string): { input: string; signature: Buffer } {
  const [header = "", payload = "", signature = ""] = token.split(".");
  return { input: `${header}.${payload}`, signature: Buffer.from(signature, "base64url") };
}

const flipBit = (signature: Buffer, at: number): Buffer => {
  const copy = Buffer.from(signature);
  copy[at] = (copy[at] ?? 0) ^ 0x01;
  return copy;
};

/** An Ed448 pair (jose does not make them) and a JWK of its public key. */
const ed448 = generateKeyPairSync("ed448");
const ED448_JWK = frozen(ed448.publicKey.export({ format: "jwk" }));
const INPUT = `${Buffer.from('{"alg":"EdDSA"}').toString("base64url")}.${Buffer.from('{"sub":"user-1"}').toString("base64url")}`;

describe("signatureValid", () => {
  it.each(ALGS)("verifies a %s token jose signed with a fitting key", (alg) => {
    const { input, signature } = partsOf(tokens[alg]);
    expect(signatureValid(alg, input, signature, jwkOf(alg))).toBe(true);
  });

  it("verifies EdDSA with an Ed448 key (RFC 8037 §3.1)", () => {
    const signature = sign(null, Buffer.from(INPUT), ed448.privateKey);
    expect(signatureValid("EdDSA", INPUT, signature, ED448_JWK)).toBe(true);
  });

  it.each(ALGS)("refuses a %s signature with one bit flipped (first, middle or last byte)", (alg) => {
    const { input, signature } = partsOf(tokens[alg]);
    for (const at of [0, signature.length >> 1, signature.length - 1]) {
      expect(signatureValid(alg, input, flipBit(signature, at), jwkOf(alg)), `bit flipped in byte ${at}`).toBe(false);
    }
  });

  it.each(ALGS)("refuses a %s signature over another signing input", (alg) => {
    const { input, signature } = partsOf(tokens[alg]);
    expect(signatureValid(alg, `${input}x`, signature, jwkOf(alg))).toBe(false);
  });

  it.each(ALGS)("refuses a %s signature made by another key of the same type", async (alg) => {
    const other = await createKeyPair(alg);
    const { input, signature } = partsOf(await signJwt({ sub: "user-1" }, { key: other }));
    expect(signatureValid(alg, input, signature, frozen(other.publicJwk))).toBe(true);
    expect(signatureValid(alg, input, signature, jwkOf(alg))).toBe(false);
  });

  it.each(ALGS)("refuses an empty %s signature", (alg) => {
    const { input } = partsOf(tokens[alg]);
    expect(signatureValid(alg, input, Buffer.alloc(0), jwkOf(alg))).toBe(false);
  });

  describe("binds each alg to its key type and curve", () => {
    it("refuses ES256 with a P-384 key (crv P-384), even for a 64-byte-hash signature OpenSSL accepts", () => {
      // A P-384 key signing a SHA-256 digest: OpenSSL verifies it; only the curve check can refuse it.
      const signature = sign("sha256", Buffer.from(INPUT), { key: privateOf("ES384"), dsaEncoding: "ieee-p1363" });
      expect(verify("sha256", Buffer.from(INPUT), { key: createPublicKey({ key: jwkOf("ES384"), format: "jwk" }), dsaEncoding: "ieee-p1363" }, signature)).toBe(true);
      expect(jwkOf("ES384").crv).toBe("P-384");
      expect(signatureValid("ES256", INPUT, signature, jwkOf("ES384"))).toBe(false);
    });

    it("refuses ES384 with a P-256 key and ES512 with a P-384 key", () => {
      const p256 = sign("sha384", Buffer.from(INPUT), { key: privateOf("ES256"), dsaEncoding: "ieee-p1363" });
      expect(signatureValid("ES384", INPUT, p256, jwkOf("ES256"))).toBe(false);
      const p384 = sign("sha512", Buffer.from(INPUT), { key: privateOf("ES384"), dsaEncoding: "ieee-p1363" });
      expect(signatureValid("ES512", INPUT, p384, jwkOf("ES384"))).toBe(false);
    });

    it("refuses ES256 with a secp256k1 key (a curve JOSE names ES256K)", () => {
      const k1 = generateKeyPairSync("ec", { namedCurve: "secp256k1" });
      const signature = sign("sha256", Buffer.from(INPUT), { key: k1.privateKey, dsaEncoding: "ieee-p1363" });
      expect(signature.length).toBe(64);
      expect(signatureValid("ES256", INPUT, signature, frozen(k1.publicKey.export({ format: "jwk" })))).toBe(false);
    });

    it("refuses RS256 with an EC key, even for a signature OpenSSL verifies with that key", () => {
      const signature = sign("sha256", Buffer.from(INPUT), privateOf("ES256"));
      expect(verify("sha256", Buffer.from(INPUT), createPublicKey({ key: jwkOf("ES256"), format: "jwk" }), signature)).toBe(true);
      expect(signatureValid("RS256", INPUT, signature, jwkOf("ES256"))).toBe(false);
    });

    it("refuses ES256 with an RSA key", () => {
      const { input, signature } = partsOf(tokens.RS256);
      expect(signatureValid("ES256", input, signature, jwkOf("RS256"))).toBe(false);
    });

    it("refuses RS256 and PS256 with an Ed25519 key", () => {
      const { input, signature } = partsOf(tokens.EdDSA);
      expect(signatureValid("RS256", input, signature, jwkOf("EdDSA"))).toBe(false);
      expect(signatureValid("PS256", input, signature, jwkOf("EdDSA"))).toBe(false);
    });

    it("refuses a PS256 signature checked as RS256, and an RS256 signature checked as PS256", () => {
      // Same RSA key for both, so only the padding differs.
      const key = privateOf("RS256");
      const pss = sign("sha256", Buffer.from(INPUT), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
      const pkcs1 = sign("sha256", Buffer.from(INPUT), key);
      expect(signatureValid("PS256", INPUT, pss, jwkOf("RS256"))).toBe(true);
      expect(signatureValid("RS256", INPUT, pkcs1, jwkOf("RS256"))).toBe(true);
      expect(signatureValid("RS256", INPUT, pss, jwkOf("RS256"))).toBe(false);
      expect(signatureValid("PS256", INPUT, pkcs1, jwkOf("RS256"))).toBe(false);
    });

    it("refuses a PS256 signature with a salt length other than the hash length", () => {
      const signature = sign("sha256", Buffer.from(INPUT), { key: privateOf("PS256"), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 20 });
      expect(signatureValid("PS256", INPUT, signature, jwkOf("PS256"))).toBe(false);
    });

    it("refuses an RS256 signature checked as RS384 or RS512 (another hash)", () => {
      const { input, signature } = partsOf(tokens.RS256);
      expect(signatureValid("RS384", input, signature, jwkOf("RS256"))).toBe(false);
      expect(signatureValid("RS512", input, signature, jwkOf("RS256"))).toBe(false);
    });

    it("refuses the Ed25519 alg with an Ed448 key, though EdDSA accepts the same signature", () => {
      const signature = sign(null, Buffer.from(INPUT), ed448.privateKey);
      expect(signatureValid("EdDSA", INPUT, signature, ED448_JWK)).toBe(true);
      expect(signatureValid("Ed25519", INPUT, signature, ED448_JWK)).toBe(false);
    });

    it("refuses EdDSA and Ed25519 with an EC or RSA key", () => {
      const { input, signature } = partsOf(tokens.EdDSA);
      for (const alg of ["EdDSA", "Ed25519"]) {
        expect(signatureValid(alg, input, signature, jwkOf("ES256")), alg).toBe(false);
        expect(signatureValid(alg, input, signature, jwkOf("RS256")), alg).toBe(false);
      }
    });
  });

  describe("takes ECDSA signatures only as R || S of the curve's exact length", () => {
    it.each([
      ["ES256", 64],
      ["ES384", 96],
      ["ES512", 132],
    ] as const)("%s: a valid signature is %d bytes, one byte shorter or longer is refused", (alg, length) => {
      const { input, signature } = partsOf(tokens[alg]);
      expect(signature.length).toBe(length);
      expect(signatureValid(alg, input, signature.subarray(0, length - 1), jwkOf(alg))).toBe(false);
      expect(signatureValid(alg, input, Buffer.concat([signature, Buffer.of(0)]), jwkOf(alg))).toBe(false);
      expect(signatureValid(alg, input, Buffer.concat([Buffer.of(0), signature]), jwkOf(alg))).toBe(false);
    });

    it.each(["ES256", "ES384", "ES512"] as const)("%s: refuses a DER signature OpenSSL verifies as DER", (alg) => {
      const { input } = partsOf(tokens[alg]);
      const hash = { ES256: "sha256", ES384: "sha384", ES512: "sha512" }[alg];
      const der = sign(hash, Buffer.from(input), { key: privateOf(alg), dsaEncoding: "der" });
      expect(verify(hash, Buffer.from(input), { key: createPublicKey({ key: jwkOf(alg), format: "jwk" }), dsaEncoding: "der" }, der)).toBe(true);
      expect(signatureValid(alg, input, der, jwkOf(alg))).toBe(false);
    });

    it.each([
      ["ES256", 64],
      ["ES384", 96],
      ["ES512", 132],
    ] as const)("%s: refuses r = s = 0", (alg, length) => {
      const { input } = partsOf(tokens[alg]);
      expect(signatureValid(alg, input, Buffer.alloc(length), jwkOf(alg))).toBe(false);
    });
  });

  describe("never verifies none, HMAC or an unknown alg", () => {
    it("refuses none with an empty signature", () => {
      const { input } = partsOf(tokens.RS256);
      expect(signatureValid("none", input, Buffer.alloc(0), jwkOf("RS256"))).toBe(false);
    });

    it("refuses HS256 keyed with the RSA public key's PEM (the classic key confusion)", () => {
      const { input } = partsOf(tokens.RS256);
      const pem = createPublicKey({ key: jwkOf("RS256"), format: "jwk" }).export({ type: "spki", format: "pem" });
      const mac = createHmac("sha256", pem).update(input).digest();
      expect(signatureValid("HS256", input, mac, jwkOf("RS256"))).toBe(false);
    });

    it("refuses HS256 with an oct JWK and a correct MAC", () => {
      const secret = Buffer.from("a-shared-secret-of-thirty-two-by");
      const { input } = partsOf(tokens.RS256);
      const mac = createHmac("sha256", secret).update(input).digest();
      expect(signatureValid("HS256", input, mac, frozen({ kty: "oct", k: secret.toString("base64url") }))).toBe(false);
    });

    it.each(["rs256", "RS1", "ES256K", "PS", "", "toString", "__proto__", "constructor", "hasOwnProperty"])("refuses alg %j with a valid RS256 signature", (alg) => {
      const { input, signature } = partsOf(tokens.RS256);
      expect(signatureValid(alg, input, signature, jwkOf("RS256"))).toBe(false);
    });
  });

  it("refuses a valid RS256 signature by an RSA 1024-bit key", () => {
    // Prepare
    const weak = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const jwk = frozen(weak.publicKey.export({ format: "jwk" }));
    const signature = sign("sha256", Buffer.from(INPUT), weak.privateKey);
    expect(verify("sha256", Buffer.from(INPUT), weak.publicKey, signature)).toBe(true);
    // Act / Assess
    expect(publicKeyOf(jwk)).toBeUndefined();
    expect(signatureValid("RS256", INPUT, signature, jwk)).toBe(false);
  });
});

describe("publicKeyOf", () => {
  it.each([
    ["RS256", "rsa"],
    ["PS256", "rsa"],
    ["ES256", "ec"],
    ["ES512", "ec"],
    ["EdDSA", "ed25519"],
  ] as const)("imports a %s JWK as a public %s KeyObject", (alg, type) => {
    const key = publicKeyOf(jwkOf(alg));
    expect(key?.type).toBe("public");
    expect(key?.asymmetricKeyType).toBe(type);
  });

  it("imports an Ed448 JWK", () => {
    expect(publicKeyOf(ED448_JWK)?.asymmetricKeyType).toBe("ed448");
  });

  it("returns the same KeyObject for the same frozen JWK object", () => {
    const jwk = jwkOf("ES256");
    const first = publicKeyOf(jwk);
    expect(first).toBeDefined();
    expect(publicKeyOf(jwk)).toBe(first);
  });

  it("returns an equal key for an equal JWK in another object", () => {
    const first = publicKeyOf(jwkOf("RS256"));
    const second = publicKeyOf(jwkOf("RS256"));
    expect(first !== undefined && second !== undefined && first.equals(second)).toBe(true);
  });

  it("accepts RSA keys of exactly 2048 bits", () => {
    expect(publicKeyOf(jwkOf("RS256"))?.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  /** The public P-256 JWK with `y` changed so that (x, y) is not on the curve. */
  function offCurve(): Jwk {
    const jwk = jwkOf("ES256");
    const y = Buffer.from(String(jwk.y), "base64url");
    y[y.length - 1] = (y[y.length - 1] ?? 0) ^ 0x01;
    return frozen({ ...jwk, y: y.toString("base64url") });
  }

  it.each([
    ["an RSA JWK without n and e", () => frozen({ kty: "RSA" })],
    ["an RSA JWK without e", () => frozen({ kty: "RSA", n: jwkOf("RS256").n })],
    ["an EC JWK without y", () => frozen({ kty: "EC", crv: "P-256", x: jwkOf("ES256").x })],
    ["an EC JWK without crv", () => frozen({ kty: "EC", x: jwkOf("ES256").x, y: jwkOf("ES256").y })],
    ["an EC point off the curve", offCurve],
    ["P-384 coordinates named P-256", () => frozen({ ...jwkOf("ES384"), crv: "P-256" })],
    ["an unknown curve", () => frozen({ ...jwkOf("ES256"), crv: "P-999" })],
    ["an OKP JWK without x", () => frozen({ kty: "OKP", crv: "Ed25519" })],
    ["an Ed25519 x of 31 bytes", () => frozen({ kty: "OKP", crv: "Ed25519", x: Buffer.alloc(31, 7).toString("base64url") })],
    ["an oct (symmetric) JWK", () => frozen({ kty: "oct", k: Buffer.alloc(32, 1).toString("base64url") })],
    ["an unknown kty", () => frozen({ kty: "XYZ", x: "AAAA" })],
  ])("returns undefined for %s, every time", (_name, make) => {
    const jwk = make();
    expect(publicKeyOf(jwk)).toBeUndefined();
    expect(publicKeyOf(jwk)).toBeUndefined();
  });

  describe("refuses a JWK carrying private material (d), though node:crypto would derive its public half", () => {
    it.each(["RS256", "PS256", "ES256", "ES384", "EdDSA"] as const)("%s: a private JWK gives undefined, and a signature of its key does not verify via it", (alg) => {
      // Prepare: the private JWK of the pair, and a token the pair's private key signed.
      const privateJwk = frozen(pairs[alg].privateJwk);
      const publicJwk = jwkOf(alg);
      const { input, signature } = partsOf(tokens[alg]);
      expect("d" in privateJwk).toBe(true);
      expect(createPublicKey({ key: privateJwk, format: "jwk" }).equals(createPublicKey({ key: publicJwk, format: "jwk" }))).toBe(true);
      // Act / Assess: the public half of the same key verifies the signature; the private JWK is refused.
      expect(signatureValid(alg, input, signature, publicJwk)).toBe(true);
      expect(publicKeyOf(privateJwk)).toBeUndefined();
      expect(publicKeyOf(privateJwk)).toBeUndefined();
      expect(signatureValid(alg, input, signature, privateJwk)).toBe(false);
    });

    it("an Ed448 private JWK too", () => {
      const privateJwk = frozen(ed448.privateKey.export({ format: "jwk" }));
      const signature = sign(null, Buffer.from(INPUT), ed448.privateKey);
      expect(signatureValid("EdDSA", INPUT, signature, ED448_JWK)).toBe(true);
      expect(publicKeyOf(privateJwk)).toBeUndefined();
      expect(signatureValid("EdDSA", INPUT, signature, privateJwk)).toBe(false);
    });

    it("whatever d holds: an empty d, which node:crypto ignores and imports as a public key, is refused as well", () => {
      const jwk = frozen({ ...pairs.ES256.publicJwk, d: "" });
      expect(createPublicKey({ key: jwk, format: "jwk" }).type).toBe("public");
      expect(publicKeyOf(jwk)).toBeUndefined();
    });
  });

  it("the off-curve JWK differs from the valid one only in y", () => {
    const good = jwkOf("ES256");
    const bad = offCurve();
    expect({ ...bad, y: good.y }).toEqual({ ...good });
    expect(bad.y).not.toBe(good.y);
    expect(publicKeyOf(good)).toBeDefined();
  });
});
