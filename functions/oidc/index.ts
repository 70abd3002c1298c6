/**
 * Lambda authorizer for JWTs from any OIDC / OAuth 2.0 issuer (Auth0, Okta, Entra ID, Keycloak, ...).
 * Every event kind; configuration in ./config.ts. Composition only: the logic lives in shared/ and ./verify.ts.
 */
import { extractCredential } from "#shared/events/credentials";
import { toLambdaHandler } from "#shared/handler";
import { commonSpec, createAuthorizer } from "#shared/pipeline";
import { parseOidcConfig } from "./config.ts";
import { createOidcVerifier } from "./verify.ts";

const config = parseOidcConfig(process.env);
const verifier = createOidcVerifier(config);
verifier.warm();

export const authorize = createAuthorizer({
  ...commonSpec(config),
  extract: (req) => extractCredential(req, config.tokenSources),
  verify: (credential) => verifier.verify(credential),
});

export const handler = toLambdaHandler(authorize);

/** Same steps as `handler`, returning the trace instead of answering (`npm run explain`). */
export const explain = authorize.explain;
