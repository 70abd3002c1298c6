/**
 * Lambda authorizer trusting several JWT issuers at once: OIDC issuers and Amazon Cognito user
 * pools side by side, each with its own audiences, keys and optionally its own route rules.
 * Configuration in ./config.ts. Composition only: the logic lives in shared/ and ./verify.ts.
 */
import { extractCredential } from "#shared/events/credentials";
import { toLambdaHandler } from "#shared/handler";
import { commonSpec, createAuthorizer } from "#shared/pipeline";
import { parseMultiIssuerConfig } from "./config.ts";
import { createMultiIssuerVerifier } from "./verify.ts";

const config = parseMultiIssuerConfig(process.env);
const verifier = createMultiIssuerVerifier(config);
verifier.warm();

export const authorize = createAuthorizer({
  ...commonSpec(config),
  extract: (req) => extractCredential(req, config.tokenSources),
  verify: (credential) => verifier.verify(credential),
});

export const handler = toLambdaHandler(authorize);

/** Same steps as `handler`, returning the trace instead of answering (`npm run explain`). */
export const explain = authorize.explain;
