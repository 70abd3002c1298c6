import { beforeAll, describe, expect, it } from "vitest";
import { decide, scopesOf, type AccessRules, type Principal } from "../../../shared/decide.ts";
import { ReasonCode } from "../../../shared/errors.ts";
import { toAuthRequest } from "../../../shared/events/normalise.ts";
import type { AuthRequest } from "../../../shared/events/types.ts";
import { loadEvent } from "../../helpers/events.ts";

let req: AuthRequest;
beforeAll(async () => {
  req = toAuthRequest(await loadEvent("rest-request/valid.json", { token: "t" }));
});

function principal(scopes: readonly string[], groups: readonly string[] = []): Principal {
  return { principalId: "user-1", claims: { sub: "user-1" }, scopes, groups };
}

const NO_RULES: AccessRules = { requiredScopes: [], requiredGroups: [] };

describe("decide", () => {
  it("allows with reason ok when nothing is required", () => {
    expect(decide(principal([]), NO_RULES, req)).toMatchObject({ effect: "Allow", reason: ReasonCode.ok });
  });

  it("allows when every required scope and group is held", () => {
    const rules: AccessRules = { requiredScopes: ["orders:read", "orders:write"], requiredGroups: ["admins"] };

    expect(decide(principal(["orders:write", "profile", "orders:read"], ["users", "admins"]), rules, req)).toMatchObject({ effect: "Allow", reason: ReasonCode.ok });
  });

  it("denies with insufficient_scope when a required scope is missing", () => {
    const rules: AccessRules = { requiredScopes: ["orders:read", "orders:write"], requiredGroups: [] };

    expect(decide(principal(["orders:read"]), rules, req)).toMatchObject({ effect: "Deny", reason: ReasonCode.insufficientScope });
  });

  it("denies with missing_group when a required group is missing", () => {
    const rules: AccessRules = { requiredScopes: [], requiredGroups: ["admins", "ops"] };

    expect(decide(principal([], ["admins"]), rules, req)).toMatchObject({ effect: "Deny", reason: ReasonCode.missingGroup });
  });

  it("reports the scope first when both a scope and a group are missing", () => {
    const rules: AccessRules = { requiredScopes: ["orders:read"], requiredGroups: ["admins"] };

    expect(decide(principal([], []), rules, req).reason).toBe(ReasonCode.insufficientScope);
  });

  it("compares scopes exactly: no prefix, case or wildcard match", () => {
    const rules: AccessRules = { requiredScopes: ["orders:read"], requiredGroups: [] };

    for (const granted of [["orders"], ["Orders:Read"], ["orders:*"], ["*"], ["orders:read:own"]]) {
      expect(decide(principal(granted), rules, req).effect, granted.join()).toBe("Deny");
    }
  });

  it("does not treat a scope as a group or a group as a scope", () => {
    expect(decide(principal(["admins"], []), { requiredScopes: [], requiredGroups: ["admins"] }, req).effect).toBe("Deny");
    expect(decide(principal([], ["orders:read"]), { requiredScopes: ["orders:read"], requiredGroups: [] }, req).effect).toBe("Deny");
  });
});

describe("scopesOf", () => {
  it("splits the scope string on spaces", () => {
    expect(scopesOf({ scope: "openid  orders:read profile " })).toEqual(["openid", "orders:read", "profile"]);
  });

  it("reads an scp array or string", () => {
    expect(scopesOf({ scp: ["orders:read", 7, "orders:write"] })).toEqual(["orders:read", "orders:write"]);
    expect(scopesOf({ scp: "orders:read orders:write" })).toEqual(["orders:read", "orders:write"]);
  });

  it("merges scope and scp without duplicates", () => {
    expect(scopesOf({ scope: "a b", scp: ["b", "c"] })).toEqual(["a", "b", "c"]);
  });

  it("returns no scopes when neither claim is usable", () => {
    expect(scopesOf({})).toEqual([]);
    expect(scopesOf({ scope: 42, scp: { a: 1 } })).toEqual([]);
  });
});
