/**
 * The `context` an authorizer passes to the backend, built from verified claims.
 *
 * REST and WebSocket APIs (and IAM-format answers) accept only string, number and boolean values; HTTP API
 * 2.0 simple responses also accept arrays and maps. Both are kept within a byte budget so the answer
 * stays far from API Gateway's limits (8 KB for a WebSocket authorizer result).
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
 * @module
 */

/** REST / WebSocket / IAM-format context: flat, primitive values only. */
export type FlatContext = Readonly<Record<string, string | number | boolean>>;
/** HTTP API 2.0 simple-response context: JSON values. */
export type NestedContext = Readonly<Record<string, unknown>>;

/** Default budget, in bytes of JSON, for the whole context. */
export const DEFAULT_CONTEXT_BUDGET_BYTES = 2_048;

/** Claims placed first, so the budget drops the less useful ones. */
const PRIORITY = ["sub", "iss", "client_id", "scope", "scp", "token_use", "cognito:groups", "username", "email"];

function ordered(claims: Readonly<Record<string, unknown>>): string[] {
  const names = Object.keys(claims);
  const first = PRIORITY.filter((name) => names.includes(name));
  return [...first, ...names.filter((name) => !PRIORITY.includes(name)).sort()];
}

/** A primitive for a flat context: numbers and booleans as they are, everything else as a string (JSON for arrays and objects). */
function flatValue(value: unknown): string | number | boolean | undefined {
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (value === null || value === undefined) return undefined;
  return JSON.stringify(value);
}

/**
 * Claims → context, within `budgetBytes` (JSON size of the result; claims that would cross it are left
 * out, in priority order `sub`, `iss`, `client_id`, `scope`, ... then by name).
 *
 * @param flat `true` for REST / WebSocket / IAM answers (primitives only), `false` for HTTP API 2.0 simple responses.
 * @returns the context and the names of the claims left out for size.
 */
export function toAuthorizerContext(
  claims: Readonly<Record<string, unknown>>,
  flat: boolean,
  budgetBytes: number = DEFAULT_CONTEXT_BUDGET_BYTES,
): { context: Record<string, unknown>; dropped: string[] } {
  const context: Record<string, unknown> = {};
  const dropped: string[] = [];
  let size = 2; // "{}"
  for (const name of ordered(claims)) {
    const value = flat ? flatValue(claims[name]) : claims[name];
    if (value === undefined) continue;
    const entry = Buffer.byteLength(JSON.stringify(name)) + 1 + Buffer.byteLength(JSON.stringify(value)) + 1;
    if (size + entry > budgetBytes) {
      dropped.push(name);
      continue;
    }
    context[name] = value;
    size += entry;
  }
  return { context, dropped };
}
