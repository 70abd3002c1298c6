/**
 * Configuration of the several-issuer authorizer: OIDC issuers and Cognito user pools side by side.
 *
 * | variable | meaning |
 * |---|---|
 * | `PROVIDERS` / `PROVIDERS_FILE` | the provider list, as JSON text or a file (one of the two, required) |
 * | `REQUIRED_SCOPES`, `ROUTE_RULES`, `TOKEN_SOURCES`, `PRINCIPAL_CLAIM`, `CONTEXT_CLAIMS`, `HTTP_API_*`, `CLOCK_TOLERANCE_SECONDS` | see shared/config/common.ts |
 *
 * ```json
 * { "providers": [
 *   { "name": "auth0", "type": "oidc", "issuer": "https://example.eu.auth0.com/", "audience": ["https://api.example.com"] },
 *   { "name": "staff", "type": "cognito", "userPoolId": "eu-west-1_AbC123", "clientId": ["1example23456789"], "tokenUse": "access",
 *     "rules": { "rules": [{ "route": "ANY /admin/{proxy+}", "groups": ["admins"] }] } }
 * ] }
 * ```
 * A provider's own `rules` replace `ROUTE_RULES` for tokens it issued.
 *
 * @module
 */
import * as v from "valibot";
import { ASYMMETRIC_ALGORITHMS, readCommonConfig, type CommonConfig } from "#shared/config/common";
import { checkedHttpsUrl, EnvReader, type Env } from "#shared/config/env";
import { readJsonSetting } from "#shared/config/rules";
import { parseRuleSet, ruleSetSchema, type RouteRuleSet } from "#shared/rules";
import type { CognitoConfig } from "../cognito/config.ts";
import type { OidcConfig } from "../oidc/config.ts";

const url = v.pipe(v.string(), v.check((value) => typeof checkedHttpsUrl(value) !== "string", "must be an https URL (http only on a loopback host)"));
const names = v.pipe(v.array(v.pipe(v.string(), v.minLength(1), v.check((value) => value !== "*", "`*` is not allowed"))), v.minLength(1));
const name = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.-]{1,64}$/, "use letters, digits, _ . - (at most 64)"));
const providersSchema = v.strictObject({
  providers: v.pipe(v.array(v.variant("type", [
    v.strictObject({
      type: v.literal("oidc"),
      name,
      issuer: url,
      audience: names,
      jwksUri: v.optional(url),
      algorithms: v.optional(v.pipe(v.array(v.picklist(ASYMMETRIC_ALGORITHMS)), v.minLength(1))),
      rules: v.optional(ruleSetSchema),
    }),
    v.strictObject({
      type: v.literal("cognito"),
      name,
      userPoolId: v.pipe(v.string(), v.regex(/^[a-z]{2}(?:-[a-z]+)+-\d+_[0-9A-Za-z]+$/, "use <region>_<id>, e.g. us-east-1_AbC123")),
      clientId: names,
      tokenUse: v.optional(v.picklist(["access", "id"])),
      jwksUri: v.optional(url),
      rules: v.optional(ruleSetSchema),
    }),
  ])), v.minLength(1), v.check((list) => new Set(list.map((provider) => provider.name)).size === list.length, "provider names must be unique")),
});

/** One provider, ready for its verifier. */
export type Provider =
  | { readonly type: "oidc"; readonly name: string; readonly config: OidcConfig; readonly routeRules: RouteRuleSet | undefined }
  | { readonly type: "cognito"; readonly name: string; readonly config: CognitoConfig; readonly routeRules: RouteRuleSet | undefined };

/** The several-issuer authorizer's settings. Frozen. */
export interface MultiIssuerConfig extends CommonConfig {
  readonly providers: readonly Provider[];
}

/**
 * Parse and check the environment.
 * @throws {ConfigError} naming every bad or missing variable, and each bad provider by its path (`providers.1.issuer`).
 */
export function parseMultiIssuerConfig(source: Env): MultiIssuerConfig {
  const env = new EnvReader(source);
  const common = readCommonConfig(env);
  const fix = 'see README "Several issuers": {"providers": [{"name": "auth0", "type": "oidc", "issuer": "https://...", "audience": ["..."]}]}';
  const setting = readJsonSetting(env, "PROVIDERS", "PROVIDERS_FILE", fix);
  if (setting === undefined && env.raw("PROVIDERS") === undefined && env.raw("PROVIDERS_FILE") === undefined) env.problem("PROVIDERS", "is missing", fix);
  const providers: Provider[] = [];
  if (setting !== undefined) {
    const parsed = v.safeParse(providersSchema, setting.value);
    if (!parsed.success) {
      for (const issue of parsed.issues) env.problem(setting.from, `has an invalid provider at ${v.getDotPath(issue) ?? "(root)"}: ${issue.message}`, fix);
    } else {
      for (const provider of parsed.output.providers) {
        const rules = provider.rules === undefined ? undefined : parseRuleSet(provider.rules);
        const routeRules = Array.isArray(rules) ? undefined : rules;
        if (provider.type === "oidc") {
          providers.push({
            type: "oidc", name: provider.name, routeRules,
            config: { ...common, issuer: provider.issuer, audiences: provider.audience, jwksUri: provider.jwksUri === undefined ? undefined : new URL(provider.jwksUri), algorithms: provider.algorithms ?? ["RS256"] },
          });
        } else {
          providers.push({
            type: "cognito", name: provider.name, routeRules,
            config: {
              ...common,
              userPools: [{ userPoolId: provider.userPoolId, jwksUri: provider.jwksUri === undefined ? undefined : new URL(provider.jwksUri) }],
              clientIds: provider.clientId, tokenUse: provider.tokenUse ?? "access", requiredGroups: [],
            },
          });
        }
      }
    }
  }
  env.finish();
  return Object.freeze({ ...common, providers });
}
