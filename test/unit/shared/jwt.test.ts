import { beforeAll, describe, expect, it, vi } from "vitest";
import { AuthenticationError, ReasonCode } from "../../../shared/errors.ts";
import type { Jwk } from "../../../shared/jwks/cache.ts";
import { decodeJwt, detailOf, peekJwt, verifyJwt, type JwtVerification } from "../../../shared/jwt.ts";
import { createKeyPair, signSigningInput, type TestKeyPair } from "../../helpers/keys.ts";

const b64 = (value: unknown): string => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
const HEADER = b64({ alg: "RS256", kid: "key-1", typ: "JWT" });
const PAYLOAD = b64({ iss: "https://issuer.example.com/", sub: "user-1" });
const SIGNATURE = "c2lnbmF0dXJl";

describe("peekJwt", () => {
  it("reads kid, alg and iss of a compact JWS without verifying it", () => {
    expect(peekJwt(`${HEADER}.${PAYLOAD}.${SIGNATURE}`)).toEqual({ kid: "key-1", alg: "RS256", iss: "https://issuer.example.com/" });
  });

  it("accepts an empty signature segment (it only peeks)", () => {
    expect(peekJwt(`${HEADER}.${PAYLOAD}.`)?.alg).toBe("RS256");
  });

  it("leaves out header members that are absent or not strings", () => {
    expect(peekJwt(`${b64({ alg: 256, kid: null })}.${b64({ sub: "user-1" })}.${SIGNATURE}`)).toEqual({ kid: undefined, alg: undefined, iss: undefined });
  });

  it.each([
    ["an array", ["a"]],
    ["a number", 42],
    ["null", null],
  ])("refuses a token whose iss is %s (returns undefined: a registered claim of the wrong type)", (_name, iss) => {
    expect(peekJwt(`${b64({ alg: 256, kid: null })}.${b64({ iss })}.${SIGNATURE}`)).toBeUndefined();
    expect(peekJwt(`${HEADER}.${b64({ iss })}.${SIGNATURE}`)).toBeUndefined();
    expect(peekJwt(`${HEADER}.${b64({ iss: "a" })}.${SIGNATURE}`)?.iss).toBe("a");
  });

  it.each([
    ["two segments", `${HEADER}.${PAYLOAD}`],
    ["one segment", HEADER],
    ["four segments", `${HEADER}.${PAYLOAD}.${SIGNATURE}.x`],
    ["five segments (a JWE)", `${HEADER}.${b64("key")}.${b64("iv")}.${b64("ct")}.${b64("tag")}`],
    ["an empty string", ""],
    ["an empty header", `.${PAYLOAD}.${SIGNATURE}`],
    ["an empty payload", `${HEADER}..${SIGNATURE}`],
    ["standard base64 characters", `${Buffer.from(JSON.stringify({ alg: "RS256", kid: "a>?" })).toString("base64")}.${PAYLOAD}.${SIGNATURE}`],
    ["base64 padding", `${HEADER}=.${PAYLOAD}.${SIGNATURE}`],
    ["spaces", `${HEADER} .${PAYLOAD}.${SIGNATURE}`],
    ["a non-JSON header", `${b64("not json")}.${PAYLOAD}.${SIGNATURE}`],
    ["a non-JSON payload", `${HEADER}.${b64("{broken")}.${SIGNATURE}`],
    ["a JSON array header", `${b64([1, 2])}.${PAYLOAD}.${SIGNATURE}`],
    ["a JSON string payload", `${HEADER}.${b64('"text"')}.${SIGNATURE}`],
    ["a null payload", `${HEADER}.${b64("null")}.${SIGNATURE}`],
    ["a Bearer prefix", `Bearer ${HEADER}.${PAYLOAD}.${SIGNATURE}`],
  ])("returns undefined for %s", (_name, token) => {
    expect(peekJwt(token)).toBeUndefined();
  });

  const raw = (text: string | Buffer): string => Buffer.from(text).toString("base64url");
  const payloadWith = (members: string): string => raw(`{"iss":"https://issuer.example.com/",${members}}`);

  it.each([
    ["a payload byte that is not UTF-8", `${HEADER}.${raw(Buffer.concat([Buffer.from('{"iss":"a'), Buffer.from([0xff]), Buffer.from('"}')]))}.${SIGNATURE}`],
    ["an overlong UTF-8 sequence in the header", `${raw(Buffer.concat([Buffer.from('{"alg":"RS256","kid":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]))}.${PAYLOAD}.${SIGNATURE}`],
    ["iss named twice", `${HEADER}.${payloadWith('"iss":"https://other.example.com/"')}.${SIGNATURE}`],
    ["iss named twice, once escaped", `${HEADER}.${payloadWith('"\\u0069ss":"https://other.example.com/"')}.${SIGNATURE}`],
    ["alg named twice in the header", `${raw('{"alg":"none","alg":"RS256"}')}.${PAYLOAD}.${SIGNATURE}`],
    ["JSON nested 33 levels deep", `${HEADER}.${payloadWith(`"deep":${"[".repeat(32)}${"]".repeat(32)}`)}.${SIGNATURE}`],
    ["a crit header", `${b64({ alg: "RS256", crit: ["b64"], b64: false })}.${PAYLOAD}.${SIGNATURE}`],
    ["exp as a string", `${HEADER}.${b64({ iss: "i", exp: "1700000000" })}.${SIGNATURE}`],
    ["nbf as null", `${HEADER}.${b64({ iss: "i", nbf: null })}.${SIGNATURE}`],
    ["exp of 1e400 (Infinity)", `${HEADER}.${payloadWith('"exp":1e400')}.${SIGNATURE}`],
    ["iat of 2^64", `${HEADER}.${payloadWith('"iat":18446744073709551616')}.${SIGNATURE}`],
    ["exp of -2^64", `${HEADER}.${payloadWith('"exp":-18446744073709551616')}.${SIGNATURE}`],
  ])("refuses %s (returns undefined)", (_name, token) => {
    expect(peekJwt(token)).toBeUndefined();
  });

  it.each([
    ["the same name in nested objects", payloadWith('"a":{"iss":1},"b":{"iss":2},"list":[{"x":1},{"x":2}]')],
    ["a member name inside a string value", payloadWith('"note":"\\"iss\\": twice, \\"iss\\"","sub":"u"')],
    ["JSON nested 32 levels deep", payloadWith(`"deep":${"[".repeat(31)}${"]".repeat(31)}`)],
    ["float, negative and far (year 9999) time claims", payloadWith('"exp":253402300799.5,"nbf":-1,"iat":0')],
  ])("still reads a token with %s", (_name, payload) => {
    expect(peekJwt(`${HEADER}.${payload}.${SIGNATURE}`)?.iss).toBe("https://issuer.example.com/");
  });

  it("standard base64 test input really has characters outside base64url", () => {
    expect(Buffer.from(JSON.stringify({ alg: "RS256", kid: "a>?" })).toString("base64")).toMatch(/[+/]/);
  });
});

describe("decodeJwt", () => {
  it("splits and parses a compact JWS, keeping the signing input and the signature as received", () => {
    expect(decodeJwt(`${HEADER}.${PAYLOAD}.${SIGNATURE}`)).toEqual({
      header: { alg: "RS256", kid: "key-1", typ: "JWT" },
      payload: { iss: "https://issuer.example.com/", sub: "user-1" },
      signingInput: `${HEADER}.${PAYLOAD}`,
      signature: SIGNATURE,
    });
  });

  describe("registered claims of the wrong type (RFC 7519 §4.1)", () => {
    /** The token with `claims` as its payload. */
    const withClaims = (claims: Record<string, unknown>): string => `${HEADER}.${b64(claims)}.${SIGNATURE}`;
    const WRONG_TYPES: readonly [string, unknown][] = [
      ["a number", 42],
      ["zero", 0],
      ["null", null],
      ["a boolean", true],
      ["an object", { value: "user-1" }],
      ["an array of one string", ["user-1"]],
      ["an empty array", []],
    ];

    describe.each(["iss", "sub", "jti"])("%s must be a string", (claim) => {
      it.each(WRONG_TYPES)(`refuses ${claim} as %s (returns undefined, and peekJwt too)`, (_name, value) => {
        const token = withClaims({ iss: "https://issuer.example.com/", sub: "user-1", jti: "id-1", [claim]: value });
        expect(decodeJwt(token)).toBeUndefined();
        expect(peekJwt(token)).toBeUndefined();
      });

      it.each([
        ["a string", "value-1"],
        ["an empty string", ""],
        ["absent", undefined],
      ])(`accepts ${claim} as %s`, (_name, value) => {
        const claims = { iss: "https://issuer.example.com/", sub: "user-1", jti: "id-1", [claim]: value };
        expect(decodeJwt(withClaims(claims))?.payload).toEqual(JSON.parse(JSON.stringify(claims)));
      });
    });

    it.each([
      ["a number", 7],
      ["null", null],
      ["a boolean", false],
      ["an object", { "https://api.example.com/orders": true }],
      ["an array with a non-string among strings", ["https://api.example.com/orders", 7]],
      ["an array with null", [null]],
      ["an array with a nested array", [["https://api.example.com/orders"]]],
      ["an array of non-strings only", [7, null, {}]],
    ])("refuses aud as %s (returns undefined, and peekJwt too)", (_name, aud) => {
      const token = withClaims({ iss: "https://issuer.example.com/", aud });
      expect(decodeJwt(token)).toBeUndefined();
      expect(peekJwt(token)).toBeUndefined();
    });

    it.each([
      ["a string", "https://api.example.com/orders"],
      ["an empty string", ""],
      ["an array of strings", ["https://api.example.com/orders", "https://api.example.com/billing"]],
      ["an empty array", []],
      ["absent", undefined],
    ])("accepts aud as %s", (_name, aud) => {
      expect(decodeJwt(withClaims({ iss: "https://issuer.example.com/", aud }))?.payload.aud).toEqual(aud);
    });

    it("leaves the types of other claims alone (scope, client_id, azp, custom claims)", () => {
      const claims = { iss: "https://issuer.example.com/", scope: ["a", "b"], client_id: 7, azp: null, groups: { x: 1 } };
      expect(decodeJwt(withClaims(claims))?.payload).toEqual(claims);
    });

    it("reads the claim after escapes are decoded: a \\u-escaped sub of the wrong type is refused too", () => {
      const payload = Buffer.from('{"iss":"https://issuer.example.com/","\\u0073ub":42}').toString("base64url");
      expect(JSON.parse(Buffer.from(payload, "base64url").toString())).toEqual({ iss: "https://issuer.example.com/", sub: 42 });
      expect(decodeJwt(`${HEADER}.${payload}.${SIGNATURE}`)).toBeUndefined();
    });
  });
});

describe("detailOf", () => {
  it("keeps only the defined iss and kid", () => {
    expect(detailOf({ kid: "k", alg: "RS256", iss: "i" })).toEqual({ iss: "i", kid: "k" });
    expect(detailOf({ kid: undefined, alg: "RS256", iss: "i" })).toEqual({ iss: "i" });
    expect(detailOf(undefined)).toEqual({});
  });
});

describe("verifyJwt", () => {
  const ISS = "https://issuer.example.com/";
  const AUD = "https://api.example.com/orders";
  const AUD_2 = "https://api.example.com/billing";
  /** The injected clock: a whole second, plus 400 ms (the checks compare whole seconds, as jose does). */
  const NOW_S = 1_750_000_000;
  const NOW_MS = NOW_S * 1000 + 400;

  let pair: TestKeyPair;
  let otherPair: TestKeyPair;
  let jwk: Jwk;

  beforeAll(async () => {
    [pair, otherPair] = await Promise.all([createKeyPair("ES256", "key-1"), createKeyPair("ES256", "key-1")]);
    jwk = Object.freeze({ ...pair.publicJwk }) as Jwk;
  });

  /** `header.payload.signature`, signed with `key` (default: the configured key), header and payload exactly as given. */
  function token(header: Record<string, unknown>, payload: Record<string, unknown>, key: TestKeyPair = pair): string {
    const input = `${b64(header)}.${b64(payload)}`;
    return `${input}.${signSigningInput(input, key, "ES256")}`;
  }
  const goodHeader = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ alg: "ES256", kid: "key-1", typ: "JWT", ...extra });
  const goodClaims = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ iss: ISS, aud: AUD, sub: "user-1", iat: NOW_S - 60, exp: NOW_S + 3_600, ...extra });

  /** Options with the injected clock and the configured key, changed by `overrides`, without the members named in `without`. */
  function setUp(overrides: Partial<JwtVerification> = {}, without: readonly ("audiences" | "now")[] = []) {
    const keyFor = vi.fn<JwtVerification["keyFor"]>(() => jwk);
    const options: { -readonly [K in keyof JwtVerification]: JwtVerification[K] } = {
      algorithms: ["ES256", "RS256"],
      issuers: new Set([ISS]),
      keyFor,
      audiences: [AUD, AUD_2],
      clockToleranceSeconds: 0,
      now: () => NOW_MS,
      ...overrides,
    };
    for (const member of without) delete options[member];
    return { keyFor, options, verify: (compact: string) => verifyJwt(compact, options) };
  }

  /** The reason code `promise` rejects with (an AuthenticationError), or fails the test. */
  async function reasonOf(promise: Promise<unknown>): Promise<string> {
    const error: unknown = await promise.then(() => undefined, (thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(AuthenticationError);
    return (error as AuthenticationError).reason;
  }

  it("returns the header and claims of a valid token", async () => {
    // Prepare
    const { verify, keyFor } = setUp();
    // Act
    const { header, payload } = await verify(token(goodHeader(), goodClaims()));
    // Assess
    expect(header).toEqual(goodHeader());
    expect(payload).toEqual(goodClaims());
    expect(keyFor).toHaveBeenCalledExactlyOnceWith(ISS, "key-1", "ES256");
  });

  describe("1. decode", () => {
    it.each([
      ["two segments", () => token(goodHeader(), goodClaims()).split(".").slice(0, 2).join(".")],
      ["four segments", () => `${token(goodHeader(), goodClaims())}.x`],
      ["a non-JSON payload", () => `${b64(goodHeader())}.${b64("{not json")}.c2ln`],
      ["a crit header", () => token(goodHeader({ crit: ["exp"] }), goodClaims())],
      ["iss named twice", () => {
        const input = `${b64(goodHeader())}.${Buffer.from(`{"iss":"https://evil.example.com/","iss":"${ISS}","aud":"${AUD}","exp":${NOW_S + 60}}`).toString("base64url")}`;
        return `${input}.${signSigningInput(input, pair, "ES256")}`;
      }],
      ["exp of 1e20", () => token(goodHeader(), goodClaims({ exp: 1e20 }))],
      ["iss a number", () => token(goodHeader(), goodClaims({ iss: 42 }))],
      ["iss an array holding the issuer", () => token(goodHeader(), goodClaims({ iss: [ISS] }))],
      ["sub a number", () => token(goodHeader(), goodClaims({ sub: 42 }))],
      ["sub null", () => token(goodHeader(), goodClaims({ sub: null }))],
      ["jti a number", () => token(goodHeader(), goodClaims({ jti: 1 }))],
      ["jti an object", () => token(goodHeader(), goodClaims({ jti: { id: "1" } }))],
      ["aud a number", () => token(goodHeader(), goodClaims({ aud: 7 }))],
      ["aud an object", () => token(goodHeader(), goodClaims({ aud: { [AUD]: true } }))],
      ["aud an array holding one of ours among non-strings", () => token(goodHeader(), goodClaims({ aud: [7, null, AUD] }))],
      ["aud an array of non-strings only", () => token(goodHeader(), goodClaims({ aud: [7, null, { aud: AUD }, [AUD]] }))],
    ])("refuses %s as malformed_token, before any key lookup", async (_name, make) => {
      const { verify, keyFor } = setUp();
      expect(await reasonOf(verify(make()))).toBe(ReasonCode.malformedToken);
      expect(keyFor).not.toHaveBeenCalled();
    });

    it.each([true, false])("refuses a b64 header (b64: %s, no crit) as malformed_token, before the issuer check", async (b64Value) => {
      const { verify, keyFor } = setUp();
      expect(await reasonOf(verify(token(goodHeader({ b64: b64Value }), goodClaims())))).toBe(ReasonCode.malformedToken);
      expect(await reasonOf(verify(token(goodHeader({ b64: b64Value }), goodClaims({ iss: "https://evil.example.com/" }))))).toBe(ReasonCode.malformedToken);
      expect(keyFor).not.toHaveBeenCalled();
    });
  });

  describe("2. issuer, before any key lookup", () => {
    it.each([
      ["another issuer", "https://evil.example.com/"],
      ["the issuer without its trailing slash", ISS.slice(0, -1)],
      ["the issuer in upper case", ISS.toUpperCase()],
      ["no iss", undefined],
    ])("refuses %s as untrusted_issuer without calling keyFor", async (_name, iss) => {
      const { verify, keyFor } = setUp();
      expect(await reasonOf(verify(token(goodHeader(), goodClaims({ iss }))))).toBe(ReasonCode.untrustedIssuer);
      expect(keyFor).not.toHaveBeenCalled();
    });

    it("checks the issuer before alg and kid: a foreign token with alg none and a numeric kid is untrusted_issuer", async () => {
      const { verify, keyFor } = setUp();
      expect(await reasonOf(verify(token({ alg: "none", kid: 7 }, goodClaims({ iss: "https://evil.example.com/" }))))).toBe(ReasonCode.untrustedIssuer);
      expect(keyFor).not.toHaveBeenCalled();
    });

    it("accepts any of several configured issuers and hands keyFor the token's", async () => {
      const other = "https://other.example.com";
      const { verify, keyFor } = setUp({ issuers: new Set([ISS, other]) });
      await verify(token(goodHeader(), goodClaims({ iss: other })));
      expect(keyFor).toHaveBeenCalledExactlyOnceWith(other, "key-1", "ES256");
    });
  });

  describe("3. alg and kid, before any key lookup", () => {
    it.each([
      ["no alg", undefined],
      ["a numeric alg", 256],
      ["an alg of null", null],
    ])("refuses %s as malformed_token without calling keyFor", async (_name, alg) => {
      const { verify, keyFor } = setUp();
      expect(await reasonOf(verify(token(goodHeader({ alg }), goodClaims())))).toBe(ReasonCode.malformedToken);
      expect(keyFor).not.toHaveBeenCalled();
    });

    it.each(["none", "HS256", "ES384", "PS256", "es256", ""])("refuses alg %j (not in algorithms) as algorithm_not_allowed without calling keyFor", async (alg) => {
      const { verify, keyFor } = setUp();
      expect(await reasonOf(verify(token(goodHeader({ alg }), goodClaims())))).toBe(ReasonCode.algorithmNotAllowed);
      expect(keyFor).not.toHaveBeenCalled();
    });

    it("checks alg before kid: a disallowed alg with a numeric kid is algorithm_not_allowed", async () => {
      const { verify } = setUp();
      expect(await reasonOf(verify(token(goodHeader({ alg: "HS256", kid: 7 }), goodClaims())))).toBe(ReasonCode.algorithmNotAllowed);
    });

    it.each([
      ["a number", 7],
      ["null", null],
      ["an object", { id: "key-1" }],
      ["an array", ["key-1"]],
      ["a boolean", true],
    ])("refuses a kid that is %s as malformed_token without calling keyFor", async (_name, kid) => {
      const { verify, keyFor } = setUp();
      expect(await reasonOf(verify(token(goodHeader({ kid }), goodClaims())))).toBe(ReasonCode.malformedToken);
      expect(keyFor).not.toHaveBeenCalled();
    });

    it("passes an absent kid to keyFor as undefined", async () => {
      const { verify, keyFor } = setUp();
      await verify(token({ alg: "ES256" }, goodClaims()));
      expect(keyFor).toHaveBeenCalledExactlyOnceWith(ISS, undefined, "ES256");
    });
  });

  describe("4. the key lookup", () => {
    it("propagates keyFor's own error unchanged", async () => {
      const failure = new AuthenticationError(ReasonCode.unknownKid, "no key");
      const { verify } = setUp({ keyFor: () => Promise.reject(failure) });
      await expect(verify(token(goodHeader(), goodClaims()))).rejects.toBe(failure);
    });

    it("propagates a synchronous throw of keyFor unchanged", async () => {
      const failure = new AuthenticationError(ReasonCode.jwksUnavailable, "down");
      const { verify } = setUp({ keyFor: () => { throw failure; } });
      await expect(verify(token(goodHeader(), goodClaims()))).rejects.toBe(failure);
    });

    it("looks the key up before checking the signature's encoding and the claims", async () => {
      const failure = new AuthenticationError(ReasonCode.unknownKid, "no key");
      const { verify } = setUp({ keyFor: () => Promise.reject(failure) });
      const expiredUnsigned = `${b64(goodHeader())}.${b64(goodClaims({ exp: NOW_S - 60 }))}.not+base64url`;
      await expect(verify(expiredUnsigned)).rejects.toBe(failure);
    });

    it("accepts a key keyFor resolves asynchronously", async () => {
      const { verify } = setUp({ keyFor: () => Promise.resolve(jwk) });
      expect((await verify(token(goodHeader(), goodClaims()))).payload.sub).toBe("user-1");
    });
  });

  describe("5. the signature", () => {
    it.each([
      ["a plus sign", "abc+def"],
      ["a slash", "abc/def"],
      ["padding", "abcd=="],
      ["a space", "abc def"],
    ])("refuses a third segment with %s (not base64url) as malformed_token, after the key lookup", async (_name, signature) => {
      const { verify, keyFor } = setUp();
      const [header = "", payload = ""] = token(goodHeader(), goodClaims()).split(".");
      expect(await reasonOf(verify(`${header}.${payload}.${signature}`))).toBe(ReasonCode.malformedToken);
      expect(keyFor).toHaveBeenCalledOnce();
    });

    it("refuses a valid signature with padding appended as malformed_token", async () => {
      const { verify } = setUp();
      expect(await reasonOf(verify(`${token(goodHeader(), goodClaims())}=`))).toBe(ReasonCode.malformedToken);
    });

    it.each([
      ["a changed signature character", (compact: string) => `${compact.slice(0, -5)}${compact.at(-5) === "A" ? "B" : "A"}${compact.slice(-4)}`],
      ["an empty signature", (compact: string) => compact.slice(0, compact.lastIndexOf(".") + 1)],
      ["a changed payload", (compact: string) => {
        const [header = "", , signature = ""] = compact.split(".");
        return `${header}.${b64(goodClaims({ sub: "admin" }))}.${signature}`;
      }],
      ["the signature of another key", (compact: string) => {
        const [header = "", payload = ""] = compact.split(".");
        return `${header}.${payload}.${signSigningInput(`${header}.${payload}`, otherPair, "ES256")}`;
      }],
    ])("refuses %s as bad_signature", async (_name, change) => {
      const { verify } = setUp();
      expect(await reasonOf(verify(change(token(goodHeader(), goodClaims()))))).toBe(ReasonCode.badSignature);
    });

    it("checks the signature before the claims: an expired, audience-less token with a bad signature is bad_signature", async () => {
      const { verify } = setUp();
      expect(await reasonOf(verify(token(goodHeader(), goodClaims({ aud: undefined, exp: NOW_S - 60 }), otherPair)))).toBe(ReasonCode.badSignature);
    });
  });

  describe("6. the claims", () => {
    it.each([
      ["the first audience", AUD],
      ["the second audience", AUD_2],
      ["an array holding one of them", ["https://x.example.com", AUD_2]],
    ])("accepts aud as %s", async (_name, aud) => {
      const { verify } = setUp();
      expect((await verify(token(goodHeader(), goodClaims({ aud })))).payload.aud).toEqual(aud);
    });

    it.each([
      ["missing", undefined],
      ["another string", "https://x.example.com"],
      ["an array without ours", ["https://x.example.com", "https://y.example.com"]],
      ["an empty array", []],
      ["our audience with a trailing slash", `${AUD}/`],
    ])("refuses aud %s as wrong_audience, after the key lookup", async (_name, aud) => {
      const { verify, keyFor } = setUp();
      expect(await reasonOf(verify(token(goodHeader(), goodClaims({ aud }))))).toBe(ReasonCode.wrongAudience);
      expect(keyFor).toHaveBeenCalledOnce();
    });

    it("takes an empty aud array through the decode: wrong_audience with audiences configured (after the signature), accepted without", async () => {
      const compact = token(goodHeader(), goodClaims({ aud: [] }));
      expect(decodeJwt(compact)?.payload.aud).toEqual([]);
      const withSignatureBroken = `${compact.slice(0, compact.lastIndexOf(".") + 1)}${signSigningInput("other input", pair, "ES256")}`;
      expect(await reasonOf(setUp().verify(withSignatureBroken))).toBe(ReasonCode.badSignature);
      expect(await reasonOf(setUp().verify(compact))).toBe(ReasonCode.wrongAudience);
      expect((await setUp({}, ["audiences"]).verify(compact)).payload.aud).toEqual([]);
    });

    it("does not read aud when no audiences are configured", async () => {
      const { verify } = setUp({}, ["audiences"]);
      expect((await verify(token(goodHeader(), goodClaims({ aud: undefined })))).payload.sub).toBe("user-1");
    });

    it("checks aud before exp: a token with neither is wrong_audience", async () => {
      const { verify } = setUp();
      expect(await reasonOf(verify(token(goodHeader(), goodClaims({ aud: undefined, exp: undefined }))))).toBe(ReasonCode.wrongAudience);
    });

    it("refuses a token without exp as missing_claim", async () => {
      const { verify } = setUp();
      expect(await reasonOf(verify(token(goodHeader(), goodClaims({ exp: undefined }))))).toBe(ReasonCode.missingClaim);
    });

    it("checks exp presence before nbf: no exp and a future nbf is missing_claim", async () => {
      const { verify } = setUp();
      expect(await reasonOf(verify(token(goodHeader(), goodClaims({ exp: undefined, nbf: NOW_S + 600 }))))).toBe(ReasonCode.missingClaim);
    });

    it.each([
      ["one second in the future", 0, NOW_S + 1],
      ["far in the future", 0, NOW_S + 86_400],
      ["one second beyond a 30 s tolerance", 30, NOW_S + 31],
    ])("refuses nbf %s as not_yet_valid", async (_name, clockToleranceSeconds, nbf) => {
      const { verify } = setUp({ clockToleranceSeconds });
      expect(await reasonOf(verify(token(goodHeader(), goodClaims({ nbf }))))).toBe(ReasonCode.notYetValid);
    });

    it.each([
      ["now", 0, NOW_S],
      ["in the past", 0, NOW_S - 600],
      ["within a 30 s tolerance", 30, NOW_S + 30],
    ])("accepts nbf %s", async (_name, clockToleranceSeconds, nbf) => {
      const { verify } = setUp({ clockToleranceSeconds });
      expect((await verify(token(goodHeader(), goodClaims({ nbf })))).payload.nbf).toBe(nbf);
    });

    it("checks nbf before exp: a token both not yet valid and expired is not_yet_valid", async () => {
      const { verify } = setUp();
      expect(await reasonOf(verify(token(goodHeader(), goodClaims({ nbf: NOW_S + 60, exp: NOW_S - 60 }))))).toBe(ReasonCode.notYetValid);
    });

    it.each([
      ["exactly now (RFC 7519 §4.1.4: not valid at its exp)", 0, NOW_S],
      ["one second ago", 0, NOW_S - 1],
      ["30 s ago with a 30 s tolerance", 30, NOW_S - 30],
      ["an hour ago with a 30 s tolerance", 30, NOW_S - 3_600],
    ])("refuses exp %s as expired", async (_name, clockToleranceSeconds, exp) => {
      const { verify } = setUp({ clockToleranceSeconds });
      expect(await reasonOf(verify(token(goodHeader(), goodClaims({ exp }))))).toBe(ReasonCode.expired);
    });

    it.each([
      ["one second from now", 0, NOW_S + 1],
      ["29 s ago with a 30 s tolerance", 30, NOW_S - 29],
    ])("accepts exp %s", async (_name, clockToleranceSeconds, exp) => {
      const { verify } = setUp({ clockToleranceSeconds });
      expect((await verify(token(goodHeader(), goodClaims({ exp })))).payload.exp).toBe(exp);
    });

    it("reads the clock from `now`, whatever the system time", async () => {
      // The injected clock is 2025; the same token an hour past it is expired, an hour before not yet valid.
      const claims = goodClaims({ nbf: NOW_S - 10, exp: NOW_S + 10 });
      expect((await setUp().verify(token(goodHeader(), claims))).payload.sub).toBe("user-1");
      expect(await reasonOf(setUp({ now: () => NOW_MS + 3_600_000 }).verify(token(goodHeader(), claims)))).toBe(ReasonCode.expired);
      expect(await reasonOf(setUp({ now: () => NOW_MS - 3_600_000 }).verify(token(goodHeader(), claims)))).toBe(ReasonCode.notYetValid);
    });

    it("uses the system clock when no `now` is given", async () => {
      const nowS = Math.floor(Date.now() / 1000);
      const { verify } = setUp({}, ["now"]);
      expect((await verify(token(goodHeader(), goodClaims({ nbf: nowS - 60, exp: nowS + 60 })))).payload.sub).toBe("user-1");
      expect(await reasonOf(verify(token(goodHeader(), goodClaims({ exp: nowS - 60 }))))).toBe(ReasonCode.expired);
    });
  });
});
