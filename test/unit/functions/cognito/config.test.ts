import { describe, expect, it } from "vitest";
import { parseCognitoConfig } from "../../../../functions/cognito/config.ts";
import type { Env } from "../../../../shared/config/env.ts";
import { ConfigError } from "../../../../shared/errors.ts";

const GOOD: Env = { USER_POOL_ID: "us-east-1_AbC123", CLIENT_ID: "1example23456789" };

/** The ConfigError's problems for `env`, or fails the test when it parses. */
function problems(env: Env): readonly string[] {
  try {
    parseCognitoConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return expect.unreachable("expected a ConfigError");
}

describe("parseCognitoConfig", () => {
  it("reads a minimal configuration with secure defaults", () => {
    const config = parseCognitoConfig(GOOD);

    expect(config.userPools).toEqual([{ userPoolId: "us-east-1_AbC123", jwksUri: undefined }]);
    expect(config.clientIds).toEqual(["1example23456789"]);
    expect(config.tokenUse).toBe("access");
    expect(config.requiredGroups).toEqual([]);
    expect(config.requiredScopes).toEqual([]);
    expect(config.tokenSources).toEqual([{ in: "header", name: "authorization" }]);
    expect(config.response).toEqual({ httpApiResponse: "simple", httpApiUnauthenticated: "throw" });
  });

  it("is frozen", () => {
    expect(Object.isFrozen(parseCognitoConfig(GOOD))).toBe(true);
  });

  it("reads several pools, clients and groups, and the ID token use", () => {
    const config = parseCognitoConfig({
      USER_POOL_ID: "us-east-1_AbC123, eu-west-1_xyz789",
      CLIENT_ID: "client-a,client-b",
      TOKEN_USE: "id",
      REQUIRED_GROUPS: "admins, ops",
      REQUIRED_SCOPES: "orders/read",
    });

    expect(config.userPools.map((pool) => pool.userPoolId)).toEqual(["us-east-1_AbC123", "eu-west-1_xyz789"]);
    expect(config.clientIds).toEqual(["client-a", "client-b"]);
    expect(config.tokenUse).toBe("id");
    expect(config.requiredGroups).toEqual(["admins", "ops"]);
    expect(config.requiredScopes).toEqual(["orders/read"]);
  });

  it.each(["us-east-1_AbC123", "us-gov-west-1_a1", "cn-north-1_Z", "ap-southeast-2_abcDEF789"])("accepts the pool id %s", (id) => {
    expect(parseCognitoConfig({ ...GOOD, USER_POOL_ID: id }).userPools[0]?.userPoolId).toBe(id);
  });

  it.each(["AbC123", "us-east-1", "us-east-1_", "us-east-1_Ab-C", "US-EAST-1_AbC123", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123"])(
    "refuses the pool id %s",
    (id) => {
      expect(problems({ ...GOOD, USER_POOL_ID: id })).toEqual([expect.stringMatching(/^USER_POOL_ID has /)]);
    },
  );

  it("names only the bad pool ids", () => {
    expect(problems({ ...GOOD, USER_POOL_ID: "us-east-1_good,bad,worse" })[0]).toMatch(/^USER_POOL_ID has bad, worse:/);
  });

  it("requires USER_POOL_ID and CLIENT_ID, naming both in one ConfigError", () => {
    const found = problems({});

    expect(found).toEqual([expect.stringMatching(/^USER_POOL_ID is missing: /), expect.stringMatching(/^CLIENT_ID is missing: /)]);
  });

  it("refuses `*` as a client id", () => {
    expect(problems({ ...GOOD, CLIENT_ID: "*" })).toEqual([expect.stringMatching(/^CLIENT_ID may not contain `\*`/)]);
  });

  it("refuses a TOKEN_USE other than access or id", () => {
    expect(problems({ ...GOOD, TOKEN_USE: "refresh" })).toEqual([expect.stringMatching(/^TOKEN_USE is "refresh", not one of access, id/)]);
  });

  it("pairs JWKS_URI overrides with the pools in order", () => {
    const config = parseCognitoConfig({
      ...GOOD,
      USER_POOL_ID: "us-east-1_One,us-east-1_Two",
      JWKS_URI: "http://127.0.0.1:9229/one/jwks.json, https://proxy.internal.example.com/two/jwks.json",
    });

    expect(config.userPools.map((pool) => [pool.userPoolId, pool.jwksUri?.href])).toEqual([
      ["us-east-1_One", "http://127.0.0.1:9229/one/jwks.json"],
      ["us-east-1_Two", "https://proxy.internal.example.com/two/jwks.json"],
    ]);
  });

  it("keeps two identical JWKS_URI entries for two pools (the list is positional)", () => {
    const config = parseCognitoConfig({ ...GOOD, USER_POOL_ID: "us-east-1_One,us-east-1_Two", JWKS_URI: "http://127.0.0.1:9229/jwks.json,http://127.0.0.1:9229/jwks.json" });

    expect(config.userPools.map((pool) => pool.jwksUri?.href)).toEqual(["http://127.0.0.1:9229/jwks.json", "http://127.0.0.1:9229/jwks.json"]);
  });

  it.each([
    ["more URLs than pools", "us-east-1_One", "https://a.example.com/jwks,https://b.example.com/jwks", "has 2 URLs for 1 user pools"],
    ["fewer URLs than pools", "us-east-1_One,us-east-1_Two", "https://a.example.com/jwks", "has 1 URLs for 2 user pools"],
  ])("refuses %s in JWKS_URI", (_name, pools, uris, what) => {
    expect(problems({ ...GOOD, USER_POOL_ID: pools, JWKS_URI: uris })).toEqual([`JWKS_URI ${what}: give one URL per pool, in USER_POOL_ID's order.`]);
  });

  it("refuses an http JWKS_URI on a non-loopback host", () => {
    expect(problems({ ...GOOD, JWKS_URI: "http://proxy.example.com/jwks.json" })).toEqual([
      expect.stringMatching(/^JWKS_URI has an unusable URL \(must be https/),
    ]);
  });

  it("collects every problem, the shared settings' included, in one ConfigError", () => {
    const found = problems({ USER_POOL_ID: "bad", TOKEN_USE: "both", JWKS_URI: "ftp://x/a,ftp://x/b", HTTP_API_RESPONSE: "xml" });

    expect(found.map((problem) => problem.split(" ")[0])).toEqual(["USER_POOL_ID", "CLIENT_ID", "TOKEN_USE", "JWKS_URI", "JWKS_URI", "JWKS_URI", "HTTP_API_RESPONSE"]);
  });
});
