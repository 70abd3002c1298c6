/**
 * Lambda authorizer for Amazon Cognito user pool tokens (access, ID, M2M client credentials).
 * Every event kind; configuration in ./config.ts. Composition only: the logic lives in shared/ and ./verify.ts.
 */
import { extractCredential } from "#shared/events/credentials";
import { toLambdaHandler } from "#shared/handler";
import { commonSpec, createAuthorizer } from "#shared/pipeline";
import { parseCognitoConfig } from "./config.ts";
import { createCognitoVerifier } from "./verify.ts";

const config = parseCognitoConfig(process.env);
const verifier = createCognitoVerifier(config);
verifier.warm();

export const authorize = createAuthorizer({
  ...commonSpec(config, config.requiredGroups),
  extract: (req) => extractCredential(req, config.tokenSources),
  verify: (credential) => verifier.verify(credential),
});

export const handler = toLambdaHandler(authorize);

/** Same steps as `handler`, returning the trace instead of answering (`npm run explain`). */
export const explain = authorize.explain;
