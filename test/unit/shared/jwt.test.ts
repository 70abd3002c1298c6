import { describe, expect, it } from "vitest";
import { detailOf, peekJwt } from "../../../shared/jwt.ts";

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

  it("leaves out members that are absent or not strings", () => {
    expect(peekJwt(`${b64({ alg: 256, kid: null })}.${b64({ iss: ["a"] })}.${SIGNATURE}`)).toEqual({ kid: undefined, alg: undefined, iss: undefined });
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

describe("detailOf", () => {
  it("keeps only the defined iss and kid", () => {
    expect(detailOf({ kid: "k", alg: "RS256", iss: "i" })).toEqual({ iss: "i", kid: "k" });
    expect(detailOf({ kid: undefined, alg: "RS256", iss: "i" })).toEqual({ iss: "i" });
    expect(detailOf(undefined)).toEqual({});
  });
});
