/**
 * Evaluate an authorizer answer the way API Gateway does, and reason about wildcard ARN patterns.
 *
 * IAM string matching: `*` matches any run of characters (slashes included), `?` exactly one. A policy
 * allows an ARN when a statement with `execute-api:Invoke` and a matching Resource allows it and no
 * matching statement denies it: explicit Deny wins, no match is a deny.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html
 * @module
 */
import type { Effect } from "./builder.ts";

/** `true` when the IAM wildcard `pattern` matches `value`. Linear-time greedy glob matcher. */
export function iamMatch(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let mark = 0;
  while (v < value.length) {
    if (p < pattern.length && (pattern[p] === "?" || pattern[p] === value[v])) {
      p += 1;
      v += 1;
    } else if (p < pattern.length && pattern[p] === "*") {
      star = p;
      mark = v;
      p += 1;
    } else if (star !== -1) {
      p = star + 1;
      mark += 1;
      v = mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === "*") p += 1;
  return p === pattern.length;
}

/**
 * In a route pattern (not in IAM), "one path segment": one or more characters other than `/`. IAM has no
 * such wildcard, so a route's IAM resource uses `*` instead (see policy/routes.ts).
 */
export const SEGMENT = "\u0001";

type Token = { kind: "lit"; char: string } | { kind: "any" } | { kind: "nonSlash" } | { kind: "star" } | { kind: "nonSlashStar" };

function tokens(pattern: string): Token[] {
  const out: Token[] = [];
  for (const char of pattern) {
    if (char === "*") out.push({ kind: "star" });
    else if (char === "?") out.push({ kind: "any" });
    else if (char === SEGMENT) out.push({ kind: "nonSlash" }, { kind: "nonSlashStar" });
    else out.push({ kind: "lit", char });
  }
  return out;
}

const isStar = (token: Token): boolean => token.kind === "star" || token.kind === "nonSlashStar";

/** Some single character is in both tokens' character classes. */
function classesMeet(a: Token, b: Token): boolean {
  const slashFree = (token: Token): boolean => token.kind === "nonSlash" || token.kind === "nonSlashStar";
  if (a.kind === "lit" && b.kind === "lit") return a.char === b.char;
  if (a.kind === "lit") return !(slashFree(b) && a.char === "/");
  if (b.kind === "lit") return !(slashFree(a) && b.char === "/");
  return true;
}

/**
 * `true` when some string matches both patterns (their languages intersect). Patterns use IAM's `*` and
 * `?`, plus {@link SEGMENT} for one path segment. Used to find an Allow that would also reach a route the
 * caller may not call.
 */
export function patternsOverlap(a: string, b: string): boolean {
  const x = tokens(a);
  const y = tokens(b);
  const memo = new Map<number, boolean>();
  const width = y.length + 1;
  const visit = (i: number, j: number): boolean => {
    const key = i * width + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const p = x[i];
    const q = y[j];
    let result: boolean;
    if (p === undefined && q === undefined) result = true;
    else if (p !== undefined && isStar(p)) result = visit(i + 1, j) || (q !== undefined && classesMeet(p, q) && visit(i, j + 1));
    else if (q !== undefined && isStar(q)) result = visit(i, j + 1) || (p !== undefined && classesMeet(p, q) && visit(i + 1, j));
    else if (p !== undefined && q !== undefined) result = classesMeet(p, q) && visit(i + 1, j + 1);
    else result = false;
    memo.set(key, result);
    return result;
  };
  return visit(0, 0);
}

interface StatementLike {
  readonly Action: string | readonly string[];
  readonly Effect: Effect;
  readonly Resource: string | readonly string[];
}

/**
 * `"Allow"` or `"Deny"` for a call on `arn`, given an authorizer answer: an IAM policy result or an HTTP
 * API simple response (route-independent: it decides every route alike). Anything else is a Deny.
 */
export function evaluateAnswer(answer: unknown, arn: string): Effect {
  if (typeof answer !== "object" || answer === null) return "Deny";
  const result = answer as { isAuthorized?: unknown; policyDocument?: { Statement?: readonly StatementLike[] } };
  if (typeof result.isAuthorized === "boolean") return result.isAuthorized ? "Allow" : "Deny";
  let allowed = false;
  for (const statement of result.policyDocument?.Statement ?? []) {
    const actions = typeof statement.Action === "string" ? [statement.Action] : statement.Action;
    if (!actions.some((action) => iamMatch(action, "execute-api:Invoke"))) continue;
    const resources = typeof statement.Resource === "string" ? [statement.Resource] : statement.Resource;
    if (!resources.some((resource) => iamMatch(resource, arn))) continue;
    if (statement.Effect === "Deny") return "Deny";
    allowed = true;
  }
  return allowed ? "Allow" : "Deny";
}
