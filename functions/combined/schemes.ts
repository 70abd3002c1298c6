/**
 * The schemes a several-scheme authorizer can combine, each built by its own function's config parser
 * and verifier, so a scheme behaves exactly as its single-scheme function does.
 *
 * @module
 */
import { extractCredential } from "#shared/events/credentials";
import type { Env } from "#shared/config/env";
import type { Scheme } from "#shared/scheme";
import { parseApiKeyConfig } from "../api-key/config.ts";
import { createApiKeyVerifier } from "../api-key/verify.ts";
import { parseHmacConfig } from "../hmac/config.ts";
import { createHmacVerifier, extractHmacCredential } from "../hmac/verify.ts";
import { parseIntrospectionConfig, withClientSecret } from "../introspection/config.ts";
import { createIntrospectionScheme } from "../introspection/verify.ts";
import { parseMtlsConfig } from "../mtls/config.ts";
import { createMtlsScheme } from "../mtls/verify.ts";
import { parseOidcConfig } from "../oidc/config.ts";
import { createOidcVerifier } from "../oidc/verify.ts";
import { schemeEnv, type SchemeName } from "./config.ts";

/**
 * Build scheme `name` from `source` (its parser sees {@link schemeEnv}).
 * @throws {ConfigError} naming the scheme's bad or missing variables; an Error when a secret cannot be fetched.
 */
export async function buildScheme(name: SchemeName, source: Env): Promise<Scheme> {
  const env = schemeEnv(source, name);
  switch (name) {
    case "jwt": {
      const config = parseOidcConfig(env);
      const verifier = createOidcVerifier(config);
      return { name, extract: (req) => extractCredential(req, config.tokenSources), verify: (credential) => verifier.verify(credential), warm: () => verifier.warm() };
    }
    case "apiKey": {
      const config = parseApiKeyConfig(env);
      const verifier = createApiKeyVerifier(config);
      return { name, extract: (req) => extractCredential(req, config.tokenSources), verify: (credential) => verifier.verify(credential) };
    }
    case "hmac": {
      const verifier = createHmacVerifier(parseHmacConfig(env));
      return { name, extract: extractHmacCredential, verify: (credential, req) => verifier.verify(credential, req) };
    }
    case "mtls":
      return { ...createMtlsScheme(parseMtlsConfig(env)), name };
    case "introspection":
      return { ...createIntrospectionScheme(await withClientSecret(parseIntrospectionConfig(env))), name };
  }
}
