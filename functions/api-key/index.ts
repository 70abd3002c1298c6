/**
 * Lambda authorizer for API keys (`<prefix>_<keyId>_<secret>`) kept hashed in DynamoDB, with usage-plan
 * key passthrough (`usageIdentifierKey`). Every event kind; configuration in ./config.ts. Composition only:
 * the logic lives in shared/ and ./verify.ts.
 */
import { extractCredential } from "#shared/events/credentials";
import { toLambdaHandler } from "#shared/handler";
import { commonSpec, createAuthorizer } from "#shared/pipeline";
import { parseApiKeyConfig } from "./config.ts";
import { createApiKeyVerifier } from "./verify.ts";

const config = parseApiKeyConfig(process.env);
const verifier = createApiKeyVerifier(config);

export const authorize = createAuthorizer({
  ...commonSpec(config),
  extract: (req) => extractCredential(req, config.tokenSources),
  verify: (credential) => verifier.verify(credential),
});

export const handler = toLambdaHandler(authorize);

/** Same steps as `handler`, returning the trace instead of answering (`npm run explain`). */
export const explain = authorize.explain;
