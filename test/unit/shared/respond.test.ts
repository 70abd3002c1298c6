import { beforeAll, describe, expect, it } from "vitest";
import { decide, type Principal } from "../../../shared/decide.ts";
import { ReasonCode } from "../../../shared/errors.ts";
import { toAuthRequest } from "../../../shared/events/normalise.ts";
import type { AuthRequest } from "../../../shared/events/types.ts";
import type { PolicyResult, SimpleResult } from "../../../shared/policy/builder.ts";
import { respond, unauthorized, type Outcome, type ResponseOptions } from "../../../shared/respond.ts";
import { loadEvent } from "../../helpers/events.ts";

const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXNwb25kIn0.c2lnbmF0dXJl";
const API = "arn:aws:execute-api:us-east-1:123456789012:abcdef123";
const STAGE_RESOURCE = `${API}/prod/*`;
const API_RESOURCE = `${API}/*`;

const PRINCIPAL: Principal = {
  principalId: "user-1",
  claims: { sub: "user-1", scope: "orders:read", "cognito:groups": ["admins", "ops"], address: { country: "FR" } },
  scopes: ["orders:read"],
  groups: ["admins", "ops"],
};

const ALLOW: Outcome = { decision: "allow", principal: PRINCIPAL, reason: ReasonCode.ok, plan: { allow: [STAGE_RESOURCE], deny: [] } };
const DENY: Outcome = { decision: "deny", principal: PRINCIPAL, reason: ReasonCode.insufficientScope, plan: { allow: [], deny: [API_RESOURCE] } };
const DENY_ANONYMOUS: Outcome = { decision: "deny", principal: undefined, reason: ReasonCode.missingGroup };
const UNAUTHENTICATED: Outcome = { decision: "unauthenticated", reason: ReasonCode.expired };

const SIMPLE_THROW: ResponseOptions = { httpApiResponse: "simple", httpApiUnauthenticated: "throw" };
const SIMPLE_DENY: ResponseOptions = { httpApiResponse: "simple", httpApiUnauthenticated: "deny" };
const IAM_THROW: ResponseOptions = { httpApiResponse: "iam", httpApiUnauthenticated: "throw" };
const IAM_DENY: ResponseOptions = { httpApiResponse: "iam", httpApiUnauthenticated: "deny" };
const ALL_OPTIONS = [SIMPLE_THROW, SIMPLE_DENY, IAM_THROW, IAM_DENY];

/** Event kinds answered with an IAM policy whatever HTTP_API_RESPONSE says. */
const POLICY_KINDS = ["rest-token/valid.json", "rest-request/valid.json", "websocket-connect/valid.json", "http-v1/valid.json"] as const;

const requests = new Map<string, AuthRequest>();
function req(file: string): AuthRequest {
  const found = requests.get(file);
  if (found === undefined) throw new Error(`${file} not loaded`);
  return found;
}

beforeAll(async () => {
  for (const file of [...POLICY_KINDS, "http-v2/valid.json", "rest-request/cn-partition.json", "http-v2/default-stage.json"]) {
    requests.set(file, toAuthRequest(await loadEvent(file, { token: TOKEN })));
  }
});

/** The rejection `respond` throws, or fails the test when it answers instead. */
function rejection(request: AuthRequest | undefined, outcome: Outcome, options: ResponseOptions): unknown {
  try {
    const answer = respond(request, outcome, options);
    return expect.unreachable(`expected a rejection, got ${JSON.stringify(answer.result)}`);
  } catch (error) {
    return error;
  }
}

function expectUnauthorized(error: unknown): void {
  expect(error).toBeInstanceOf(Error);
  expect(Object.getPrototypeOf(error)).toBe(Error.prototype);
  expect((error as Error).message).toBe("Unauthorized");
}

function policyOf(result: unknown): PolicyResult {
  expect(result).toHaveProperty("policyDocument");
  return result as PolicyResult;
}

describe("respond", () => {
  describe.each(POLICY_KINDS)("%s (IAM policy answers)", (file) => {
    it.each(ALL_OPTIONS)("allows the whole stage with a flat context (%o)", (options) => {
      // Act
      const { result, dropped } = respond(req(file), ALLOW, options);

      // Assess
      const policy = policyOf(result);
      expect(policy.principalId).toBe("user-1");
      expect(policy.policyDocument).toEqual({
        Version: "2012-10-17",
        Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: [STAGE_RESOURCE] }],
      });
      expect(policy.context).toEqual({ sub: "user-1", scope: "orders:read", "cognito:groups": '["admins","ops"]', address: '{"country":"FR"}' });
      expect(dropped).toEqual([]);
    });

    it.each(ALL_OPTIONS)("denies the whole API with an explicit Deny (%o)", (options) => {
      const policy = policyOf(respond(req(file), DENY, options).result);

      expect(policy.principalId).toBe("user-1");
      expect(policy.policyDocument.Statement).toEqual([{ Action: "execute-api:Invoke", Effect: "Deny", Resource: [API_RESOURCE] }]);
      expect(policy.context).toBeUndefined();
      expect(policy.usageIdentifierKey).toBeUndefined();
    });

    it("denies as anonymous when no principal is known", () => {
      const policy = policyOf(respond(req(file), DENY_ANONYMOUS, SIMPLE_THROW).result);

      expect(policy.principalId).toBe("anonymous");
      expect(policy.policyDocument.Statement[0]?.Effect).toBe("Deny");
    });

    it.each(ALL_OPTIONS)("rejects exactly Error('Unauthorized') when unauthenticated, whatever HTTP_API_UNAUTHENTICATED says (%o)", (options) => {
      expectUnauthorized(rejection(req(file), UNAUTHENTICATED, options));
    });

    it("passes usageIdentifierKey through on Allow", () => {
      const outcome: Outcome = { ...ALLOW, principal: { ...PRINCIPAL, usageIdentifierKey: "usage-key-123" } };

      expect(policyOf(respond(req(file), outcome, SIMPLE_THROW).result).usageIdentifierKey).toBe("usage-key-123");
    });
  });

  describe("http-v2 with simple responses", () => {
    it("allows with isAuthorized true and the nested context", () => {
      const { result } = respond(req("http-v2/valid.json"), ALLOW, SIMPLE_THROW);

      expect(result).toEqual({
        isAuthorized: true,
        context: { sub: "user-1", scope: "orders:read", "cognito:groups": ["admins", "ops"], address: { country: "FR" } },
      });
    });

    it.each([SIMPLE_THROW, SIMPLE_DENY])("denies with isAuthorized false and no context (%o)", (options) => {
      expect(respond(req("http-v2/valid.json"), DENY, options).result).toEqual({ isAuthorized: false });
      expect(respond(req("http-v2/valid.json"), DENY_ANONYMOUS, options).result).toEqual({ isAuthorized: false });
    });

    it("rejects exactly Error('Unauthorized') when unauthenticated and HTTP_API_UNAUTHENTICATED is throw", () => {
      expectUnauthorized(rejection(req("http-v2/valid.json"), UNAUTHENTICATED, SIMPLE_THROW));
    });

    it("answers isAuthorized false when unauthenticated and HTTP_API_UNAUTHENTICATED is deny", () => {
      const { result, dropped } = respond(req("http-v2/valid.json"), UNAUTHENTICATED, SIMPLE_DENY);

      expect(result).toEqual({ isAuthorized: false });
      expect(dropped).toEqual([]);
    });

    it("does not put usageIdentifierKey in a simple response", () => {
      const outcome: Outcome = { ...ALLOW, principal: { ...PRINCIPAL, usageIdentifierKey: "usage-key-123" } };

      expect(respond(req("http-v2/valid.json"), outcome, SIMPLE_THROW).result).not.toHaveProperty("usageIdentifierKey");
    });
  });

  describe("http-v2 with IAM policy responses", () => {
    it("allows the whole stage with a flat context", () => {
      const policy = policyOf(respond(req("http-v2/valid.json"), ALLOW, IAM_THROW).result);

      expect(policy.policyDocument.Statement).toEqual([{ Action: "execute-api:Invoke", Effect: "Allow", Resource: [STAGE_RESOURCE] }]);
      expect(policy.context?.["cognito:groups"]).toBe('["admins","ops"]');
    });

    it("denies the whole API", () => {
      const policy = policyOf(respond(req("http-v2/valid.json"), DENY, IAM_THROW).result);

      expect(policy.policyDocument.Statement).toEqual([{ Action: "execute-api:Invoke", Effect: "Deny", Resource: [API_RESOURCE] }]);
    });

    it("rejects exactly Error('Unauthorized') when unauthenticated and HTTP_API_UNAUTHENTICATED is throw", () => {
      expectUnauthorized(rejection(req("http-v2/valid.json"), UNAUTHENTICATED, IAM_THROW));
    });

    it("answers a Deny policy for anonymous when unauthenticated and HTTP_API_UNAUTHENTICATED is deny", () => {
      const policy = policyOf(respond(req("http-v2/valid.json"), UNAUTHENTICATED, IAM_DENY).result);

      expect(policy.principalId).toBe("anonymous");
      expect(policy.policyDocument.Statement).toEqual([{ Action: "execute-api:Invoke", Effect: "Deny", Resource: [API_RESOURCE] }]);
    });
  });

  describe("resources", () => {
    it("keeps the partition and the $default stage in the policy", () => {
      const planned = (request: AuthRequest): Outcome => ({ ...ALLOW, plan: decide(PRINCIPAL, { requiredScopes: [], requiredGroups: [] }, request) });
      const cn = policyOf(respond(req("rest-request/cn-partition.json"), planned(req("rest-request/cn-partition.json")), SIMPLE_THROW).result);
      const defaultStage = policyOf(respond(req("http-v2/default-stage.json"), planned(req("http-v2/default-stage.json")), IAM_THROW).result);

      expect(cn.policyDocument.Statement[0]?.Resource).toEqual(["arn:aws-cn:execute-api:cn-north-1:123456789012:abcdef123/prod/*"]);
      expect(defaultStage.policyDocument.Statement[0]?.Resource).toEqual([`${API}/$default/*`]);
    });

    it("gives the same Allow for every route of the stage, so a cached policy is right for all of them", () => {
      const one = toAuthRequest({ type: "TOKEN", methodArn: `${API}/prod/GET/orders/1`, authorizationToken: "x" });
      const other = toAuthRequest({ type: "TOKEN", methodArn: `${API}/prod/DELETE/admin/users/7`, authorizationToken: "x" });

      expect(respond(one, ALLOW, SIMPLE_THROW).result).toEqual(respond(other, ALLOW, SIMPLE_THROW).result);
    });
  });

  describe("context budget", () => {
    it("drops claims over contextBudgetBytes and reports them", () => {
      const outcome: Outcome = { ...ALLOW, principal: { ...PRINCIPAL, claims: { sub: "user-1", blob: "x".repeat(500) } } };

      const { result, dropped } = respond(req("rest-request/valid.json"), outcome, { ...SIMPLE_THROW, contextBudgetBytes: 100 });

      expect(policyOf(result).context).toEqual({ sub: "user-1" });
      expect(dropped).toEqual(["blob"]);
    });

    it("uses the default budget when none is configured", () => {
      const outcome: Outcome = { ...ALLOW, principal: { ...PRINCIPAL, claims: { sub: "user-1", blob: "x".repeat(3_000) } } };

      const { result, dropped } = respond(req("http-v2/valid.json"), outcome, SIMPLE_THROW);

      expect((result as SimpleResult).context).toEqual({ sub: "user-1" });
      expect(dropped).toEqual(["blob"]);
    });

    it("leaves context out when the principal has no claims", () => {
      const outcome: Outcome = { ...ALLOW, principal: { ...PRINCIPAL, claims: {} } };

      expect(policyOf(respond(req("rest-token/valid.json"), outcome, SIMPLE_THROW).result).context).toBeUndefined();
      expect(respond(req("http-v2/valid.json"), outcome, SIMPLE_THROW).result).toEqual({ isAuthorized: true });
    });
  });

  describe("an event that could not be read", () => {
    it.each([
      ["allow", ALLOW],
      ["deny", DENY],
      ["unauthenticated", UNAUTHENTICATED],
    ] as const)("rejects exactly Error('Unauthorized') for %s, never an Allow", (_name, outcome) => {
      for (const options of ALL_OPTIONS) expectUnauthorized(rejection(undefined, outcome, options));
    });
  });
});

describe("unauthorized", () => {
  it("is a plain Error with the message API Gateway maps to 401, fresh on each call", () => {
    const first = unauthorized();

    expectUnauthorized(first);
    expect(unauthorized()).not.toBe(first);
  });
});
