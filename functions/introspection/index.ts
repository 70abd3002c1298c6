/**
 * Lambda authorizer for opaque OAuth 2.0 access tokens, verified by token introspection (RFC 7662) at the
 * authorization server. Every event kind; configuration in ./config.ts. Composition only: the logic lives
 * in shared/ and ./verify.ts.
 */
import { toLambdaHandler } from "#shared/handler";
import { commonSpec, createAuthorizer } from "#shared/pipeline";
import { parseIntrospectionConfig, withClientSecret } from "./config.ts";
import { createIntrospectionScheme } from "./verify.ts";

const config = await withClientSecret(parseIntrospectionConfig(process.env));
const scheme = createIntrospectionScheme(config);
scheme.warm?.();

export const authorize = createAuthorizer({
  ...commonSpec(config),
  extract: scheme.extract,
  verify: scheme.verify,
});

export const handler = toLambdaHandler(authorize);

/** Same steps as `handler`, returning the trace instead of answering (`npm run explain`). */
export const explain = authorize.explain;
