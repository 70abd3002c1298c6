import { describe, expect, it } from "vitest";
import { buildPolicy, buildSimpleResponse } from "../../../../shared/policy/builder.ts";

const STAGE = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/*";
const API = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/*";

describe("buildPolicy", () => {
  it("builds one execute-api:Invoke statement of the given effect", () => {
    // Act
    const result = buildPolicy({ principalId: "user-1", effect: "Allow", resources: [STAGE] });

    // Assess
    expect(result).toEqual({
      principalId: "user-1",
      policyDocument: {
        Version: "2012-10-17",
        Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: [STAGE] }],
      },
    });
  });

  it("builds a Deny the same way", () => {
    const result = buildPolicy({ principalId: "anonymous", effect: "Deny", resources: [API] });

    expect(result.policyDocument.Statement).toEqual([{ Action: "execute-api:Invoke", Effect: "Deny", Resource: [API] }]);
  });

  it("keeps several resources in order, without duplicates", () => {
    const result = buildPolicy({ principalId: "p", effect: "Allow", resources: [STAGE, API, STAGE] });

    expect(result.policyDocument.Statement[0]?.Resource).toEqual([STAGE, API]);
  });

  it("throws a TypeError when resources is empty", () => {
    expect(() => buildPolicy({ principalId: "p", effect: "Allow", resources: [] })).toThrow(TypeError);
  });

  it("adds context and usageIdentifierKey when given", () => {
    const result = buildPolicy({
      principalId: "p",
      effect: "Allow",
      resources: [STAGE],
      context: { sub: "p", admin: true, n: 3 },
      usageIdentifierKey: "usage-plan-key-value",
    });

    expect(result.context).toEqual({ sub: "p", admin: true, n: 3 });
    expect(result.usageIdentifierKey).toBe("usage-plan-key-value");
  });

  it("leaves out an empty context and an absent usageIdentifierKey", () => {
    const result = buildPolicy({ principalId: "p", effect: "Allow", resources: [STAGE], context: {} });

    expect(Object.keys(result)).toEqual(["principalId", "policyDocument"]);
  });

  it("does not share the caller's resources array", () => {
    const resources = [STAGE];
    const result = buildPolicy({ principalId: "p", effect: "Allow", resources });
    resources.push(API);

    expect(result.policyDocument.Statement[0]?.Resource).toEqual([STAGE]);
  });
});

describe("buildSimpleResponse", () => {
  it("answers isAuthorized true with the context", () => {
    expect(buildSimpleResponse(true, { sub: "p", groups: ["a"] })).toEqual({ isAuthorized: true, context: { sub: "p", groups: ["a"] } });
  });

  it("answers isAuthorized false without any context", () => {
    expect(buildSimpleResponse(false, { sub: "p" })).toEqual({ isAuthorized: false });
  });

  it("leaves out an empty or absent context", () => {
    expect(buildSimpleResponse(true, {})).toEqual({ isAuthorized: true });
    expect(buildSimpleResponse(true)).toEqual({ isAuthorized: true });
  });
});
