import { describe, expect, it } from "vitest";
import { ASYMMETRIC_ALGORITHMS, readCommonConfig } from "../../../../shared/config/common.ts";
import { EnvReader, type Env } from "../../../../shared/config/env.ts";
import { ConfigError } from "../../../../shared/errors.ts";

/** Read the common config and finish: the config, or the ConfigError's problems. */
function read(env: Env): ReturnType<typeof readCommonConfig> | readonly string[] {
  const reader = new EnvReader(env);
  const config = readCommonConfig(reader);
  try {
    reader.finish();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return config;
}

function config(env: Env): ReturnType<typeof readCommonConfig> {
  const result = read(env);
  if (Array.isArray(result)) throw new Error(`unexpected problems: ${result.join("; ")}`);
  return result as ReturnType<typeof readCommonConfig>;
}

function problems(env: Env): readonly string[] {
  const result = read(env);
  return Array.isArray(result) ? (result as readonly string[]) : [];
}

describe("readCommonConfig", () => {
  it("gives secure defaults when nothing is set", () => {
    expect(config({})).toEqual({
      tokenSources: [{ in: "header", name: "authorization" }],
      requiredScopes: [],
      clockToleranceSeconds: 0,
      routeRules: undefined,
      principalClaim: undefined,
      network: { allowed: undefined, denied: undefined, vpcEndpoints: [] },
      response: { httpApiResponse: "simple", httpApiUnauthenticated: "throw", contextClaims: undefined },
    });
  });

  it("reads every setting", () => {
    const parsed = config({
      TOKEN_SOURCES: "header:X-Token, query:token,cookie:session",
      REQUIRED_SCOPES: "orders:read  orders:write",
      CLOCK_TOLERANCE_SECONDS: "30",
      HTTP_API_RESPONSE: "iam",
      HTTP_API_UNAUTHENTICATED: "deny",
      ROUTE_RULES: '{"rules":[{"route":"GET /orders/{id}","scopes":["orders:read"]}]}',
      PRINCIPAL_CLAIM: "client_id",
      CONTEXT_CLAIMS: "sub,tenant=custom:tenant",
      ALLOWED_VPC_ENDPOINTS: "vpce-0123456789abcdef0",
    });

    expect(parsed.routeRules?.rules[0]?.routes[0]?.routeKey).toBe("GET /orders/{id}");
    expect(parsed.network.vpcEndpoints).toEqual(["vpce-0123456789abcdef0"]);
    expect({ ...parsed, routeRules: undefined, network: undefined }).toEqual({
      tokenSources: [
        { in: "header", name: "x-token" },
        { in: "query", name: "token" },
        { in: "cookie", name: "session" },
      ],
      requiredScopes: ["orders:read", "orders:write"],
      clockToleranceSeconds: 30,
      routeRules: undefined,
      principalClaim: "client_id",
      network: undefined,
      response: { httpApiResponse: "iam", httpApiUnauthenticated: "deny", contextClaims: [{ name: "sub", claim: "sub" }, { name: "tenant", claim: "custom:tenant" }] },
    });
  });

  it("names every bad variable in one ConfigError", () => {
    const found = problems({
      TOKEN_SOURCES: "body:token",
      REQUIRED_SCOPES: "*",
      CLOCK_TOLERANCE_SECONDS: "301",
      HTTP_API_RESPONSE: "policy",
      HTTP_API_UNAUTHENTICATED: "allow",
    });

    expect(found).toHaveLength(5);
    for (const [index, name] of ["TOKEN_SOURCES", "REQUIRED_SCOPES", "CLOCK_TOLERANCE_SECONDS", "HTTP_API_RESPONSE", "HTTP_API_UNAUTHENTICATED"].entries()) {
      expect(found[index]).toMatch(new RegExp(`^${name} `));
    }
    expect(found[0]).toContain('"body:token"');
  });

  it("never lists none or an HMAC algorithm as asymmetric", () => {
    expect(ASYMMETRIC_ALGORITHMS).not.toContain("none");
    expect(ASYMMETRIC_ALGORITHMS.filter((alg) => alg.startsWith("HS"))).toEqual([]);
  });

  // BUG (shared/config/common.ts, readCommonConfig): TOKEN_SOURCES set to separators only ("," or " , ") yields an
  // empty source list without a problem, so every REQUEST event silently becomes missing_token (401).
  it("refuses a TOKEN_SOURCES that lists no source", () => {
    expect(problems({ TOKEN_SOURCES: " , " })).toEqual([expect.stringMatching(/^TOKEN_SOURCES /)]);
  });
});
