/**
 * The one-way flow every authorizer shares:
 * `event → normalise → extract credential → verify (scheme) → decide → respond`.
 *
 * Each call writes exactly one decision line. Nothing but the documented outcomes leaves: a bug, a
 * timeout or a malformed event is a 401 (reason `internal`, `malformed_event`, ...), never an Allow and
 * never a 500 carrying details.
 *
 * @module
 */
import type { Context } from "aws-lambda";
import { decide, type AccessRules, type Decision, type Principal } from "./decide.ts";
import { AuthenticationError, AuthError, AuthorizationError, ReasonCode, reasonOf } from "./errors.ts";
import type { Credential } from "./events/credentials.ts";
import { toAuthRequest } from "./events/normalise.ts";
import { routeOf, type AuthRequest } from "./events/types.ts";
import { logDecision, logger, redactEvent } from "./logging.ts";
import { recordDecision } from "./metrics.ts";
import { networkAllows, type NetworkPolicy } from "./network.ts";
import type { CommonConfig } from "./config/common.ts";
import type { AuthorizerResult } from "./policy/builder.ts";
import { respond, unauthorized, type Answer, type Outcome, type ResponseOptions } from "./respond.ts";

/** The scheme-specific parts of an authorizer. */
export interface AuthorizerSpec {
  /** Take the credential out of the request. @throws {AuthenticationError} `missing_token`, `malformed_token` */
  readonly extract: (req: AuthRequest) => Credential;
  /** Verify it and say who it belongs to. @throws {AuthenticationError} (401) or {AuthorizationError} (403) */
  readonly verify: (credential: Credential, req: AuthRequest) => Promise<Principal>;
  /** Requirements for every call. */
  readonly rules: AccessRules;
  /** Answer formats. */
  readonly response: ResponseOptions;
  /**
   * Claim whose value becomes `principalId` (`PRINCIPAL_CLAIM`), instead of the verifier's default.
   * A string or number claim; absent or of another type: 401 `missing_claim`.
   */
  readonly principalClaim?: string | undefined;
  /** Source IP and VPC endpoint conditions, checked before the credential; outside: Deny `network_denied`. */
  readonly network?: NetworkPolicy | undefined;
  /**
   * Ms kept in reserve before the Lambda timeout: verification still running then is abandoned with a 401
   * (reason `internal`), so a slow issuer never turns into a Lambda timeout (500). Default 500.
   */
  readonly deadlineMarginMs?: number;
}

/**
 * The spec fields every function takes from its shared settings (shared/config/common.ts): global and
 * per-route rules, answer formats, `PRINCIPAL_CLAIM` and network conditions.
 * @param requiredGroups groups every call must hold (the Cognito function's `REQUIRED_GROUPS`).
 */
export function commonSpec(config: CommonConfig, requiredGroups: readonly string[] = []): Pick<AuthorizerSpec, "rules" | "response" | "principalClaim" | "network"> {
  return {
    rules: { requiredScopes: config.requiredScopes, requiredGroups, routeRules: config.routeRules },
    response: config.response,
    principalClaim: config.principalClaim,
    network: config.network,
  };
}

/** The function a Lambda handler wraps: API Gateway event in, policy / simple response out, or `Unauthorized` thrown. */
export type AuthorizerFunction = (event: unknown, context?: Context) => Promise<AuthorizerResult>;

/** Extra log fields an error may carry (unverified `iss` and `kid`, for diagnosing a 401). */
interface ErrorDetail {
  readonly iss?: string;
  readonly kid?: string;
}

/** Attach the unverified `iss` / `kid` of a rejected token to an error, for the decision log line. */
export function withDetail<E extends Error>(error: E, detail: ErrorDetail): E {
  return Object.assign(error, { detail });
}

function detailOf(error: unknown): ErrorDetail {
  const detail = (error as { detail?: unknown } | null)?.detail;
  return typeof detail === "object" && detail !== null ? detail : {};
}

/** Class name of the library error behind a failure (an {@link AuthError}'s cause), or of an unexpected error. */
function errorNameOf(failure: unknown): string | undefined {
  const error = failure instanceof AuthError ? failure.cause : failure;
  return error instanceof Error ? error.name : undefined;
}

/** `principal` with `principalId` taken from `claim`. @throws {AuthenticationError} `missing_claim` */
function withPrincipalClaim(principal: Principal, claim: string): Principal {
  const value = principal.claims[claim];
  if ((typeof value !== "string" || value === "") && typeof value !== "number") {
    throw new AuthenticationError(ReasonCode.missingClaim, "the PRINCIPAL_CLAIM claim is absent or not a string");
  }
  return { ...principal, principalId: String(value) };
}

/** Reject after `ms` with a 401 `internal`; the timer never keeps the process alive. */
function deadline(ms: number): { promise: Promise<never>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AuthenticationError(ReasonCode.internal, `no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/** Everything one call went through, step by step: what `npm run explain` prints. Holds no credential. */
export interface Trace {
  readonly request: AuthRequest | undefined;
  /** Where the credential was found (`header:authorization`, `authorizationToken`, ...). */
  readonly credentialSource: string | undefined;
  readonly principal: Principal | undefined;
  /** The route-rule evaluation, when the call got that far. */
  readonly decision: Decision | undefined;
  readonly outcome: Outcome;
  /** The answer, or `undefined` when the call is a 401 (`Unauthorized` thrown). */
  readonly answer: Answer | undefined;
  /** The error behind a failure, for its class name; never logged whole. */
  readonly failure: unknown;
}

/** An authorizer function that can also explain a call without logging it. */
export interface Authorizer extends AuthorizerFunction {
  /** Run the same steps as a call and return the trace instead of answering. Never throws. */
  explain(this: void, event: unknown, context?: Context): Promise<Trace>;
}

/**
 * Compose an authorizer from a scheme's `extract` and `verify`.
 *
 * @returns an async function for a Lambda handler; it resolves to the answer for the event's kind, or
 *   rejects with exactly `Error("Unauthorized")` (401). Its `explain` runs the same steps and returns the trace.
 */
export function createAuthorizer(spec: AuthorizerSpec): Authorizer {
  const margin = spec.deadlineMarginMs ?? 500;

  async function evaluate(event: unknown, context: Context | undefined): Promise<Trace> {
    let req: AuthRequest | undefined;
    let credentialSource: string | undefined;
    let principal: Principal | undefined;
    let decision: Decision | undefined;
    let outcome: Outcome;
    let failure: unknown;
    try {
      req = toAuthRequest(event);
      if (spec.network !== undefined && !networkAllows(spec.network, req)) {
        throw new AuthorizationError(ReasonCode.networkDenied, "the source IP or VPC endpoint is outside the allowed networks");
      }
      const credential = spec.extract(req);
      credentialSource = credential.source;
      const remaining = context?.getRemainingTimeInMillis?.() ?? 10_000;
      const timer = deadline(Math.max(remaining - margin, 0));
      try {
        principal = await Promise.race([spec.verify(credential, req), timer.promise]);
      } finally {
        timer.cancel();
      }
      if (spec.principalClaim !== undefined) principal = withPrincipalClaim(principal, spec.principalClaim);
      decision = decide(principal, spec.rules, req);
      outcome = { decision: decision.effect === "Allow" ? "allow" : "deny", principal, reason: decision.reason, plan: decision };
    } catch (error) {
      failure = error;
      outcome = error instanceof AuthorizationError
        ? { decision: "deny", principal: undefined, reason: error.reason }
        : { decision: "unauthenticated", reason: reasonOf(error) };
    }
    let answer: Answer | undefined;
    try {
      answer = respond(req, outcome, spec.response);
    } catch {
      answer = undefined; // the 401: `Unauthorized` is thrown by authorize()
    }
    if (answer?.failedClosed !== undefined) outcome = { decision: "deny", principal: undefined, reason: answer.failedClosed };
    return { request: req, credentialSource, principal, decision, outcome, answer, failure };
  }

  const authorize = async function authorize(event: unknown, context?: Context): Promise<AuthorizerResult> {
    const started = performance.now();
    if (logger.getLogEvent()) logger.info("authorizer event", { event: redactEvent(event) });
    const trace = await evaluate(event, context);
    const { request: req, outcome, answer, principal } = trace;
    const detail = detailOf(trace.failure);
    logDecision({
      eventKind: req?.kind ?? "unknown",
      route: req === undefined ? "unknown" : routeOf(req),
      decision: outcome.decision,
      reason: outcome.reason,
      principalId: principal?.principalId,
      iss: principal?.issuer ?? detail.iss,
      kid: principal?.kid ?? detail.kid,
      provider: principal?.provider,
      errorName: errorNameOf(trace.failure),
      droppedClaims: answer !== undefined && answer.dropped.length > 0 ? answer.dropped : undefined,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    });
    recordDecision(outcome.decision, outcome.reason);
    if (answer === undefined) throw unauthorized();
    return answer.result;
  } as Authorizer;
  authorize.explain = (event, context) => evaluate(event, context);
  return authorize;
}
