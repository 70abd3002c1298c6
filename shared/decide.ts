/**
 * Authorization: given a verified {@link Principal}, which routes of the API may it call? Pure: no I/O, no clock.
 *
 * The answer is a plan of Allow and Deny resources that depends only on the principal and the API (never
 * on the route that triggered the call), so the policy API Gateway caches is right for every route:
 * - without route rules: every required scope and group held → Allow the whole stage; else Deny the whole API;
 * - with route rules: Allow each route whose rule the caller meets; explicit Deny for each route it does
 *   not meet that an Allow wildcard would also reach (IAM has no one-segment wildcard); nothing else.
 * The current call's effect is the plan evaluated on its own ARN, exactly as API Gateway will evaluate it.
 *
 * @module
 */
import { AuthenticationError, ReasonCode } from "./errors.ts";
import type { AuthRequest } from "./events/types.ts";
import { wholeApiResource, wholeStageResource } from "./policy/arn.ts";
import type { Effect } from "./policy/builder.ts";
import { iamMatch, patternsOverlap } from "./policy/evaluate.ts";
import { routeLanguage, routeResource } from "./policy/routes.ts";
import { checkRule, type RouteRuleSet } from "./rules.ts";

/** Who a verified credential belongs to, as every scheme's verifier returns it. */
export interface Principal {
  /** The `principalId` API Gateway logs and passes on (`sub` by default; `client_id` for M2M tokens without `sub`). */
  readonly principalId: string;
  /** Verified claims (or the scheme's equivalent attributes). */
  readonly claims: Readonly<Record<string, unknown>>;
  /** Granted OAuth scopes (`scope` string split on spaces, or `scp` array; RFC 8693 §4.2). */
  readonly scopes: readonly string[];
  /** Groups (`cognito:groups`). */
  readonly groups: readonly string[];
  /** Issuer, for the decision log line. */
  readonly issuer?: string;
  /** Key id that verified the credential, for the decision log line. */
  readonly kid?: string;
  /** Which configured provider verified it (several-issuer functions), for logs and `explain`. */
  readonly provider?: string;
  /** Rules of that provider, when it has its own; they replace the function's route rules. */
  readonly routeRules?: RouteRuleSet;
  /** Schemes that verified on this call (`jwt`, `apiKey`, `mtls`, ...), for rules that require a scheme per route. */
  readonly schemes?: readonly string[];
  /** Usage plan API key value to return as `usageIdentifierKey` (REST APIs with API key source AUTHORIZER). */
  readonly usageIdentifierKey?: string;
}

/** Requirements a call must meet. */
export interface AccessRules {
  /** Every one of these scopes must be granted on every route (`REQUIRED_SCOPES`). */
  readonly requiredScopes: readonly string[];
  /** The caller must be in every one of these groups on every route (`REQUIRED_GROUPS`). */
  readonly requiredGroups: readonly string[];
  /** Per-route rules (`ROUTE_RULES` / `ROUTE_RULES_FILE`); `undefined`: every route alike. */
  readonly routeRules?: RouteRuleSet | undefined;
}

/** How one rule went, for logs and `npm run explain`. */
export interface RuleOutcome {
  readonly index: number;
  readonly routes: readonly string[];
  readonly satisfied: boolean;
  readonly reason: ReasonCode;
  readonly why: string;
  /** ARN patterns of its routes on this API and stage (IAM wildcards). */
  readonly resources: readonly string[];
  /** The same routes exactly (one-segment wildcards), for overlap checks. */
  readonly languages: readonly string[];
}

/** The outcome of {@link decide}. */
export interface Decision {
  /** Effect on the current call: the plan evaluated on the call's ARN. */
  readonly effect: Effect;
  /** `ok`, or why the current call is denied. */
  readonly reason: ReasonCode;
  /** Resources to Allow (the policy's Allow statement). */
  readonly allow: readonly string[];
  /** Resources to Deny explicitly (the policy's Deny statement). */
  readonly deny: readonly string[];
  /** Each route rule's outcome (empty without route rules). */
  readonly rules: readonly RuleOutcome[];
}

/** Scopes granted by `claims`: the `scope` string split on spaces, plus a `scp` array or string. */
export function scopesOf(claims: Readonly<Record<string, unknown>>): string[] {
  const scopes: string[] = [];
  for (const value of [claims.scope, claims.scp]) {
    if (typeof value === "string") scopes.push(...value.split(" ").filter((scope) => scope !== ""));
    else if (Array.isArray(value)) scopes.push(...value.filter((scope): scope is string => typeof scope === "string"));
  }
  return [...new Set(scopes)];
}

/**
 * The default `principalId` of a JWT: a non-empty `sub`, else a non-empty `client_id` (client-credentials
 * tokens of Cognito and some OAuth issuers carry no `sub`). `PRINCIPAL_CLAIM` overrides it later.
 * @throws {AuthenticationError} `missing_claim` when the token has neither.
 */
export function principalIdOf(claims: Readonly<Record<string, unknown>>): string {
  const id = typeof claims.sub === "string" && claims.sub !== "" ? claims.sub : claims.client_id;
  if (typeof id !== "string" || id === "") throw new AuthenticationError(ReasonCode.missingClaim, "the token has neither sub nor client_id");
  return id;
}

/** Effect of an Allow/Deny plan on `arn`: explicit Deny wins, no match is a Deny (IAM evaluation). */
export function evaluatePlan(allow: readonly string[], deny: readonly string[], arn: string): Effect {
  if (deny.some((pattern) => iamMatch(pattern, arn))) return "Deny";
  return allow.some((pattern) => iamMatch(pattern, arn)) ? "Allow" : "Deny";
}

function denyAll(req: AuthRequest, reason: ReasonCode, rules: readonly RuleOutcome[] = []): Decision {
  return { effect: "Deny", reason, allow: [], deny: [wholeApiResource(req.arn)], rules };
}

/** Number of wildcards, then negative length: smaller is more specific. */
function specificity(pattern: string): [number, number] {
  return [pattern.split("*").length - 1, -pattern.length];
}

/** The rule API Gateway would route this call to: same route key, else the most specific matching pattern. */
function ruleForCall(outcomes: readonly RuleOutcome[], req: AuthRequest): RuleOutcome | undefined {
  const byKey = outcomes.find((outcome) => req.routeKey !== undefined && outcome.routes.includes(req.routeKey));
  if (byKey !== undefined) return byKey;
  let best: { outcome: RuleOutcome; rank: [number, number] } | undefined;
  for (const outcome of outcomes) {
    for (const resource of outcome.resources) {
      if (!iamMatch(resource, req.resourceArn)) continue;
      const rank = specificity(resource);
      if (best === undefined || rank[0] < best.rank[0] || (rank[0] === best.rank[0] && rank[1] < best.rank[1])) best = { outcome, rank };
    }
  }
  return best?.outcome;
}

/**
 * Decide what `principal` may call on `req`'s API.
 * Global requirements first (`insufficient_scope`, `missing_group` deny the whole API), then route rules.
 */
export function decide(principal: Principal, rules: AccessRules, req: AuthRequest): Decision {
  if (!rules.requiredScopes.every((scope) => principal.scopes.includes(scope))) return denyAll(req, ReasonCode.insufficientScope);
  if (!rules.requiredGroups.every((group) => principal.groups.includes(group))) return denyAll(req, ReasonCode.missingGroup);
  const routeRules = principal.routeRules ?? rules.routeRules;
  if (routeRules === undefined) return { effect: "Allow", reason: ReasonCode.ok, allow: [wholeStageResource(req.arn)], deny: [], rules: [] };

  const outcomes: RuleOutcome[] = routeRules.rules.map((rule) => ({
    index: rule.index,
    routes: rule.routes.map((route) => route.routeKey),
    ...checkRule(rule, principal),
    resources: rule.routes.map((route) => routeResource(req.arn, route)),
    languages: rule.routes.map((route) => routeLanguage(req.arn, route)),
  }));
  const allow = [...new Set(outcomes.filter((outcome) => outcome.satisfied).flatMap((outcome) => outcome.resources))];
  if (allow.length === 0) {
    const forCall = ruleForCall(outcomes, req);
    return denyAll(req, forCall?.reason ?? ReasonCode.noMatchingRoute, outcomes);
  }
  // Deny a route the caller may not call only where an Allow wildcard would really reach its requests.
  const deny = [...new Set(outcomes
    .filter((outcome) => !outcome.satisfied)
    .flatMap((outcome) => outcome.resources.filter((_, index) => allow.some((allowed) => patternsOverlap(allowed, outcome.languages[index] ?? "")))))];
  const effect = evaluatePlan(allow, deny, req.resourceArn);
  if (effect === "Allow") return { effect, reason: ReasonCode.ok, allow, deny, rules: outcomes };
  const forCall = ruleForCall(outcomes, req);
  const reason = forCall === undefined ? ReasonCode.noMatchingRoute : forCall.satisfied ? ReasonCode.routeConflict : forCall.reason;
  return { effect, reason, allow, deny, rules: outcomes };
}
