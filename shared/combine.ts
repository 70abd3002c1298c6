/**
 * Several credential schemes in one authorizer: a requirement expression over scheme names.
 *
 * ```json
 * "jwt"                                              one scheme
 * { "anyOf": ["jwt", "apiKey"] }                     a JWT or an API key
 * { "allOf": ["mtls", "jwt"] }                       a client certificate and a JWT
 * { "allOf": ["mtls", "jwt"], "certificateBound": true }   and the JWT bound to that certificate (RFC 8705)
 * { "allOf": ["mtls", { "anyOf": ["jwt", "apiKey"] }] }    nesting
 * ```
 *
 * Every scheme named anywhere is tried once per call, in parallel, so the outcome never depends on the
 * order of evaluation and the principal records every scheme that verified (`schemes`), which route rules
 * may require per route. Outcome rules: the first successful branch of an `anyOf` (in written order)
 * decides; an `allOf` needs every branch and merges their principals (the first branch's id and claims
 * win; scopes and groups are united); a failure reports the most specific reason (a 403 over a 401, a bad
 * credential over a missing one).
 *
 * @see RFC 8705 §3 (certificate-bound access tokens, `cnf` / `x5t#S256`)
 * @module
 */
import * as v from "valibot";
import type { Principal } from "./decide.ts";
import { AuthenticationError, AuthError, AuthorizationError, ReasonCode } from "./errors.ts";
import type { AuthRequest } from "./events/types.ts";
import type { Scheme } from "./scheme.ts";

/** A requirement expression. */
export type Requirement = string | { readonly anyOf: readonly Requirement[] } | { readonly allOf: readonly Requirement[]; readonly certificateBound?: boolean | undefined };

const schemeName = v.pipe(v.string(), v.regex(/^[A-Za-z][A-Za-z0-9]*$/, "a scheme name such as jwt, apiKey, hmac, mtls, introspection"));
/** The JSON schema of a requirement (valibot). */
export const requirementSchema: v.GenericSchema<Requirement> = v.union([
  schemeName,
  v.strictObject({ anyOf: v.pipe(v.array(v.lazy(() => requirementSchema)), v.minLength(1)) }),
  v.strictObject({ allOf: v.pipe(v.array(v.lazy(() => requirementSchema)), v.minLength(1)), certificateBound: v.optional(v.boolean()) }),
]);

/** Every scheme name in `requirement`, once each, in written order. */
export function schemeNames(requirement: Requirement): string[] {
  if (typeof requirement === "string") return [requirement];
  const children = "anyOf" in requirement ? requirement.anyOf : requirement.allOf;
  return [...new Set(children.flatMap(schemeNames))];
}

/** `anyOf(jwt, apiKey)`-style text of a requirement, for logs and traces. */
export function describeRequirement(requirement: Requirement): string {
  if (typeof requirement === "string") return requirement;
  if ("anyOf" in requirement) return `anyOf(${requirement.anyOf.map(describeRequirement).join(", ")})`;
  return `allOf(${requirement.allOf.map(describeRequirement).join(", ")})${requirement.certificateBound === true ? "+certificateBound" : ""}`;
}

/** RFC 8705 §3.1 `x5t#S256` of a PEM certificate (base64url SHA-256 of its DER); throws on an unparsable PEM. */
export type Thumbprint = (pem: string) => string;

type Result = { readonly ok: true; readonly principal: Principal } | { readonly ok: false; readonly error: unknown };

/** How specific a failure is: 403 > bad credential (or bug) > missing credential. */
function specificity(error: unknown): number {
  if (error instanceof AuthorizationError) return 3;
  if (error instanceof AuthError && (error.reason === ReasonCode.missingToken || error.reason.startsWith("missing_"))) return 1;
  return 2;
}

function mostSpecific(errors: readonly unknown[]): unknown {
  return errors.reduce((best, error) => (specificity(error) > specificity(best) ? error : best), errors[0]);
}

function merge(principals: readonly Principal[]): Principal {
  const first = principals[0] as Principal;
  const claims = Object.assign({}, ...[...principals].reverse().map((principal) => principal.claims)) as Record<string, unknown>;
  const usageIdentifierKey = principals.find((principal) => principal.usageIdentifierKey !== undefined)?.usageIdentifierKey;
  return {
    ...first,
    claims,
    scopes: [...new Set(principals.flatMap((principal) => principal.scopes))],
    groups: [...new Set(principals.flatMap((principal) => principal.groups))],
    ...(usageIdentifierKey === undefined ? {} : { usageIdentifierKey }),
  };
}

function bindingHolds(results: ReadonlyMap<string, Result>, req: AuthRequest, certificateThumbprint: Thumbprint): boolean {
  const pem = req.clientCert?.clientCertPem;
  if (pem === undefined) return false;
  let thumbprint: string;
  try {
    thumbprint = certificateThumbprint(pem);
  } catch {
    return false;
  }
  // Every verified token that carries claims must be bound to this certificate (RFC 8705 §3: cnf.x5t#S256).
  const tokens = [...results.entries()].filter(([name, result]) => result.ok && name !== "mtls").map(([, result]) => (result as { principal: Principal }).principal);
  return tokens.length > 0 && tokens.every((principal) => {
    const cnf = principal.claims.cnf;
    return typeof cnf === "object" && cnf !== null && (cnf as Record<string, unknown>)["x5t#S256"] === thumbprint;
  });
}

function evaluate(requirement: Requirement, results: ReadonlyMap<string, Result>, req: AuthRequest, thumbprint: Thumbprint): Result {
  if (typeof requirement === "string") return results.get(requirement) ?? { ok: false, error: new AuthenticationError(ReasonCode.internal, `scheme ${requirement} is not configured`) };
  if ("anyOf" in requirement) {
    const branches = requirement.anyOf.map((child) => evaluate(child, results, req, thumbprint));
    const success = branches.find((branch) => branch.ok);
    return success ?? { ok: false, error: mostSpecific(branches.map((branch) => (branch as { error: unknown }).error)) };
  }
  const branches = requirement.allOf.map((child) => evaluate(child, results, req, thumbprint));
  const failures = branches.filter((branch) => !branch.ok).map((branch) => (branch as { error: unknown }).error);
  if (failures.length > 0) return { ok: false, error: mostSpecific(failures) };
  if (requirement.certificateBound === true && !bindingHolds(results, req, thumbprint)) {
    return { ok: false, error: new AuthenticationError(ReasonCode.certificateBindingMismatch, "the token is not bound to the client certificate (RFC 8705 cnf.x5t#S256)") };
  }
  return { ok: true, principal: merge(branches.map((branch) => (branch as { principal: Principal }).principal)) };
}

/**
 * Authenticate `req` against `requirement` with the given schemes.
 * @param thumbprint computes a certificate's `x5t#S256` for `certificateBound` requirements (functions/mtls provides it).
 * @returns the deciding principal, with `schemes` listing every scheme that verified.
 * @throws the most specific failure ({@link AuthenticationError} or {@link AuthorizationError}).
 */
export async function authenticate(requirement: Requirement, schemes: ReadonlyMap<string, Scheme>, req: AuthRequest, thumbprint: Thumbprint): Promise<Principal> {
  const names = schemeNames(requirement);
  const settled = await Promise.all(names.map(async (name): Promise<[string, Result]> => {
    const scheme = schemes.get(name);
    if (scheme === undefined) return [name, { ok: false, error: new AuthenticationError(ReasonCode.internal, `scheme ${name} is not configured`) }];
    try {
      return [name, { ok: true, principal: await scheme.verify(scheme.extract(req), req) }];
    } catch (error) {
      return [name, { ok: false, error }];
    }
  }));
  const results = new Map(settled);
  const outcome = evaluate(requirement, results, req, thumbprint);
  if (!outcome.ok) throw outcome.error;
  const verified = settled.filter(([, result]) => result.ok).map(([name]) => name);
  return { ...outcome.principal, schemes: verified };
}
