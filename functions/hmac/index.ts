/**
 * Lambda authorizer for HMAC-SHA256 signed requests from machines outside AWS, with per-client secrets in
 * DynamoDB and replay protection (timestamp skew + single-use nonces). REQUEST events of every kind;
 * configuration in ./config.ts, scheme in ./scheme.ts. Composition only: the logic lives in shared/ and ./verify.ts.
 */
import { toLambdaHandler } from "#shared/handler";
import { commonSpec, createAuthorizer } from "#shared/pipeline";
import { parseHmacConfig } from "./config.ts";
import { createHmacVerifier, extractHmacCredential } from "./verify.ts";

const config = parseHmacConfig(process.env);
const verifier = createHmacVerifier(config);

export const authorize = createAuthorizer({
  ...commonSpec(config),
  extract: extractHmacCredential,
  verify: (credential, req) => verifier.verify(credential, req),
});

export const handler = toLambdaHandler(authorize);

/** Same steps as `handler`, returning the trace instead of answering (`npm run explain`). */
export const explain = authorize.explain;
