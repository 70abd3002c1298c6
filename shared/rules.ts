/**
 * Route rules: which verified callers may call which routes.
 *
 * A rule set is JSON, validated at init (errors name the bad rule by its path, e.g. `rules.2.route`):
 * ```json
 * { "rules": [
 *   { "route": "GET /orders/{id}", "scopes": { "anyOf": ["orders:read", "orders:admin"] } },
 *   { "route": "ANY /admin/{proxy+}", "groups": ["admins"] },
 *   { "route": "$connect", "claims": { "tenant": { "equals": "acme" }, "email_verified": { "equals": true } } },
 *   { "routes": ["GET /health", "GET /version"] }
 * ] }
 * ```
 * - `route` / `routes`: route keys as API Gateway writes them (see policy/routes.ts).
 * - `scopes`, `groups`: a list (all required), `{"allOf": [...]}` or `{"anyOf": [...]}`.
 * - `claims`: per claim, `{"equals": v}` (for an array claim: contains v), `{"oneOf": [...]}`, or `{"exists": true|false}`.
 * - `schemes` (several-scheme functions): the credential schemes that must have verified on the call, e.g. `["mtls"]`.
 * - A rule without requirements admits every verified caller. A route in no rule is denied.
 *
 * @module
 */
import * as v from "valibot";
import type { Principal } from "./decide.ts";
import { ReasonCode } from "./errors.ts";
import { parseRouteKey, type ParsedRoute } from "./policy/routes.ts";

const nonEmptyStrings = v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(1));
const requirementSchema = v.union([
  nonEmptyStrings,
  v.strictObject({ allOf: nonEmptyStrings }),
  v.strictObject({ anyOf: nonEmptyStrings }),
]);
const primitive = v.union([v.string(), v.number(), v.boolean()]);
const claimConditionSchema = v.union([
  v.strictObject({ equals: primitive }),
  v.strictObject({ oneOf: v.pipe(v.array(primitive), v.minLength(1)) }),
  v.strictObject({ exists: v.boolean() }),
]);
const routeKeySchema = v.pipe(
  v.string(),
  v.check((key) => typeof parseRouteKey(key) !== "string", (issue) => {
    const problem = parseRouteKey(String(issue.input));
    return typeof problem === "string" ? problem : "invalid route key";
  }),
);
const ruleSchema = v.pipe(
  v.strictObject({
    route: v.optional(routeKeySchema),
    routes: v.optional(v.pipe(v.array(routeKeySchema), v.minLength(1))),
    scopes: v.optional(requirementSchema),
    groups: v.optional(requirementSchema),
    claims: v.optional(v.record(v.pipe(v.string(), v.minLength(1)), claimConditionSchema)),
    schemes: v.optional(requirementSchema),
  }),
  v.check((rule) => (rule.route === undefined) !== (rule.routes === undefined), "give exactly one of route or routes"),
);
/** The JSON schema of a rule set (valibot). */
export const ruleSetSchema = v.strictObject({ rules: v.pipe(v.array(ruleSchema), v.minLength(1)) });

type RuleJson = v.InferOutput<typeof ruleSchema>;
type RequirementJson = v.InferOutput<typeof requirementSchema>;
type ClaimCondition = v.InferOutput<typeof claimConditionSchema>;

/** A requirement on a list the caller holds: all of, or any of. */
export interface ListRequirement {
  readonly mode: "allOf" | "anyOf";
  readonly values: readonly string[];
}

/** One validated rule. */
export interface RouteRule {
  /** Position in the rule set (0-based), for messages. */
  readonly index: number;
  readonly routes: readonly ParsedRoute[];
  readonly scopes?: ListRequirement;
  readonly groups?: ListRequirement;
  readonly claims?: Readonly<Record<string, ClaimCondition>>;
  /** Schemes that must have verified on the call (several-scheme functions): `["mtls"]`, `{"anyOf": [...]}`. */
  readonly schemes?: ListRequirement;
}

/** A validated rule set. */
export interface RouteRuleSet {
  readonly rules: readonly RouteRule[];
}

function toRequirement(json: RequirementJson | undefined): ListRequirement | undefined {
  if (json === undefined) return undefined;
  if (Array.isArray(json)) return { mode: "allOf", values: json };
  return "allOf" in json ? { mode: "allOf", values: json.allOf } : { mode: "anyOf", values: json.anyOf };
}

function toRule(json: RuleJson, index: number): RouteRule {
  const keys = json.routes ?? (json.route === undefined ? [] : [json.route]);
  const scopes = toRequirement(json.scopes);
  const groups = toRequirement(json.groups);
  const schemes = toRequirement(json.schemes);
  return {
    index,
    routes: keys.map((key) => parseRouteKey(key) as ParsedRoute),
    ...(scopes === undefined ? {} : { scopes }),
    ...(groups === undefined ? {} : { groups }),
    ...(schemes === undefined ? {} : { schemes }),
    ...(json.claims === undefined ? {} : { claims: json.claims }),
  };
}

/**
 * Validate a parsed JSON rule set.
 * @returns the rule set, or the list of problems, each `path: message` (e.g. `rules.2.route: "GIT /x" has an unknown method GIT`).
 */
export function parseRuleSet(json: unknown): RouteRuleSet | string[] {
  const result = v.safeParse(ruleSetSchema, json);
  if (!result.success) return result.issues.map((issue) => `${v.getDotPath(issue) ?? "(root)"}: ${issue.message}`);
  return { rules: result.output.rules.map(toRule) };
}

/** Whether a principal meets one rule, and why not. */
export interface RuleCheck {
  readonly satisfied: boolean;
  /** `ok`, or the first unmet requirement: `insufficient_scope`, `missing_group`, `claim_mismatch`. */
  readonly reason: ReasonCode;
  /** Human-readable explanation, for `npm run explain`. Never holds claim values of secrets: names only. */
  readonly why: string;
}

function meets(requirement: ListRequirement, held: readonly string[]): boolean {
  return requirement.mode === "allOf" ? requirement.values.every((value) => held.includes(value)) : requirement.values.some((value) => held.includes(value));
}

function claimMeets(condition: ClaimCondition, value: unknown): boolean {
  const present = value !== undefined && value !== null;
  if ("exists" in condition) return condition.exists === present;
  const candidates = Array.isArray(value) ? (value as unknown[]) : [value];
  if ("equals" in condition) return candidates.some((candidate) => candidate === condition.equals);
  return candidates.some((candidate) => condition.oneOf.some((allowed) => allowed === candidate));
}

/** Check `principal` against `rule`: scopes, then groups, then claims. */
export function checkRule(rule: RouteRule, principal: Principal): RuleCheck {
  if (rule.schemes !== undefined && !meets(rule.schemes, principal.schemes ?? [])) {
    return { satisfied: false, reason: ReasonCode.missingScheme, why: `schemes ${rule.schemes.mode} [${rule.schemes.values.join(", ")}] not verified` };
  }
  if (rule.scopes !== undefined && !meets(rule.scopes, principal.scopes)) {
    return { satisfied: false, reason: ReasonCode.insufficientScope, why: `scopes ${rule.scopes.mode} [${rule.scopes.values.join(", ")}] not met` };
  }
  if (rule.groups !== undefined && !meets(rule.groups, principal.groups)) {
    return { satisfied: false, reason: ReasonCode.missingGroup, why: `groups ${rule.groups.mode} [${rule.groups.values.join(", ")}] not met` };
  }
  for (const [claim, condition] of Object.entries(rule.claims ?? {})) {
    if (!claimMeets(condition, principal.claims[claim])) {
      return { satisfied: false, reason: ReasonCode.claimMismatch, why: `claim ${claim} does not meet ${JSON.stringify(condition)}` };
    }
  }
  return { satisfied: true, reason: ReasonCode.ok, why: "every requirement met" };
}
