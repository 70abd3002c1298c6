import { describe, expect, it } from "vitest";
import { DEFAULT_CONTEXT_BUDGET_BYTES, toAuthorizerContext } from "../../../../shared/policy/context.ts";

const CLAIMS = {
  sub: "248289761001",
  iss: "https://issuer.example.com/",
  aud: ["api://orders", "api://billing"],
  exp: 1_750_000_000,
  email_verified: true,
  scope: "orders:read orders:write",
  address: { country: "FR", locality: "Lyon" },
  nothing: null,
};

describe("toAuthorizerContext", () => {
  describe("flat (REST, WebSocket, IAM answers)", () => {
    it("keeps strings, numbers and booleans and writes arrays and objects as JSON strings", () => {
      const { context, dropped } = toAuthorizerContext(CLAIMS, true);

      expect(context).toEqual({
        sub: "248289761001",
        iss: "https://issuer.example.com/",
        aud: '["api://orders","api://billing"]',
        exp: 1_750_000_000,
        email_verified: true,
        scope: "orders:read orders:write",
        address: '{"country":"FR","locality":"Lyon"}',
      });
      expect(dropped).toEqual([]);
    });

    it("holds only primitive values", () => {
      const { context } = toAuthorizerContext({ ...CLAIMS, deep: { a: [{ b: 1 }] }, list: [1, "two"] }, true);

      for (const value of Object.values(context)) expect(["string", "number", "boolean"]).toContain(typeof value);
    });

    it("leaves out null, undefined and non-finite numbers", () => {
      const { context } = toAuthorizerContext({ a: null, b: undefined, c: Number.NaN, d: Number.POSITIVE_INFINITY, e: 0, f: false, g: "" }, true);

      expect(context).toEqual({ e: 0, f: false, g: "" });
    });
  });

  describe("nested (HTTP API 2.0 simple responses)", () => {
    it("keeps arrays and objects as they are", () => {
      const { context } = toAuthorizerContext(CLAIMS, false);

      expect(context.aud).toEqual(["api://orders", "api://billing"]);
      expect(context.address).toEqual({ country: "FR", locality: "Lyon" });
      expect(context.exp).toBe(1_750_000_000);
    });
  });

  describe("budget", () => {
    it("defaults to 2048 bytes", () => {
      expect(DEFAULT_CONTEXT_BUDGET_BYTES).toBe(2_048);
      const { context, dropped } = toAuthorizerContext({ sub: "p", blob: "x".repeat(3_000) }, true);

      expect(context).toEqual({ sub: "p" });
      expect(dropped).toEqual(["blob"]);
    });

    it("puts sub, iss, client_id, scope first and the rest by name", () => {
      const { context } = toAuthorizerContext({ zeta: 1, scope: "s", alpha: 2, client_id: "c", iss: "i", sub: "p" }, true);

      expect(Object.keys(context)).toEqual(["sub", "iss", "client_id", "scope", "alpha", "zeta"]);
    });

    it("drops the lowest-priority claims first and reports them", () => {
      // Prepare: room for sub and iss (counted as 22 bytes: "{}" plus 10 per entry with its comma), not for a third
      const claims = { aaa: "1", sub: "p", zzz: "2", iss: "i" };

      // Act
      const { context, dropped } = toAuthorizerContext(claims, true, 24);

      // Assess
      expect(context).toEqual({ sub: "p", iss: "i" });
      expect(dropped).toEqual(["aaa", "zzz"]);
    });

    it("keeps the result within the budget in bytes of JSON", () => {
      const claims = { sub: "é".repeat(40), name: "ü".repeat(40), email: "a@example.com", other: "x".repeat(50) };

      for (const budget of [10, 50, 100, 150, 200, 300]) {
        const { context } = toAuthorizerContext(claims, true, budget);
        expect(Buffer.byteLength(JSON.stringify(context)), `budget ${budget}`).toBeLessThanOrEqual(budget);
      }
    });

    it("still fits a smaller claim after a larger one is dropped", () => {
      const { context, dropped } = toAuthorizerContext({ sub: "p", big: "x".repeat(100), small: "y" }, true, 40);

      expect(context).toEqual({ sub: "p", small: "y" });
      expect(dropped).toEqual(["big"]);
    });

    it("counts the nested JSON of 2.0 contexts", () => {
      const { dropped } = toAuthorizerContext({ sub: "p", groups: Array.from({ length: 500 }, (_, i) => `group-${i}`) }, false);

      expect(dropped).toEqual(["groups"]);
    });
  });
});
