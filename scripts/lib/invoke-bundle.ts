/**
 * Run a built authorizer bundle (`dist/<function>/index.mjs`) on an event, the way Lambda would, and
 * say what API Gateway would make of the answer. Shared by `scripts/invoke.ts` and `scripts/demo.ts`.
 *
 * The bundle is a black box here: nothing from `shared/` is imported, so the verdict is an outside
 * check of the handler's answer against API Gateway's rules (policy for REST, WebSocket and HTTP API
 * 1.0; simple response or policy for HTTP API 2.0; only `Error("Unauthorized")` is a 401).
 *
 * @module
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Context } from "aws-lambda";

/** The repository root (where `dist/` and `events/` live). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Where `npm run build` writes the bundles. */
export const DEFAULT_DIST_DIR = fileURLToPath(new URL("../../dist/", import.meta.url));

/** The placeholder recorded events carry wherever the credential goes. */
export const TOKEN_PLACEHOLDER = "{{token}}";

/** An authorizer handler as exported by a bundle: `handler(event, context)`, async. */
export type AuthorizerHandler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * Replaces every `{{token}}` in the JSON text `text` with `token`, escaped for a JSON string (a JWT
 * needs no escaping; a tampered or odd test value might).
 *
 * @returns the text with the placeholders filled; unchanged when `token` is `undefined`.
 */
export function substituteToken(text: string, token: string | undefined): string {
  if (token === undefined) return text;
  const escaped = JSON.stringify(token).slice(1, -1);
  return text.replaceAll(TOKEN_PLACEHOLDER, () => escaped);
}

/**
 * Reads an event file, fills the `{{token}}` placeholders and parses it.
 *
 * @param file path of a JSON event (absolute, or relative to the working directory).
 * @param options `token`: the credential; when omitted, placeholders stay as they are.
 * @returns the parsed event.
 * @throws `Error` naming the file when it cannot be read or is not JSON.
 */
export async function readEvent(file: string, options: { token?: string | undefined } = {}): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new Error(`cannot read event ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(substituteToken(text, options.token)) as unknown;
  } catch (error) {
    throw new Error(`event ${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** Options of {@link loadHandler}. */
export interface LoadHandlerOptions {
  /** Directory holding `<function>/index.mjs`; default {@link DEFAULT_DIST_DIR}. */
  distDir?: string;
  /**
   * Appended as `?v=<instance>` to the import URL so the bundle is evaluated again and reads the
   * current `process.env` afresh. Omit to reuse an already imported instance.
   */
  instance?: string | number;
}

/**
 * Imports `<distDir>/<functionName>/index.mjs` and returns its `handler`. The bundle reads its
 * configuration from `process.env` when imported, so set the environment first.
 *
 * @param functionName bundle folder name, e.g. `oidc` or `cognito` (lower-case letters, digits, `-`).
 * @throws `Error` when the name is not a folder name, the bundle is missing (run `npm run build`), its
 * cold start fails (e.g. a `ConfigError` naming a variable) or it exports no `handler` function.
 */
export async function loadHandler(functionName: string, options: LoadHandlerOptions = {}): Promise<AuthorizerHandler> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(functionName)) {
    throw new Error(`function name ${JSON.stringify(functionName)} is not a bundle folder name (e.g. oidc, cognito)`);
  }
  const distDir = options.distDir ?? DEFAULT_DIST_DIR;
  const file = fileURLToPath(new URL(`${functionName}/index.mjs`, pathToFileURL(distDir.endsWith("/") ? distDir : `${distDir}/`)));
  if (!existsSync(file)) {
    throw new Error(`${file} does not exist: run \`npm run build\` first`);
  }
  const url = pathToFileURL(file);
  if (options.instance !== undefined) url.search = `v=${encodeURIComponent(String(options.instance))}`;
  const bundle = (await import(url.href)) as { handler?: unknown };
  if (typeof bundle.handler !== "function") {
    throw new Error(`${file} exports no handler function`);
  }
  return bundle.handler as AuthorizerHandler;
}

/** Event kinds, named as the `events/` folders are. */
export type EventKindName = "rest-token" | "rest-request" | "websocket-connect" | "http-v1" | "http-v2" | "unknown";

/**
 * Recognises the event kind the way the design's table does: `type: "TOKEN"`; `version` `"2.0"` /
 * `"1.0"`; `requestContext.eventType: "CONNECT"`; else `type: "REQUEST"`.
 */
export function detectEventKind(event: unknown): EventKindName {
  if (!isRecord(event)) return "unknown";
  if (event.type === "TOKEN") return "rest-token";
  if (event.version === "2.0") return "http-v2";
  if (event.version === "1.0") return "http-v1";
  if (isRecord(event.requestContext) && event.requestContext.eventType === "CONNECT") return "websocket-connect";
  if (event.type === "REQUEST") return "rest-request";
  return "unknown";
}

/**
 * A short human name for the call an event is about: `GET /orders/123` (method and path as called;
 * the stage is part of the path where API Gateway puts it there), or the route key (`$connect`).
 * REST TOKEN events carry only `methodArn`, so method and path come from it.
 */
export function describeRoute(event: unknown): string {
  if (!isRecord(event)) return "?";
  const context = isRecord(event.requestContext) ? event.requestContext : {};
  const http = isRecord(context.http) ? context.http : {};
  if (typeof http.method === "string" && typeof event.rawPath === "string") return `${http.method} ${event.rawPath}`;
  if (typeof event.httpMethod === "string" && typeof event.path === "string") return `${event.httpMethod} ${event.path}`;
  if (typeof context.routeKey === "string") return context.routeKey;
  if (typeof event.methodArn === "string") {
    // arn:<partition>:execute-api:<region>:<account>:<apiId>/<stage>/<METHOD>/<path...>
    const [, , method, ...path] = (event.methodArn.split(":")[5] ?? "").split("/");
    if (method !== undefined) return `${method} /${path.join("/")}`;
  }
  return "?";
}

/** What API Gateway makes of a handler's outcome. */
export type Verdict = "Allow" | "Deny" | "401" | "error";

/** The outcome of one invocation. */
export interface InvokeResult {
  /** `Allow`/`Deny` for a well-formed answer, `401` for a rejection with `Unauthorized`, `error` for anything API Gateway turns into a 500. */
  verdict: Verdict;
  /** `principalId` of a policy answer; for a simple response, `context.principalId` or `context.sub` when present. */
  principalId: string | undefined;
  /** What the handler resolved with, if it did. */
  answer?: unknown;
  /** What the handler rejected with, if it did. */
  error?: unknown;
  /** Why the verdict is `error`, in words. */
  detail?: string;
  /** Wall-clock milliseconds from the call to its settlement. */
  durationMs: number;
  /** With `captureLogs`: what the handler wrote to stdout and stderr during the call, one entry per line. */
  logs?: string[];
  /** With `captureLogs`: the `reason` of the last JSON log line that has one (the decision line), e.g. `insufficient_scope`. */
  reason?: string;
}

/** Options of {@link invokeHandler}. */
export interface InvokeOptions {
  /** Milliseconds to wait for the handler before giving up with verdict `error`; default 10000. */
  timeoutMs?: number;
  /**
   * Hold back what is written to stdout/stderr while the handler runs (its log lines) and return it
   * in `logs`, with the decision's `reason`; default `false` (logs pass through). Calls must not overlap.
   */
  captureLogs?: boolean;
}

/**
 * Calls `handler(event, context)`, times it, and classifies the outcome with {@link classifyAnswer}.
 * Never throws: a rejection or a timeout is part of the result.
 */
export async function invokeHandler(
  handler: AuthorizerHandler,
  event: unknown,
  context: Context,
  options: InvokeOptions = {},
): Promise<InvokeResult> {
  if (options.captureLogs !== true) return settle(handler, event, context, options.timeoutMs ?? 10_000);
  const capture = captureOutput();
  try {
    const result = await settle(handler, event, context, options.timeoutMs ?? 10_000);
    const logs = capture.lines();
    const reason = logs.map(reasonOf).findLast((value) => value !== undefined);
    return { ...result, logs, ...(reason === undefined ? {} : { reason }) };
  } finally {
    capture.restore();
  }
}

async function settle(handler: AuthorizerHandler, event: unknown, context: Context, timeoutMs: number): Promise<InvokeResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HandlerTimeout(timeoutMs)), timeoutMs);
  });
  const started = performance.now();
  try {
    const answer = await Promise.race([Promise.resolve().then(() => handler(event, context)), timeout]);
    const durationMs = performance.now() - started;
    return { ...classifyAnswer(event, answer), answer, durationMs };
  } catch (error) {
    const durationMs = performance.now() - started;
    if (error instanceof Error && error.message === "Unauthorized") {
      return { verdict: "401", principalId: undefined, error, durationMs };
    }
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : `rejected with ${String(error)}`;
    return { verdict: "error", principalId: undefined, error, detail, durationMs };
  } finally {
    clearTimeout(timer);
  }
}

/** Swaps `write` of stdout and stderr for a collector until `restore()`. */
function captureOutput(): { lines(): string[]; restore(): void } {
  const chunks: string[] = [];
  const saved = [process.stdout, process.stderr].map((stream) => ({ stream, write: stream.write.bind(stream) }));
  for (const { stream } of saved) {
    stream.write = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      const callback = rest.find((arg): arg is () => void => typeof arg === "function");
      callback?.();
      return true;
    };
  }
  return {
    lines: () => chunks.join("").split("\n").filter((line) => line.trim() !== ""),
    restore: () => {
      for (const { stream, write } of saved) stream.write = write;
    },
  };
}

/** The `reason` field of a JSON log line, if it has one. */
function reasonOf(line: string): string | undefined {
  try {
    const parsed = JSON.parse(line) as unknown;
    return isRecord(parsed) && typeof parsed.reason === "string" ? parsed.reason : undefined;
  } catch {
    return undefined;
  }
}

class HandlerTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`handler did not settle within ${timeoutMs} ms`);
    this.name = "HandlerTimeout";
  }
}

/**
 * Checks a resolved answer against what API Gateway accepts for the event's kind.
 *
 * - IAM policy (`principalId`, `policyDocument.Version`, `Statement[]` of
 *   `execute-api:Invoke` with `Effect`): `Deny` if any statement denies, else `Allow`. Accepted for
 *   every kind; on REST, WebSocket and HTTP API 1.0 `context` values must be string, number or boolean.
 * - Simple response `{isAuthorized: boolean}`: HTTP API 2.0 only.
 * - Anything else: `error` (API Gateway answers 500).
 */
export function classifyAnswer(event: unknown, answer: unknown): Pick<InvokeResult, "verdict" | "principalId" | "detail"> {
  const kind = detectEventKind(event);
  const invalid = (detail: string) => ({ verdict: "error" as const, principalId: undefined, detail });
  if (!isRecord(answer)) return invalid(`answer is ${answer === null ? "null" : typeof answer}, not an object`);

  if (typeof answer.isAuthorized === "boolean") {
    if (kind !== "http-v2") return invalid(`a simple response is only valid for HTTP API 2.0, not ${kind}`);
    const context = isRecord(answer.context) ? answer.context : {};
    const principal = typeof context.principalId === "string" ? context.principalId : context.sub;
    return { verdict: answer.isAuthorized ? "Allow" : "Deny", principalId: typeof principal === "string" ? principal : undefined };
  }

  const { principalId, policyDocument, context } = answer;
  if (typeof principalId !== "string") return invalid("policy answer without a string principalId");
  if (!isRecord(policyDocument) || typeof policyDocument.Version !== "string" || !Array.isArray(policyDocument.Statement)) {
    return invalid("policyDocument needs Version and a Statement array");
  }
  const statements: unknown[] = policyDocument.Statement;
  if (statements.length === 0) return invalid("policyDocument has no statements");
  let denied = false;
  for (const statement of statements) {
    if (!isRecord(statement) || (statement.Effect !== "Allow" && statement.Effect !== "Deny")) {
      return invalid("a statement has no Effect Allow|Deny");
    }
    const action = statement.Action;
    const actions: unknown[] = Array.isArray(action) ? action : [action];
    if (!actions.some((a) => a === "execute-api:Invoke")) return invalid("a statement's Action is not execute-api:Invoke");
    if (statement.Resource === undefined) return invalid("a statement has no Resource");
    denied ||= statement.Effect === "Deny";
  }
  if (context !== undefined && kind !== "http-v2") {
    if (!isRecord(context)) return invalid("context is not an object");
    for (const [name, value] of Object.entries(context)) {
      if (!["string", "number", "boolean"].includes(typeof value)) {
        return invalid(`context.${name} is ${Array.isArray(value) ? "an array" : typeof value}: only string, number, boolean are allowed`);
      }
    }
  }
  return { verdict: denied ? "Deny" : "Allow", principalId };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
