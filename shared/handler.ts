/**
 * Wrap an authorizer as a Lambda handler: middy with Powertools' `injectLambdaContext`.
 *
 * Event logging by Powertools is switched off here on purpose (`logEvent: false`): the raw event holds
 * the credential. The pipeline logs a redacted copy instead when `POWERTOOLS_LOGGER_LOG_EVENT=true`.
 * No error-to-response middleware is used: it would turn the `Unauthorized` rejection (401) into a 500.
 *
 * @module
 */
import middy from "@middy/core";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import type { Context } from "aws-lambda";
import { logger } from "./logging.ts";
import type { AuthorizerFunction } from "./pipeline.ts";
import type { AuthorizerResult } from "./policy/builder.ts";

/** The Lambda handler for `authorize`. */
export function toLambdaHandler(authorize: AuthorizerFunction) {
  return middy<unknown, AuthorizerResult, Error, Context>()
    .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
    .handler(async (event: unknown, context: Context) => authorize(event, context));
}
