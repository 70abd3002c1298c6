/**
 * The IAM policy document a Lambda authorizer returns to REST, WebSocket and HTTP APIs (payload 1.0, or
 * 2.0 with simple responses off), and the HTTP API 2.0 simple response. Pure functions: no I/O, no clock.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
 * @module
 */
import type { FlatContext, NestedContext } from "./context.ts";

/** IAM statement effect. */
export type Effect = "Allow" | "Deny";

/** One statement: `execute-api:Invoke` on `Resource` ARNs. */
export interface PolicyStatement {
  readonly Action: "execute-api:Invoke";
  readonly Effect: Effect;
  readonly Resource: readonly string[];
}

/** The policy document (`Version` 2012-10-17). */
export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

/** The authorizer answer in IAM policy format. */
export interface PolicyResult {
  readonly principalId: string;
  readonly policyDocument: PolicyDocument;
  /** Reaches the backend as `$context.authorizer.<key>`; values are strings, numbers or booleans only. */
  readonly context?: FlatContext;
  /** The usage plan API key value, for REST APIs whose API key source is `AUTHORIZER`. */
  readonly usageIdentifierKey?: string;
}

/** The HTTP API 2.0 simple response (`EnableSimpleResponses: true`). */
export interface SimpleResult {
  readonly isAuthorized: boolean;
  /** Reaches the backend under `requestContext.authorizer.lambda`; may nest. */
  readonly context?: NestedContext;
}

/** What a handler resolves to; a 401 is a rejection with `Error("Unauthorized")` instead. */
export type AuthorizerResult = PolicyResult | SimpleResult;

/** Input of {@link buildPolicy}. */
export interface PolicyInput {
  readonly principalId: string;
  readonly effect: Effect;
  /** `execute-api` ARNs, wildcards allowed (`*` any run of characters, `?` one character). At least one. */
  readonly resources: readonly string[];
  readonly context?: FlatContext;
  readonly usageIdentifierKey?: string;
}

/**
 * Build a policy result with one statement of `effect` over `resources`.
 * @throws {TypeError} when `resources` is empty (a statement without a resource is rejected by API Gateway with a 500).
 */
export function buildPolicy(input: PolicyInput): PolicyResult {
  if (input.resources.length === 0) throw new TypeError("buildPolicy: at least one resource is required");
  return {
    principalId: input.principalId,
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: input.effect, Resource: [...new Set(input.resources)] }],
    },
    ...(input.context !== undefined && Object.keys(input.context).length > 0 ? { context: input.context } : {}),
    ...(input.usageIdentifierKey !== undefined ? { usageIdentifierKey: input.usageIdentifierKey } : {}),
  };
}

/** Input of {@link buildPlannedPolicy}: an Allow and a Deny list (either may be empty, not both). */
export interface PlannedPolicyInput {
  readonly principalId: string;
  readonly allow: readonly string[];
  readonly deny: readonly string[];
  readonly context?: FlatContext;
  readonly usageIdentifierKey?: string;
}

/**
 * Build a policy result with one Allow statement over `allow` and one Deny statement over `deny`
 * (statements merged per effect: the fewest statements API Gateway has to evaluate).
 * @throws {TypeError} when both lists are empty.
 */
export function buildPlannedPolicy(input: PlannedPolicyInput): PolicyResult {
  const statements: PolicyStatement[] = [];
  if (input.allow.length > 0) statements.push({ Action: "execute-api:Invoke", Effect: "Allow", Resource: [...new Set(input.allow)] });
  if (input.deny.length > 0) statements.push({ Action: "execute-api:Invoke", Effect: "Deny", Resource: [...new Set(input.deny)] });
  if (statements.length === 0) throw new TypeError("buildPlannedPolicy: at least one resource is required");
  return {
    principalId: input.principalId,
    policyDocument: { Version: "2012-10-17", Statement: statements },
    ...(input.context !== undefined && Object.keys(input.context).length > 0 ? { context: input.context } : {}),
    ...(input.usageIdentifierKey !== undefined ? { usageIdentifierKey: input.usageIdentifierKey } : {}),
  };
}

/** The HTTP API 2.0 simple response. */
export function buildSimpleResponse(isAuthorized: boolean, context?: NestedContext): SimpleResult {
  return isAuthorized && context !== undefined && Object.keys(context).length > 0 ? { isAuthorized, context } : { isAuthorized };
}
