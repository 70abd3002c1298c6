/**
 * The one place outcomes become what API Gateway expects. No other module picks a status.
 *
 * | outcome | REST, WebSocket, HTTP API 1.0 | HTTP API 2.0 simple | HTTP API 2.0 iam |
 * |---|---|---|---|
 * | allow | Allow policy on the whole stage | `{isAuthorized: true, context}` | Allow policy |
 * | deny (403) | Deny policy on the whole API | `{isAuthorized: false}` | Deny policy |
 * | unauthenticated (401) | reject `Error("Unauthorized")` | per `HTTP_API_UNAUTHENTICATED`: reject `Unauthorized` (`throw`, default) or `{isAuthorized: false}` (`deny`) | same |
 *
 * On REST and WebSocket only an error whose message is exactly `Unauthorized` gives 401; anything else
 * thrown gives 500, so nothing else is ever thrown from here.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
 * @module
 */
import type { Principal } from "./decide.ts";
import type { ReasonCode } from "./errors.ts";
import { EventKind, type AuthRequest } from "./events/types.ts";
import { wholeApiResource, wholeStageResource } from "./policy/arn.ts";
import { buildPolicy, buildSimpleResponse, type AuthorizerResult } from "./policy/builder.ts";
import { toAuthorizerContext, type FlatContext } from "./policy/context.ts";

/** How HTTP API answers are shaped (from `HTTP_API_RESPONSE` and `HTTP_API_UNAUTHENTICATED`). */
export interface ResponseOptions {
  /** `simple` (default) when the HTTP API has `EnableSimpleResponses: true`; `iam` otherwise. Payload 2.0 only. */
  readonly httpApiResponse: "simple" | "iam";
  /** HTTP API 2.0 answer to "who are you?" failures: `throw` → reject `Unauthorized`; `deny` → `{isAuthorized: false}`. */
  readonly httpApiUnauthenticated: "throw" | "deny";
  /** Byte budget of `context`. */
  readonly contextBudgetBytes?: number;
}

/** What the pipeline decided. */
export type Outcome =
  | { readonly decision: "allow"; readonly principal: Principal; readonly reason: ReasonCode }
  | { readonly decision: "deny"; readonly principal: Principal | undefined; readonly reason: ReasonCode }
  | { readonly decision: "unauthenticated"; readonly reason: ReasonCode };

/** The rejection API Gateway turns into 401. A fresh error each time: its message is the contract. */
export function unauthorized(): Error {
  return new Error("Unauthorized");
}

/**
 * Turn `outcome` into the answer for `req`'s event kind.
 *
 * @param req `undefined` when the event could not be read: the answer is then always a 401.
 * @returns the policy or simple response, and the claim names left out of `context` for size.
 * @throws {Error} exactly `Error("Unauthorized")` for 401 outcomes.
 */
export function respond(req: AuthRequest | undefined, outcome: Outcome, options: ResponseOptions): { result: AuthorizerResult; dropped: string[] } {
  const simple = req?.kind === EventKind.httpV2 && options.httpApiResponse === "simple";
  if (outcome.decision === "unauthenticated") {
    if (req?.kind === EventKind.httpV2 && options.httpApiUnauthenticated === "deny") return { result: buildSimpleOrDeny(req, simple), dropped: [] };
    throw unauthorized();
  }
  if (req === undefined) throw unauthorized();
  if (outcome.decision === "deny") return { result: buildSimpleOrDeny(req, simple, outcome.principal?.principalId), dropped: [] };

  const { principal } = outcome;
  const { context, dropped } = toAuthorizerContext(principal.claims, !simple, options.contextBudgetBytes);
  if (simple) return { result: buildSimpleResponse(true, context), dropped };
  return {
    result: buildPolicy({
      principalId: principal.principalId,
      effect: "Allow",
      // The decision does not depend on the route, so the Allow covers the whole stage: a cached answer is right for every route.
      resources: [wholeStageResource(req.arn)],
      context: context as FlatContext,
      ...(principal.usageIdentifierKey !== undefined ? { usageIdentifierKey: principal.usageIdentifierKey } : {}),
    }),
    dropped,
  };
}

function buildSimpleOrDeny(req: AuthRequest, simple: boolean, principalId = "anonymous"): AuthorizerResult {
  if (simple) return buildSimpleResponse(false);
  return buildPolicy({ principalId, effect: "Deny", resources: [wholeApiResource(req.arn)] });
}
