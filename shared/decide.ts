/**
 * Authorization: given a verified {@link Principal}, may it call this API? Pure: no I/O, no clock.
 *
 * @module
 */
import { ReasonCode } from "./errors.ts";
import type { Effect } from "./policy/builder.ts";

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
  /** Usage plan API key value to return as `usageIdentifierKey` (REST APIs with API key source AUTHORIZER). */
  readonly usageIdentifierKey?: string;
}

/** Requirements every call must meet; empty lists require nothing. */
export interface AccessRules {
  /** Every one of these scopes must be granted (`REQUIRED_SCOPES`). */
  readonly requiredScopes: readonly string[];
  /** The caller must be in every one of these groups (`REQUIRED_GROUPS`). */
  readonly requiredGroups: readonly string[];
}

/** The outcome of {@link decide}. */
export interface Decision {
  readonly effect: Effect;
  readonly reason: ReasonCode;
}

/**
 * Allow when every required scope and group is held; otherwise Deny with `insufficient_scope` or
 * `missing_group`. Route-independent, so the answer is right for every route of the API under the
 * authorizer cache.
 */
export function decide(principal: Principal, rules: AccessRules): Decision {
  if (!rules.requiredScopes.every((scope) => principal.scopes.includes(scope))) {
    return { effect: "Deny", reason: ReasonCode.insufficientScope };
  }
  if (!rules.requiredGroups.every((group) => principal.groups.includes(group))) {
    return { effect: "Deny", reason: ReasonCode.missingGroup };
  }
  return { effect: "Allow", reason: ReasonCode.ok };
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
