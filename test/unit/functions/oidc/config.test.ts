import { describe, expect, it } from "vitest";
import { parseOidcConfig } from "../../../../functions/oidc/config.ts";
import type { Env } from "../../../../shared/config/env.ts";
import { ConfigError } from "../../../../shared/errors.ts";

const GOOD: Env = { ISSUER: "https://example.eu.auth0.com/", AUDIENCE: "https://api.example.com" };

/** The ConfigError's problems for `env`, or fails the test when it parses. */
function problems(env: Env): readonly string[] {
  try {
    parseOidcConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return expect.unreachable("expected a ConfigError");
}

describe("parseOidcConfig", () => {
  it("reads a minimal configuration with secure defaults", () => {
    // Act
    const config = parseOidcConfig(GOOD);

    // Assess
    expect(config.issuer).toBe("https://example.eu.auth0.com/");
    expect(config.audiences).toEqual(["https://api.example.com"]);
    expect(config.jwksUri).toBeUndefined();
    expect(config.algorithms).toEqual(["RS256"]);
    expect(config.tokenSources).toEqual([{ in: "header", name: "authorization" }]);
    expect(config.requiredScopes).toEqual([]);
    expect(config.clockToleranceSeconds).toBe(0);
    expect(config.response).toEqual({ httpApiResponse: "simple", httpApiUnauthenticated: "throw" });
  });

  it("keeps the issuer exactly as written, trailing slash included, without surrounding blanks", () => {
    expect(parseOidcConfig({ ...GOOD, ISSUER: "  https://login.example.com/realms/demo  " }).issuer).toBe("https://login.example.com/realms/demo");
    expect(parseOidcConfig({ ...GOOD, ISSUER: "https://example.eu.auth0.com" }).issuer).toBe("https://example.eu.auth0.com");
  });

  it("reads every variable", () => {
    const config = parseOidcConfig({
      ...GOOD,
      AUDIENCE: "api://orders, api://billing",
      JWKS_URI: "https://example.eu.auth0.com/.well-known/jwks.json",
      ALGORITHMS: "RS256,ES256,PS256,EdDSA",
      REQUIRED_SCOPES: "orders:read orders:write",
      TOKEN_SOURCES: "header:Authorization,cookie:session",
      HTTP_API_RESPONSE: "iam",
      HTTP_API_UNAUTHENTICATED: "deny",
      CLOCK_TOLERANCE_SECONDS: "60",
    });

    expect(config).toMatchObject({
      audiences: ["api://orders", "api://billing"],
      algorithms: ["RS256", "ES256", "PS256", "EdDSA"],
      requiredScopes: ["orders:read", "orders:write"],
      tokenSources: [
        { in: "header", name: "authorization" },
        { in: "cookie", name: "session" },
      ],
      response: { httpApiResponse: "iam", httpApiUnauthenticated: "deny" },
      clockToleranceSeconds: 60,
    });
    expect(config.jwksUri?.href).toBe("https://example.eu.auth0.com/.well-known/jwks.json");
  });

  it("is frozen", () => {
    expect(Object.isFrozen(parseOidcConfig(GOOD))).toBe(true);
  });

  it("accepts http issuer and JWKS URLs on a loopback host only", () => {
    const config = parseOidcConfig({ ...GOOD, ISSUER: "http://127.0.0.1:4000", JWKS_URI: "http://localhost:4000/jwks" });

    expect(config.issuer).toBe("http://127.0.0.1:4000");
    expect(config.jwksUri?.href).toBe("http://localhost:4000/jwks");
  });

  it("requires ISSUER and AUDIENCE, naming both in one ConfigError", () => {
    const found = problems({});

    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^ISSUER is missing: /);
    expect(found[1]).toMatch(/^AUDIENCE is missing: set the aud/);
  });

  it("refuses an http issuer on a non-loopback host", () => {
    expect(problems({ ...GOOD, ISSUER: "http://example.eu.auth0.com/" })).toEqual([expect.stringMatching(/^ISSUER is not usable \(must be https/)]);
  });

  it("refuses `*` in AUDIENCE", () => {
    expect(problems({ ...GOOD, AUDIENCE: "*" })).toEqual([expect.stringMatching(/^AUDIENCE may not contain `\*`/)]);
    expect(problems({ ...GOOD, AUDIENCE: "api://orders,*" })).toEqual([expect.stringMatching(/^AUDIENCE may not contain `\*`/)]);
  });

  it("refuses an AUDIENCE of separators only", () => {
    expect(problems({ ...GOOD, AUDIENCE: " , " })).toEqual([expect.stringMatching(/^AUDIENCE is empty/)]);
  });

  it("refuses an unusable JWKS_URI", () => {
    expect(problems({ ...GOOD, JWKS_URI: "http://example.eu.auth0.com/jwks" })).toEqual([expect.stringMatching(/^JWKS_URI is not usable/)]);
    expect(problems({ ...GOOD, JWKS_URI: "jwks.json" })).toEqual([expect.stringMatching(/^JWKS_URI is not usable \(not an absolute URL\)/)]);
  });

  it.each(["none", "HS256", "HS512", "rs256", "RS256,none"])("refuses ALGORITHMS=%s", (algorithms) => {
    const found = problems({ ...GOOD, ALGORITHMS: algorithms });

    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^ALGORITHMS has /);
    expect(found[0]).toContain("never none or HMAC");
  });

  it("names every refused algorithm", () => {
    expect(problems({ ...GOOD, ALGORITHMS: "none,RS256,HS256" })[0]).toMatch(/^ALGORITHMS has none, HS256:/);
  });

  // BUG (functions/oidc/config.ts, parseOidcConfig): ALGORITHMS set to separators only yields algorithms [] with no
  // problem; every token is then refused at run time instead of the cold start failing with a ConfigError.
  it("refuses an ALGORITHMS that lists no algorithm", () => {
    expect(problems({ ...GOOD, ALGORITHMS: "," })).toEqual([expect.stringMatching(/^ALGORITHMS /)]);
  });

  it("collects the shared settings' problems in the same ConfigError", () => {
    const found = problems({ AUDIENCE: "*", ALGORITHMS: "HS256", TOKEN_SOURCES: "header", CLOCK_TOLERANCE_SECONDS: "-5" });

    expect(found.map((problem) => problem.split(" ")[0])).toEqual(["ISSUER", "AUDIENCE", "ALGORITHMS", "TOKEN_SOURCES", "CLOCK_TOLERANCE_SECONDS"]);
  });

  it("lists every problem in the error message", () => {
    try {
      parseOidcConfig({ ALGORITHMS: "none" });
      expect.unreachable("expected a ConfigError");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      for (const name of ["ISSUER", "AUDIENCE", "ALGORITHMS"]) expect(message).toContain(`- ${name} `);
    }
  });
});
