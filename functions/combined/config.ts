/**
 * Configuration of the several-scheme authorizer: which credential schemes, combined how.
 *
 * | variable | meaning |
 * |---|---|
 * | `REQUIREMENT` | the requirement expression as JSON: `"jwt"`, `{"anyOf": ["jwt", "apiKey"]}`, `{"allOf": ["mtls", "jwt"], "certificateBound": true}` (required) |
 * | scheme settings | each scheme named reads its own variables, as its single-scheme function does: jwt = functions/oidc (`ISSUER`, `AUDIENCE`, ...), apiKey = functions/api-key, hmac = functions/hmac, mtls = functions/mtls, introspection = functions/introspection |
 * | `JWT_TOKEN_SOURCES`, `API_KEY_TOKEN_SOURCES`, `INTROSPECTION_TOKEN_SOURCES` | where each scheme's credential is (they cannot share `TOKEN_SOURCES`); defaults as in each function |
 * | `REQUIRED_SCOPES`, `ROUTE_RULES` (rules may require `schemes` per route), `PRINCIPAL_CLAIM`, `CONTEXT_CLAIMS`, network conditions, `HTTP_API_*` | see shared/config/common.ts; they apply to the combined principal |
 *
 * @module
 */
import * as v from "valibot";
import { schemeNames, requirementSchema, type Requirement } from "#shared/combine";
import { readCommonConfig, type CommonConfig } from "#shared/config/common";
import { EnvReader, type Env } from "#shared/config/env";

/** The scheme names this function knows, and the variable holding each one's credential sources. */
export const KNOWN_SCHEMES = { jwt: "JWT_TOKEN_SOURCES", apiKey: "API_KEY_TOKEN_SOURCES", hmac: undefined, mtls: undefined, introspection: "INTROSPECTION_TOKEN_SOURCES" } as const;

/** One of {@link KNOWN_SCHEMES}. */
export type SchemeName = keyof typeof KNOWN_SCHEMES;

/** Variables that belong to the combined function, not to any one scheme. */
const FUNCTION_LEVEL = ["TOKEN_SOURCES", "REQUIRED_SCOPES", "ROUTE_RULES", "ROUTE_RULES_FILE", "PRINCIPAL_CLAIM", "CONTEXT_CLAIMS", "ALLOWED_SOURCE_IPS", "DENIED_SOURCE_IPS", "ALLOWED_VPC_ENDPOINTS"];

/** The several-scheme authorizer's settings. Frozen. */
export interface CombinedConfig extends CommonConfig {
  readonly requirement: Requirement;
  /** Every scheme to build: those in the requirement and those route rules require. */
  readonly schemes: readonly SchemeName[];
}

/**
 * The environment one scheme's own parser sees: the function-level variables removed (they apply to the
 * combination), and `TOKEN_SOURCES` set from the scheme's own sources variable.
 */
export function schemeEnv(source: Env, scheme: SchemeName): Env {
  const env: Record<string, string | undefined> = { ...source };
  for (const name of FUNCTION_LEVEL) delete env[name];
  const sourcesVariable = KNOWN_SCHEMES[scheme];
  if (sourcesVariable !== undefined && source[sourcesVariable] !== undefined) env.TOKEN_SOURCES = source[sourcesVariable];
  return env;
}

/**
 * Parse and check the function-level environment (each scheme's own variables are checked by its parser).
 * @throws {ConfigError} naming every bad or missing variable.
 */
export function parseCombinedConfig(source: Env): CombinedConfig {
  const env = new EnvReader(source);
  const common = readCommonConfig(env);
  const fix = 'give a JSON requirement such as {"anyOf": ["jwt", "apiKey"]}; schemes: jwt, apiKey, hmac, mtls, introspection';
  const text = env.requiredString("REQUIREMENT", { fix });
  let requirement: Requirement = "jwt";
  if (text !== "") {
    let json: unknown;
    try {
      json = JSON.parse(text.startsWith("{") || text.startsWith('"') ? text : JSON.stringify(text));
    } catch {
      env.problem("REQUIREMENT", "is not valid JSON", fix);
    }
    const parsed = v.safeParse(requirementSchema, json);
    if (!parsed.success) env.problem("REQUIREMENT", `is invalid at ${v.getDotPath(parsed.issues[0]) ?? "(root)"}: ${parsed.issues[0].message}`, fix);
    else requirement = parsed.output;
  }
  const ruled = (common.routeRules?.rules ?? []).flatMap((rule) => rule.schemes?.values ?? []);
  const names = [...new Set([...schemeNames(requirement), ...ruled])];
  const unknown = names.filter((name) => !(name in KNOWN_SCHEMES));
  if (unknown.length > 0) env.problem("REQUIREMENT", `names unknown schemes ${unknown.join(", ")}`, fix);
  env.finish();
  return Object.freeze({ ...common, requirement, schemes: names as SchemeName[] });
}
