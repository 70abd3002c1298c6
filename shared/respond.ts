/**
 * The one place outcomes become what API Gateway expects. No other module picks a status.
 *
 * | outcome | REST, WebSocket, HTTP API 1.0 | HTTP API 2.0 simple | HTTP API 2.0 iam |
 * |---|---|---|---|
 * | allow / deny (403) | the decision's plan as a policy: Allow statement, Deny statement | `{isAuthorized, context}` for the current route | the plan as a policy |
 * | unauthenticated (401) | reject `Error("Unauthorized")` | per `HTTP_API_UNAUTHENTICATED`: reject `Unauthorized` (`throw`, default) or `{isAuthorized: false}` (`deny`) | same |
 *
 * On REST and WebSocket only an error whose message is exactly `Unauthorized` gives 401; anything else
 * thrown gives 500, so nothing else is ever thrown from here. An answer API Gateway would reject (a
 * Resource ARN over 512 characters, a WebSocket result over 8 KB) is replaced by a Deny of the whole API
 * with reason `policy_too_large`, never sent.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
 * @module
 */
import type { Principal } from "./decide.ts";
import { ReasonCode } from "./errors.ts";
import { EventKind, type AuthRequest } from "./events/types.ts";
import { wholeApiResource } from "./policy/arn.ts";
import { buildPlannedPolicy, buildSimpleResponse, type AuthorizerResult } from "./policy/builder.ts";
import { toAuthorizerContext, type FlatContext } from "./policy/context.ts";

/** How HTTP API answers are shaped (from `HTTP_API_RESPONSE` and `HTTP_API_UNAUTHENTICATED`). */
export interface ResponseOptions {
  /** `simple` (default) when the HTTP API has `EnableSimpleResponses: true`; `iam` otherwise. Payload 2.0 only. */
  readonly httpApiResponse: "simple" | "iam";
  /** HTTP API 2.0 answer to "who are you?" failures: `throw` → reject `Unauthorized`; `deny` → `{isAuthorized: false}`. */
  readonly httpApiUnauthenticated: "throw" | "deny";
  /** Byte budget of `context`. */
  readonly contextBudgetBytes?: number;
  /** Which claims go into `context`, and under which names; `undefined`: every claim, by priority. */
  readonly contextClaims?: readonly { readonly name: string; readonly claim: string }[] | undefined;
}

/** Allow and Deny resources of a policy answer. */
export interface PolicyPlan {
  readonly allow: readonly string[];
  readonly deny: readonly string[];
}

/** What the pipeline decided. */
export type Outcome =
  | { readonly decision: "allow" | "deny"; readonly principal: Principal; readonly reason: ReasonCode; readonly plan: PolicyPlan }
  | { readonly decision: "deny"; readonly principal: undefined; readonly reason: ReasonCode; readonly plan?: undefined }
  | { readonly decision: "unauthenticated"; readonly reason: ReasonCode };

/** What {@link respond} produced. */
export interface Answer {
  readonly result: AuthorizerResult;
  /** Claims left out of `context` for size. */
  readonly dropped: readonly string[];
  /** Set when the planned answer was replaced by a Deny because API Gateway would have rejected it. */
  readonly failedClosed?: ReasonCode;
}

/** Longest Resource ARN API Gateway accepts in an authorizer policy statement. */
export const MAX_RESOURCE_ARN_LENGTH = 512;
/** Largest WebSocket authorizer result API Gateway accepts, in bytes of JSON. */
export const MAX_WEBSOCKET_RESULT_BYTES = 8_192;

/** The rejection API Gateway turns into 401. A fresh error each time: its message is the contract. */
export function unauthorized(): Error {
  return new Error("Unauthorized");
}

function contextFor(principal: Principal, flat: boolean, options: ResponseOptions): { context: Record<string, unknown>; dropped: string[] } {
  let claims = principal.claims;
  if (options.contextClaims !== undefined) {
    claims = Object.fromEntries(options.contextClaims.flatMap(({ name, claim }) => (principal.claims[claim] === undefined ? [] : [[name, principal.claims[claim]]])));
  }
  return toAuthorizerContext(claims, flat, options.contextBudgetBytes);
}

function tooLarge(req: AuthRequest, result: AuthorizerResult): boolean {
  if (!("policyDocument" in result)) return false;
  if (result.policyDocument.Statement.some((statement) => statement.Resource.some((arn) => arn.length > MAX_RESOURCE_ARN_LENGTH))) return true;
  return req.kind === EventKind.websocketConnect && Buffer.byteLength(JSON.stringify(result)) > MAX_WEBSOCKET_RESULT_BYTES;
}

/**
 * Turn `outcome` into the answer for `req`'s event kind.
 *
 * @param req `undefined` when the event could not be read: the answer is then always a 401.
 * @throws {Error} exactly `Error("Unauthorized")` for 401 outcomes.
 */
export function respond(req: AuthRequest | undefined, outcome: Outcome, options: ResponseOptions): Answer {
  const simple = req?.kind === EventKind.httpV2 && options.httpApiResponse === "simple";
  if (outcome.decision === "unauthenticated") {
    if (req?.kind === EventKind.httpV2 && options.httpApiUnauthenticated === "deny") return { result: denyWhole(req, simple), dropped: [] };
    throw unauthorized();
  }
  if (req === undefined) throw unauthorized();
  const { principal, plan } = outcome;
  if (principal === undefined || plan === undefined || plan.allow.length === 0) {
    return { result: denyWhole(req, simple, principal?.principalId), dropped: [] };
  }
  const { context, dropped } = contextFor(principal, !simple, options);
  if (simple) {
    return { result: outcome.decision === "allow" ? buildSimpleResponse(true, context) : buildSimpleResponse(false), dropped };
  }
  const result = buildPlannedPolicy({
    principalId: principal.principalId,
    allow: plan.allow,
    deny: plan.deny,
    context: context as FlatContext,
    ...(principal.usageIdentifierKey !== undefined ? { usageIdentifierKey: principal.usageIdentifierKey } : {}),
  });
  if (tooLarge(req, result)) return { result: denyWhole(req, false, principal.principalId), dropped, failedClosed: ReasonCode.policyTooLarge };
  return { result, dropped };
}

function denyWhole(req: AuthRequest, simple: boolean, principalId = "anonymous"): AuthorizerResult {
  if (simple) return buildSimpleResponse(false);
  return buildPlannedPolicy({ principalId, allow: [], deny: [wholeApiResource(req.arn)] });
}
