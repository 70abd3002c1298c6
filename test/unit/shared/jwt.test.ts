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
