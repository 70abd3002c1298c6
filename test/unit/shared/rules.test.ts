import { beforeAll, describe, expect, it } from "vitest";
import { decide, type AccessRules, type Principal } from "../../../shared/decide.ts";
import { toAuthRequest } from "../../../shared/events/normalise.ts";
import type { AuthRequest } from "../../../shared/events/types.ts";
import { parseRouteKey, type ParsedRoute } from "../../../shared/policy/routes.ts";
import { checkRule, parseRuleSet, type RouteRuleSet } from "../../../shared/rules.ts";
import { evaluateAnswer } from "../../helpers/policy.ts";

const API = "arn:aws:execute-api:us-east-1:123456789012:abcdef123";

function principal(scopes: string[] = [], groups: string[] = [], claims: Record<string, unknown> = {}): Principal {
  return { principalId: "p-1", claims: { sub: "p-1", ...claims }, scopes, groups };
}

function rules(json: unknown): RouteRuleSet {
  const parsed = parseRuleSet(json);
  if (Array.isArray(parsed)) throw new Error(parsed.join("; "));
  return parsed;
}

function tokenEvent(route: string): AuthRequest {
  return toAuthRequest({ type: "TOKEN", methodArn: `${API}/prod/${route}`, authorizationToken: "Bearer x" });
}

describe("parseRouteKey", () => {
  it.each([
    ["GET /orders/{id}", "GET/orders/*"],
    ["ANY /admin/{proxy+}", "*/admin/*"],
    ["* /health", "*/health"],
    ["GET *", "GET*"],
    ["POST /orders", "POST/orders"],
    ["$default", "*"],
    ["$connect", "$connect"],
    ["sendMessage", "sendMessage"],
    ["get /orders", "GET/orders"],
  ])("turns %s into the ARN pattern %s", (key, pattern) => {
    expect((parseRouteKey(key) as ParsedRoute).pattern).toBe(pattern);
  });

  it.each(["GIT /orders", "GET orders", "GET /a/{proxy+}/b", "GET /a b", "", "GET /<script>"])("refuses %j", (key) => {
    expect(typeof parseRouteKey(key)).toBe("string");
  });
});

describe("parseRuleSet", () => {
  it("names the bad rule by its path", () => {
    const problems = parseRuleSet({ rules: [{ route: "GET /ok" }, { route: "GIT /orders" }, { routes: [], scopes: [] }] });
    expect(Array.isArray(problems)).toBe(true);
    const text = (problems as string[]).join("\n");
    expect(text).toMatch(/rules\.1\.route: "GIT \/orders" has an unknown method GIT/);
    expect(text).toMatch(/rules\.2\.routes/);
  });

  it("refuses unknown fields, a rule with both route and routes, and an empty rule list", () => {
    expect(Array.isArray(parseRuleSet({ rules: [{ route: "GET /a", scope: ["x"] }] }))).toBe(true);
    expect(Array.isArray(parseRuleSet({ rules: [{ route: "GET /a", routes: ["GET /b"] }] }))).toBe(true);
    expect(Array.isArray(parseRuleSet({ rules: [] }))).toBe(true);
    expect(Array.isArray(parseRuleSet([{ route: "GET /a" }]))).toBe(true);
  });
});

describe("checkRule", () => {
  const set = rules({
    rules: [
      { route: "GET /a", scopes: ["s1", "s2"] },
      { route: "GET /b", scopes: { anyOf: ["s1", "s2"] } },
      { route: "GET /c", groups: { allOf: ["admins"] } },
      { route: "GET /d", claims: { tenant: { equals: "acme" }, tier: { oneOf: ["gold", "silver"] }, org: { exists: true }, banned: { exists: false } } },
      { route: "GET /e", claims: { roles: { equals: "editor" }, verified: { equals: true } } },
    ],
  });
  const rule = (index: number) => set.rules[index]!;

  it("requires all of a list, or any of an anyOf", () => {
    expect(checkRule(rule(0), principal(["s1"])).reason).toBe("insufficient_scope");
    expect(checkRule(rule(0), principal(["s1", "s2"])).satisfied).toBe(true);
    expect(checkRule(rule(1), principal(["s2"])).satisfied).toBe(true);
    expect(checkRule(rule(1), principal(["s3"])).satisfied).toBe(false);
  });

  it("checks groups", () => {
    expect(checkRule(rule(2), principal([], ["staff"])).reason).toBe("missing_group");
    expect(checkRule(rule(2), principal([], ["admins"])).satisfied).toBe(true);
  });

  it("checks claim conditions: equals, oneOf, exists true and false", () => {
    const good = { tenant: "acme", tier: "gold", org: "o-1" };
    expect(checkRule(rule(3), principal([], [], good)).satisfied).toBe(true);
    expect(checkRule(rule(3), principal([], [], { ...good, tenant: "evil" })).reason).toBe("claim_mismatch");
    expect(checkRule(rule(3), principal([], [], { ...good, tier: "bronze" })).reason).toBe("claim_mismatch");
    expect(checkRule(rule(3), principal([], [], { tenant: "acme", tier: "gold" })).reason).toBe("claim_mismatch");
    expect(checkRule(rule(3), principal([], [], { ...good, banned: true })).reason).toBe("claim_mismatch");
  });

  it("matches equals against array claims by membership and compares types strictly", () => {
    expect(checkRule(rule(4), principal([], [], { roles: ["viewer", "editor"], verified: true })).satisfied).toBe(true);
    expect(checkRule(rule(4), principal([], [], { roles: ["viewer"], verified: true })).satisfied).toBe(false);
    expect(checkRule(rule(4), principal([], [], { roles: "editor", verified: "true" })).satisfied).toBe(false);
  });
});

describe("decide with route rules", () => {
  const set = rules({
    rules: [
      { route: "GET /orders/{id}", scopes: ["orders:read"] },
      { route: "GET /orders/{id}/items", scopes: ["orders:items"] },
      { route: "ANY /admin/{proxy+}", groups: ["admins"] },
      { route: "GET /health" },
    ],
  });
  const access: AccessRules = { requiredScopes: [], requiredGroups: [], routeRules: set };
  const routes = ["GET/orders/1", "GET/orders/1/items", "DELETE/admin/users/7", "GET/admin/x", "GET/health", "POST/unknown"];
  let events: Map<string, AuthRequest>;
  beforeAll(() => {
    events = new Map(routes.map((route) => [route, tokenEvent(route)]));
  });

  it("allows exactly the routes whose rules the caller meets, and denies routes no rule covers", () => {
    const decision = decide(principal(["orders:read"]), access, events.get("GET/orders/1")!);
    expect(decision.effect).toBe("Allow");
    expect(decision.allow).toEqual([`${API}/prod/GET/orders/*`, `${API}/prod/GET/health`]);
    // GET /orders/{id} becomes GET/orders/* which also reaches /items: an explicit Deny keeps that route closed.
    expect(decision.deny).toEqual([`${API}/prod/GET/orders/*/items`]);
  });

  it.each([
    ["orders:read only", principal(["orders:read"])],
    ["items only", principal(["orders:items"])],
    ["admin", principal([], ["admins"])],
    ["nothing", principal()],
    ["everything", principal(["orders:read", "orders:items"], ["admins"])],
  ])("gives %s the same answer on every route whether the policy is fresh or cached from another route", (_name, caller) => {
    const expected: Record<string, "Allow" | "Deny"> = {};
    for (const route of routes) {
      const rule = route.startsWith("GET/orders/1/items") ? caller.scopes.includes("orders:items")
        : route.startsWith("GET/orders") ? caller.scopes.includes("orders:read")
          : route.includes("/admin/") ? caller.groups.includes("admins")
            : route === "GET/health";
      expected[route] = rule ? "Allow" : "Deny";
    }
    for (const first of routes) {
      const cachedPlan = decide(caller, access, events.get(first)!);
      const cached = { policyDocument: { Statement: [
        ...(cachedPlan.allow.length > 0 ? [{ Action: "execute-api:Invoke", Effect: "Allow" as const, Resource: [...cachedPlan.allow] }] : []),
        ...(cachedPlan.deny.length > 0 ? [{ Action: "execute-api:Invoke", Effect: "Deny" as const, Resource: [...cachedPlan.deny] }] : []),
      ] } };
      for (const later of routes) {
        const arn = `${API}/prod/${later}`;
        const fresh = decide(caller, access, events.get(later)!);
        expect(fresh.effect, `fresh ${later}`).toBe(expected[later]);
        expect(evaluateAnswer(cached, arn), `cached from ${first}, then ${later}`).toBe(expected[later]);
      }
    }
  });

  it("reports the unmet requirement of the route called, or no_matching_route", () => {
    const caller = principal(["orders:read"]);
    expect(decide(caller, access, events.get("DELETE/admin/users/7")!).reason).toBe("missing_group");
    expect(decide(caller, access, events.get("GET/orders/1/items")!).reason).toBe("insufficient_scope");
    expect(decide(caller, access, events.get("POST/unknown")!).reason).toBe("no_matching_route");
  });

  it("uses a provider's own rules instead of the function's", () => {
    const own = rules({ rules: [{ route: "GET /health", groups: ["nobody"] }] });
    const decision = decide({ ...principal(["orders:read"]), routeRules: own }, access, events.get("GET/health")!);
    expect(decision.effect).toBe("Deny");
    expect(decision.reason).toBe("missing_group");
  });

  it("applies global REQUIRED_SCOPES before the route rules and denies the whole API", () => {
    const decision = decide(principal(["orders:read"]), { ...access, requiredScopes: ["api:use"] }, events.get("GET/health")!);
    expect(decision).toMatchObject({ effect: "Deny", reason: "insufficient_scope", allow: [], deny: [`${API}/*`] });
  });
});
