/**
 * Lambda authorizer for client certificates presented over mutual TLS (API Gateway custom domains).
 * Every event kind that carries a certificate; configuration in ./config.ts. Composition only: the logic
 * lives in shared/ and ./verify.ts.
 */
import { toLambdaHandler } from "#shared/handler";
import { commonSpec, createAuthorizer } from "#shared/pipeline";
import { parseMtlsConfig } from "./config.ts";
import { createMtlsScheme } from "./verify.ts";

const config = parseMtlsConfig(process.env);
const scheme = createMtlsScheme(config);

export const authorize = createAuthorizer({
  ...commonSpec(config),
  extract: scheme.extract,
  verify: scheme.verify,
});

export const handler = toLambdaHandler(authorize);

/** Same steps as `handler`, returning the trace instead of answering (`npm run explain`). */
export const explain = authorize.explain;
