/**
 * The fault matrix: one row per fault, with what the authorizer answered, how fast, and how many requests
 * reached the faulty server. Rows are asserted by the tests; with `FAULT_MATRIX_OUT=<file>` they are also
 * appended to that file as JSON lines (README's "Fault matrix" table was rendered from such a run).
 *
 * @module
 */
import { appendFileSync } from "node:fs";
import { expect } from "vitest";
import { invokeHandler, type AuthorizerHandler } from "../../scripts/lib/invoke-bundle.ts";
import { decisionLines, type LogCapture } from "../helpers/bundle.ts";
import { createLambdaContext } from "../helpers/context.ts";

/** One row of the matrix. */
export interface FaultRow {
  /** What failed: `JWKS (oidc)`, `DynamoDB (api-key)`, ... */
  readonly target: string;
  readonly fault: string;
  /** `401 jwks_unavailable`, `Allow (cached keys)`, ... */
  readonly outcome: string;
  /** Time to answer, ms (rounded). */
  readonly ms: number;
  /** The bound asserted, ms. */
  readonly boundMs: number;
  /** Requests that reached the faulty server (`refused` when nothing listened). */
  readonly requests: string;
}

const rows: FaultRow[] = [];

/** Add a row. */
export function recordFault(row: FaultRow): void {
  rows.push(row);
}

/** Append the rows recorded so far to `FAULT_MATRIX_OUT`, when set (call in `afterAll`). */
export function flushFaults(): void {
  const out = process.env.FAULT_MATRIX_OUT;
  if (out !== undefined && out !== "") appendFileSync(out, rows.map((row) => `${JSON.stringify(row)}\n`).join(""));
  rows.length = 0;
}

/** The outcome of one call: verdict, decision-line reason, and the time it took. */
export interface CallResult {
  readonly verdict: string;
  readonly reason: string | undefined;
  readonly ms: number;
  readonly answer: unknown;
}

/**
 * Call `handler` on `event` with a 10 s Lambda context, and read the decision line it wrote.
 * A verdict of `error` (anything API Gateway would turn into a 500) fails the test at once.
 */
export async function call(handler: AuthorizerHandler, event: unknown, logs: LogCapture): Promise<CallResult> {
  const before = decisionLines(logs.text()).length;
  const result = await invokeHandler(handler, event, createLambdaContext({ timeoutMs: 10_000 }), { timeoutMs: 15_000 });
  expect(result.verdict, result.detail).not.toBe("error");
  const line = decisionLines(logs.text())[before];
  return { verdict: result.verdict, reason: typeof line?.reason === "string" ? line.reason : undefined, ms: Math.round(result.durationMs), answer: result.answer };
}

/** `401 <reason>` or `Allow` / `Deny <reason>`. */
export function outcomeOf(result: CallResult): string {
  return result.verdict === "Allow" ? "Allow" : `${result.verdict} ${result.reason ?? "?"}`;
}
