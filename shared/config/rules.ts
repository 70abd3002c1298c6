/**
 * Reading JSON settings at init: route rules (`ROUTE_RULES` inline or `ROUTE_RULES_FILE`), and any other
 * JSON-or-file pair (the providers list of the several-issuer function).
 *
 * A file path is relative to the function's folder (`LAMBDA_TASK_ROOT`, else the working directory).
 *
 * @module
 */
import { parseRuleSet, type RouteRuleSet } from "../rules.ts";
import type { EnvReader } from "./env.ts";

/**
 * The JSON value of `inlineName` (JSON text) or `fileName` (a path), or `undefined` when neither is set.
 * Problems (both set, unreadable file, invalid JSON) are recorded on `env`.
 */
export function readJsonSetting(env: EnvReader, inlineName: string, fileName: string, fix: string): { value: unknown; from: string } | undefined {
  const inline = env.raw(inlineName);
  const file = env.raw(fileName);
  if (inline !== undefined && file !== undefined) {
    env.problem(inlineName, `and ${fileName} are both set`, "set only one of them");
    return undefined;
  }
  let text: string;
  let from: string;
  if (inline !== undefined) {
    text = inline;
    from = inlineName;
  } else if (file !== undefined) {
    const read = env.fileText(fileName, { fix });
    if (read === undefined) return undefined;
    text = read;
    from = `${fileName} (${file})`;
  } else {
    return undefined;
  }
  try {
    return { value: JSON.parse(text) as unknown, from };
  } catch {
    env.problem(from, "is not valid JSON", fix);
    return undefined;
  }
}

/** Route rules from `ROUTE_RULES` or `ROUTE_RULES_FILE`; every invalid rule is recorded on `env` with its path. */
export function readRouteRules(env: EnvReader): RouteRuleSet | undefined {
  const fix = 'see README "Route rules": {"rules": [{"route": "GET /orders/{id}", "scopes": ["orders:read"]}]}';
  const setting = readJsonSetting(env, "ROUTE_RULES", "ROUTE_RULES_FILE", fix);
  if (setting === undefined) return undefined;
  const parsed = parseRuleSet(setting.value);
  if (Array.isArray(parsed)) {
    for (const problem of parsed) env.problem(setting.from, `has an invalid rule at ${problem}`, fix);
    return undefined;
  }
  return parsed;
}
