/**
 * functions/introspection/config.ts: required settings, bounds, and discovery versus a configured endpoint.
 */
import { describe, expect, it } from "vitest";
import { parseIntrospectionConfig } from "../../../../functions/introspection/config.ts";

const BASE = { INTROSPECTION_CLIENT_ID: "authorizer", INTROSPECTION_CLIENT_SECRET: "s3cret" };

describe("parseIntrospectionConfig", () => {
  it("uses discovery from ISSUER by default, with the documented defaults", () => {
    const config = parseIntrospectionConfig({ ...BASE, ISSUER: "https://idp.example.com/" });
    expect(config).toMatchObject({
      issuer: "https://idp.example.com/", introspectionEndpoint: undefined, audiences: [], timeoutMs: 3000,
      cacheTtlSeconds: 300, negativeCacheTtlSeconds: 10, cacheMaxEntries: 10_000,
    });
  });

  it("accepts INTROSPECTION_ENDPOINT alone", () => {
    const config = parseIntrospectionConfig({ ...BASE, INTROSPECTION_ENDPOINT: "https://idp.example.com/oauth2/introspect" });
    expect(config.issuer).toBeUndefined();
    expect(config.introspectionEndpoint?.href).toBe("https://idp.example.com/oauth2/introspect");
  });

  it("names every bad variable at once", () => {
    const attempt = () => parseIntrospectionConfig({
      INTROSPECTION_ENDPOINT: "http://idp.example.com/introspect",
      INTROSPECTION_TIMEOUT_MS: "20000",
      INTROSPECTION_CACHE_TTL_SECONDS: "-1",
      AUDIENCE: "*",
    });
    for (const name of ["INTROSPECTION_ENDPOINT", "INTROSPECTION_CLIENT_ID", "INTROSPECTION_CLIENT_SECRET", "INTROSPECTION_TIMEOUT_MS", "INTROSPECTION_CACHE_TTL_SECONDS", "AUDIENCE"]) {
      expect(attempt).toThrow(name);
    }
  });
});
