/**
 * A Lambda `Context` fixture, shaped like the one the Node.js runtime passes to a handler.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";

/** Options of {@link createLambdaContext}: any `Context` field, plus the invocation timeout. */
export type LambdaContextOptions = Partial<Omit<Context, "getRemainingTimeInMillis">> & {
  /** Function timeout in milliseconds; `getRemainingTimeInMillis()` counts down from it. Default 3000 (SAM's default). */
  timeoutMs?: number;
};

/**
 * Creates a `Context` for one invocation of `functionName` (default `authorizer`), region us-east-1,
 * account 123456789012, 128 MB, a fresh `awsRequestId`.
 *
 * @param options field overrides and `timeoutMs`.
 * @returns a `Context` whose `getRemainingTimeInMillis()` returns the milliseconds left until
 * `timeoutMs` after creation, never below 0. The deprecated `done`/`fail`/`succeed` throw: handlers
 * here are async and must not call them.
 */
export function createLambdaContext(options: LambdaContextOptions = {}): Context {
  const { timeoutMs = 3_000, ...overrides } = options;
  const functionName = overrides.functionName ?? "authorizer";
  const deadlineMs = Date.now() + timeoutMs;
  const legacy = (name: string) => (): never => {
    throw new Error(`context.${name}() is not supported: return or throw from the async handler`);
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: "128",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${new Date().toISOString().slice(0, 10).replaceAll("-", "/")}/[$LATEST]${randomUUID().replaceAll("-", "")}`,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    done: legacy("done"),
    fail: legacy("fail"),
    succeed: legacy("succeed"),
    ...overrides,
  };
}
