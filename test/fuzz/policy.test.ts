/**
 * Properties of the policy builder and of decide → respond: for any principal, claims, route rules,
 * ARN and answer options, the answer is one API Gateway accepts, it says what the decision said about
 * the call's own ARN, and nothing unauthenticated is ever allowed.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decide, type AccessRules, type Principal } from "../../shared/decide.ts";
import { ReasonCode } from "../../shared/errors.ts";
import { toAuthRequest } from "../../shared/events/normalise.ts";
import type { AuthRequest } from "../../shared/events/types.ts";
import { buildPlannedPolicy } from "../../shared/policy/builder.ts";
import { respond, type Answer, type Outcome, type ResponseOptions } from "../../shared/respond.ts";
import { parseRuleSet, type RouteRuleSet } from "../../shared/rules.ts";
import { evaluateAnswer } from "../helpers/policy.ts";
import { allowsAnything, answerProblem, executeApiArn, fuzzParams, fuzzTimeout, recordedEvents } from "./support.ts";

/** One recorded event per kind (and case), to carry a generated ARN. */
const BASE_EVENTS = recordedEvents("abc.def.ghi").filter((event) => {
  try {
    toAuthRequest(event);
    return true;
  } catch {
    return false;
  }
});

/** A request of any kind on any valid ARN. */
const request: fc.Arbitrary<AuthRequest> = fc.tuple(fc.nat({ max: BASE_EVENTS.length - 1 }), executeApiArn, fc.option(fc.constantFrom("GET /orders/{id}", "$connect", "$default", "DELETE /admin/{proxy+}"), { nil: undefined }))
  .map(([index, arn, routeKey]) => {
    const event = structuredClone(BASE_EVENTS[index]) as Record<string, unknown>;
    if ("routeArn" in event) event.routeArn = arn;
    else event.methodArn = arn;
    if (routeKey !== undefined) event.routeKey = routeKey;
    else delete event.routeKey;
    return toAuthRequest(event);
  });

const word = fc.oneof(fc.constantFrom("orders:read", "orders:write", "admins", "users", "acme", "mtls", "jwt"), fc.string({ minLength: 1, maxLength: 12 }));

/** Claims of any shape: strings, numbers, arrays, nested maps, huge values. */
const claims = fc.dictionary(
  fc.oneof(fc.constantFrom("sub", "iss", "scope", "scp", "tenant", "cognito:groups", "email_verified", "__proto__", "constructor"), fc.string({ maxLength: 20 })),
  fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.string({ minLength: 1_000, maxLength: 5_000 }), fc.array(word, { maxLength: 5 })),
  { maxKeys: 12 },
);

const principal: fc.Arbitrary<Principal> = fc.record({
  principalId: fc.oneof(fc.string({ minLength: 1, maxLength: 64 }), fc.constantFrom("client-42", "tenant-a")),
  claims,
  scopes: fc.array(word, { maxLength: 5 }),
  groups: fc.array(word, { maxLength: 3 }),
  schemes: fc.array(word, { maxLength: 2 }),
  usageIdentifierKey: fc.option(fc.string({ minLength: 1, maxLength: 60 }), { nil: undefined }),
}).map(({ usageIdentifierKey, ...rest }) => ({ ...rest, ...(usageIdentifierKey === undefined ? {} : { usageIdentifierKey }) }));

const segment = fc.oneof(fc.constantFrom("orders", "admin", "{id}", "{proxy+}", "*", "users", "items", "a*b"), fc.stringMatching(/^[A-Za-z0-9._~-]{1,8}$/));
const routeKey = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("$default", "$connect", "$disconnect", "sendMessage", "GET /orders/{id}", "ANY /admin/{proxy+}", "* /*", "POST /orders") },
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY", "*"), fc.array(segment, { maxLength: 5 })).map(([method, parts]) => `${method} /${parts.join("/")}`) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 600 }).map((length) => `GET /${"x".repeat(length)}`) },
);
const requirement = fc.oneof(fc.array(word, { minLength: 1, maxLength: 3 }), fc.record({ anyOf: fc.array(word, { minLength: 1, maxLength: 3 }) }), fc.record({ allOf: fc.array(word, { minLength: 1, maxLength: 3 }) }));
const claimCondition = fc.oneof(
  fc.record({ equals: fc.oneof(word, fc.integer(), fc.boolean()) }),
  fc.record({ oneOf: fc.array(fc.oneof(word, fc.integer(), fc.boolean()), { minLength: 1, maxLength: 3 }) }),
  fc.record({ exists: fc.boolean() }),
);
const rule = fc.record({
  route: routeKey,
  routes: fc.array(routeKey, { minLength: 1, maxLength: 3 }),
  scopes: requirement,
  groups: requirement,
  claims: fc.dictionary(fc.constantFrom("tenant", "sub", "email_verified", "cognito:groups"), claimCondition, { minKeys: 1, maxKeys: 2 }),
  schemes: requirement,
}, { requiredKeys: [] }).map((draft) => {
  // exactly one of route / routes
  const { route, routes, ...rest } = draft;
  return route !== undefined ? { route, ...rest } : { routes: routes ?? ["$default"], ...rest };
});
const routeRules: fc.Arbitrary<RouteRuleSet | undefined> = fc.option(
  fc.array(rule, { minLength: 1, maxLength: 6 }).map((rules) => parseRuleSet({ rules })).filter((parsed): parsed is RouteRuleSet => !Array.isArray(parsed)),
  { nil: undefined },
);
const accessRules: fc.Arbitrary<AccessRules> = fc.record({
  requiredScopes: fc.array(word, { maxLength: 2 }),
  requiredGroups: fc.array(word, { maxLength: 1 }),
  routeRules,
});
const responseOptions: fc.Arbitrary<ResponseOptions> = fc.record({
  httpApiResponse: fc.constantFrom("simple" as const, "iam" as const),
  httpApiUnauthenticated: fc.constantFrom("throw" as const, "deny" as const),
  contextBudgetBytes: fc.oneof(fc.integer({ min: 2, max: 4_096 }), fc.integer({ min: 8_000, max: 20_000 })),
  contextClaims: fc.option(fc.array(fc.record({ name: fc.string({ minLength: 1, maxLength: 10 }), claim: fc.constantFrom("sub", "tenant", "scope", "nested") }), { maxLength: 4 }), { nil: undefined }),
});

/** `respond`, with a 401 as `"401"`. */
function answerOf(req: AuthRequest, outcome: Outcome, options: ResponseOptions): Answer | "401" {
  try {
    return respond(req, outcome, options);
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe("Unauthorized");
    expect(Object.keys(error as Error)).toEqual([]);
    return "401";
  }
}

describe("the policy builder (shared/policy/builder.ts)", () => {
  it("builds a 2012-10-17 policy of execute-api:Invoke statements, Allow then Deny, each resource once", () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), fc.array(executeApiArn, { maxLength: 5 }), fc.array(executeApiArn, { maxLength: 5 }), (principalId, allow, deny) => {
      fc.pre(allow.length + deny.length > 0);
      const result = buildPlannedPolicy({ principalId, allow, deny });
      expect(result.policyDocument.Version).toBe("2012-10-17");
      expect(result.policyDocument.Statement.map((statement) => statement.Effect)).toEqual([...(allow.length > 0 ? ["Allow"] : []), ...(deny.length > 0 ? ["Deny"] : [])]);
      for (const statement of result.policyDocument.Statement) {
        expect(statement.Action).toBe("execute-api:Invoke");
        expect(new Set(statement.Resource).size).toBe(statement.Resource.length);
      }
      expect(result.principalId).toBe(principalId);
    }), fuzzParams(500));
  }, fuzzTimeout(20_000));

  it("refuses an answer without any resource", () => {
    expect(() => buildPlannedPolicy({ principalId: "p", allow: [], deny: [] })).toThrow(TypeError);
  });
});

describe("decide → respond (shared/decide.ts, shared/respond.ts)", () => {
  it("answers what API Gateway accepts, and what the decision says for the call's own ARN", () => {
    fc.assert(fc.property(request, principal, accessRules, responseOptions, (req, who, rules, options) => {
      const decision = decide(who, rules, req);
      const outcome: Outcome = { decision: decision.effect === "Allow" ? "allow" : "deny", principal: who, reason: decision.reason, plan: decision };
      const answer = answerOf(req, outcome, options);
      expect(answer).not.toBe("401");
      if (answer === "401") return;
      expect(answerProblem(answer.result, req.kind)).toBeUndefined();
      if (answer.failedClosed !== undefined) {
        expect(answer.failedClosed).toBe(ReasonCode.policyTooLarge);
        expect(allowsAnything(answer.result)).toBe(false);
        return;
      }
      expect(evaluateAnswer(answer.result, req.resourceArn)).toBe(decision.effect);
      expect(decision.reason === ReasonCode.ok).toBe(decision.effect === "Allow");
    }), fuzzParams(1_000));
  }, fuzzTimeout(30_000));

  it("never allows anything for an unauthenticated or principal-less outcome", () => {
    const failure = fc.oneof(
      fc.constantFrom(...Object.values(ReasonCode)).map((reason): Outcome => ({ decision: "unauthenticated", reason })),
      fc.constantFrom(...Object.values(ReasonCode)).map((reason): Outcome => ({ decision: "deny", principal: undefined, reason })),
    );
    fc.assert(fc.property(request, failure, responseOptions, (req, outcome, options) => {
      const answer = answerOf(req, outcome, options);
      if (answer === "401") return;
      expect(answerProblem(answer.result, req.kind)).toBeUndefined();
      expect(allowsAnything(answer.result)).toBe(false);
      expect(evaluateAnswer(answer.result, req.resourceArn)).toBe("Deny");
    }), fuzzParams(500));
  }, fuzzTimeout(20_000));
});
