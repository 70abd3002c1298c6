/**
 * Lambda authorizer combining credential schemes: any of or all of JWT, API key, HMAC signature, client
 * certificate and token introspection, with RFC 8705 certificate-bound tokens. Configuration in
 * ./config.ts; composition only: the logic lives in shared/combine.ts and each scheme's own function.
 */
import { authenticate, describeRequirement } from "#shared/combine";
import { toLambdaHandler } from "#shared/handler";
import { commonSpec, createAuthorizer } from "#shared/pipeline";
import { certificateThumbprint } from "../mtls/certificate.ts";
import { parseCombinedConfig } from "./config.ts";
import { buildScheme } from "./schemes.ts";

const config = parseCombinedConfig(process.env);
const schemes = new Map(await Promise.all(config.schemes.map(async (name) => [name, await buildScheme(name, process.env)] as const)));
for (const scheme of schemes.values()) scheme.warm?.();
const requirement = describeRequirement(config.requirement);

export const authorize = createAuthorizer({
  ...commonSpec(config),
  // Each scheme takes its own credential; the trace names the requirement, never a value.
  extract: () => ({ source: requirement, value: "" }),
  verify: (_credential, req) => authenticate(config.requirement, schemes, req, certificateThumbprint),
});

export const handler = toLambdaHandler(authorize);

/** Same steps as `handler`, returning the trace instead of answering (`npm run explain`). */
export const explain = authorize.explain;
