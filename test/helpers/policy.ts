/**
 * Evaluate an authorizer answer the way API Gateway does, for tests. Written independently of
 * shared/policy/evaluate.ts (regular expressions instead of a hand-rolled matcher) so the two can be
 * checked against each other.
 *
 * An IAM policy allows `arn` when a statement with `execute-api:Invoke` and a matching Resource allows it
 * and none denies it (explicit Deny wins, no match = deny); `*` matches any run of characters (slashes
 * included), `?` one character. A simple response `{isAuthorized}` decides every route alike.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 * @module
 */

/** `true` when the wildcard `pattern` matches `value` (IAM string matching). */
export function iamMatch(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.split("").map((char) => (char === "*" ? ".*" : char === "?" ? "." : char.replace(/[.+^${}()|[\]\\]/g, "\\$&"))).join("")}$`, "s");
  return regex.test(value);
}

interface Statement {
  Action: string | string[];
  Effect: "Allow" | "Deny";
  Resource: string | string[];
}

/** `"Allow"` or `"Deny"` for the call on `arn` given an authorizer answer (IAM policy or HTTP API simple response). */
export function evaluateAnswer(answer: unknown, arn: string): "Allow" | "Deny" {
  const result = (answer ?? {}) as { isAuthorized?: boolean; policyDocument?: { Statement?: Statement[] } };
  if (typeof result.isAuthorized === "boolean") return result.isAuthorized ? "Allow" : "Deny";
  let allowed = false;
  for (const statement of result.policyDocument?.Statement ?? []) {
    const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
    if (!actions.some((action) => iamMatch(action, "execute-api:Invoke"))) continue;
    const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
    if (!resources.some((resource) => iamMatch(resource, arn))) continue;
    if (statement.Effect === "Deny") return "Deny";
    allowed = true;
  }
  return allowed ? "Allow" : "Deny";
}

/** What API Gateway's authorizer cache does with a result: reuse it, unchanged, for a later call on `arn`. */
export function replayCached(cachedAnswer: unknown, arn: string): "Allow" | "Deny" {
  return evaluateAnswer(cachedAnswer, arn);
}
