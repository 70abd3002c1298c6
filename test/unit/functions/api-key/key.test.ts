import { describe, expect, it } from "vitest";
import { generateApiKey, hashSecret, parseApiKey, secretMatches } from "../../../../functions/api-key/key.ts";

describe("API key format", () => {
  it("makes <prefix>_<keyId>_<secret> keys that parse back, with a 256-bit secret", () => {
    // Act
    const key = generateApiKey("ak");
    // Assess
    expect(key.apiKey).toBe(`ak_${key.keyId}_${key.secret}`);
    expect(key.keyId).toMatch(/^[0-9a-f]{24}$/);
    expect(Buffer.from(key.secret, "base64url")).toHaveLength(32);
    expect(parseApiKey(key.apiKey, "ak")).toEqual({ keyId: key.keyId, secret: key.secret });
  });

  it("parses a secret that itself contains _", () => {
    const secret = "abc_def-ghi_jklmnopqrstuvwxyz0123456789";
    expect(parseApiKey(`ak_0123456789abcdef01234567_${secret}`, "ak")).toEqual({ keyId: "0123456789abcdef01234567", secret });
  });

  it("never repeats a key id or a secret", () => {
    const keys = Array.from({ length: 200 }, () => generateApiKey("ak"));
    expect(new Set(keys.map((key) => key.keyId)).size).toBe(200);
    expect(new Set(keys.map((key) => key.secret)).size).toBe(200);
  });

  it.each([
    ["another prefix", "sk_0123456789abcdef01234567_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"],
    ["no key id", "ak__c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"],
    ["a short key id", "ak_0123_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"],
    ["a short secret", "ak_0123456789abcdef01234567_short"],
    ["a secret with a space", "ak_0123456789abcdef01234567_c2VjcmV0LXNlY3JldC1 zZWNyZXQtc2VjcmV0"],
    ["no separator", "ak0123456789abcdef01234567c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"],
  ])("refuses %s", (_name, value) => {
    expect(parseApiKey(value, "ak")).toBeUndefined();
  });

  it("refuses a prefix with upper case or _", () => {
    expect(() => generateApiKey("A_b")).toThrow(TypeError);
  });
});

describe("secret hashing", () => {
  it("stores SHA-256 as 64 hex digits and matches only the right secret", () => {
    const key = generateApiKey("ak");
    expect(key.secretHash).toBe(hashSecret(key.secret));
    expect(key.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(secretMatches(key.secret, key.secretHash)).toBe(true);
    expect(secretMatches(`${key.secret}x`, key.secretHash)).toBe(false);
    expect(secretMatches(key.secret, "00")).toBe(false);
  });
});
