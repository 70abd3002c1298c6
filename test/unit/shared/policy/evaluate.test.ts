import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluateAnswer, iamMatch, patternsOverlap, SEGMENT } from "../../../../shared/policy/evaluate.ts";
import { iamMatch as referenceMatch } from "../../../helpers/policy.ts";

const alphabet = fc.constantFrom("a", "b", "/", "*", "?");
const literal = fc.constantFrom("a", "b", "/");

describe("iamMatch", () => {
  it("agrees with the regular-expression reference on random patterns and values", () => {
    fc.assert(fc.property(fc.string({ unit: alphabet, maxLength: 8 }), fc.string({ unit: literal, maxLength: 8 }), (pattern, value) => {
      expect(iamMatch(pattern, value)).toBe(referenceMatch(pattern, value));
    }), { numRuns: 2_000 });
  });

  it("lets * cross slashes, as IAM does", () => {
    expect(iamMatch("arn:x/prod/GET/orders/*", "arn:x/prod/GET/orders/1/items")).toBe(true);
    expect(iamMatch("arn:x/prod/GET/orders/?", "arn:x/prod/GET/orders/12")).toBe(false);
  });
});

describe("patternsOverlap", () => {
  it("is true exactly when some string matches both patterns (checked against every short string)", () => {
    const strings: string[] = [""];
    for (let length = 1; length <= 5; length += 1) {
      for (const prefix of strings.filter((s) => s.length === length - 1)) for (const char of ["a", "b", "/"]) strings.push(prefix + char);
    }
    fc.assert(fc.property(fc.string({ unit: alphabet, maxLength: 4 }), fc.string({ unit: alphabet, maxLength: 4 }), (a, b) => {
      const witness = strings.some((s) => referenceMatch(a, s) && referenceMatch(b, s));
      if (witness) expect(patternsOverlap(a, b)).toBe(true);
      if (!patternsOverlap(a, b)) expect(witness).toBe(false);
    }), { numRuns: 1_000 });
  });

  it("treats SEGMENT as one or more characters other than /", () => {
    expect(patternsOverlap(`GET/orders/${SEGMENT}`, "GET/orders/*/items")).toBe(false);
    expect(patternsOverlap(`GET/orders/${SEGMENT}`, "GET/orders/*")).toBe(true);
    expect(patternsOverlap(`${SEGMENT}/x`, "GET/x")).toBe(true);
    expect(patternsOverlap(`${SEGMENT}/x`, "/x")).toBe(false);
    expect(patternsOverlap(`a${SEGMENT}`, "a/b")).toBe(false);
  });

  it("sees that GET/orders/* reaches GET/orders/*/items but GET/orders/*/items does not reach GET/health", () => {
    expect(patternsOverlap("GET/orders/*", "GET/orders/*/items")).toBe(true);
    expect(patternsOverlap("GET/orders/*/items", "GET/health")).toBe(false);
  });
});

describe("evaluateAnswer", () => {
  const arn = "arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/orders/1";
  it("lets an explicit Deny win over an Allow, and denies when nothing matches", () => {
    const statement = (Effect: "Allow" | "Deny", Resource: string[]) => ({ Action: "execute-api:Invoke", Effect, Resource });
    expect(evaluateAnswer({ policyDocument: { Statement: [statement("Allow", ["*"])] } }, arn)).toBe("Allow");
    expect(evaluateAnswer({ policyDocument: { Statement: [statement("Allow", ["*"]), statement("Deny", ["*/orders/*"])] } }, arn)).toBe("Deny");
    expect(evaluateAnswer({ policyDocument: { Statement: [statement("Allow", ["*/admin/*"])] } }, arn)).toBe("Deny");
    expect(evaluateAnswer({ isAuthorized: true }, arn)).toBe("Allow");
    expect(evaluateAnswer(null, arn)).toBe("Deny");
  });
});
