/**
 * `npm run explain`: what an authorizer decides for one token on one route, and why.
 *
 *   npm run explain -- <function> --token <jwt> --route "GET /orders/123"   (env configures the function)
 *   npm run explain -- <function> --event events/rest-request/valid.json --token <jwt>
 *   npm run explain -- --demo        a real token from a loopback OpenID provider, a matched and an unmatched route
 *
 * It imports the built bundle (`dist/<function>/index.mjs`) and calls its `explain` export, which runs the
 * same steps as the handler (normalise, extract, verify, decide, respond) and returns the trace: the
 * verification result, the provider chosen, each route rule with whether it matched and why, and the
 * resulting policy or simple response. The token itself is never printed.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { createLambdaContext } from "../test/helpers/context.ts";
import { ORDERS_API, startOpenIdProvider } from "../test/helpers/oidc-provider.ts";
import { DEFAULT_DIST_DIR, readEvent } from "./lib/invoke-bundle.ts";

interface TraceLike {
  request?: { kind: string; routeKey?: string; method: string; path: string; resourceArn: string };
  credentialSource?: string;
  principal?: { principalId: string; issuer?: string; kid?: string; provider?: string; scopes: string[]; groups: string[] };
  decision?: { effect: string; reason: string; rules: { index: number; routes: string[]; satisfied: boolean; why: string; resources: string[] }[] };
  outcome: { decision: string; reason: string };
  answer?: { result: unknown };
  failure?: unknown;
}

type Explain = (event: unknown, context: unknown) => Promise<TraceLike>;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    token: { type: "string" },
    route: { type: "string" },
    event: { type: "string" },
    "api-arn": { type: "string", default: "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod" },
    demo: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (values.help || (!values.demo && positionals.length !== 1)) {
  console.log(`usage: npm run explain -- <function> (--route "GET /orders/123" | --event <file>) [--token <jwt>]
       npm run explain -- --demo
The function reads its configuration from the environment, as on Lambda. --token defaults to $TOKEN.`);
  process.exit(values.help ? 0 : 2);
}

/** A REST TOKEN event for `route` ("GET /orders/123" or "$connect") on `apiArn` (".../{apiId}/{stage}"). */
function tokenEvent(apiArn: string, route: string, token: string): unknown {
  const [method = "", path = ""] = route.trim().split(/\s+/, 2);
  const suffix = path === "" ? method : `${method.toUpperCase()}${path}`;
  return { type: "TOKEN", methodArn: `${apiArn}/${suffix}`, authorizationToken: `Bearer ${token}` };
}

async function loadExplain(functionName: string, instance: string): Promise<Explain> {
  const url = new URL(`${functionName}/index.mjs?explain=${instance}`, `file://${DEFAULT_DIST_DIR.endsWith("/") ? DEFAULT_DIST_DIR : `${DEFAULT_DIST_DIR}/`}`);
  const bundle = (await import(url.href)) as { explain?: Explain };
  if (typeof bundle.explain !== "function") throw new Error(`dist/${functionName}/index.mjs exports no explain: run npm run build`);
  return bundle.explain;
}

function print(title: string, trace: TraceLike): void {
  const line = (label: string, value: string) => console.log(`  ${label.padEnd(14)} ${value}`);
  console.log(`\n== ${title}`);
  const req = trace.request;
  line("request", req === undefined ? "unreadable event" : `${req.kind} ${req.routeKey ?? `${req.method} ${req.path}`}  (${req.resourceArn})`);
  line("credential", trace.credentialSource ?? "none found");
  if (trace.principal !== undefined) {
    const p = trace.principal;
    line("verified", `principalId ${p.principalId}, iss ${p.issuer ?? "-"}, kid ${p.kid ?? "-"}${p.provider === undefined ? "" : `, provider ${p.provider}`}`);
    line("scopes", p.scopes.join(" ") || "-");
    line("groups", p.groups.join(", ") || "-");
  } else {
    line("verified", `no: ${trace.outcome.reason}${trace.failure instanceof Error ? ` (${trace.failure.name})` : ""}`);
  }
  for (const rule of trace.decision?.rules ?? []) {
    line(`rule ${rule.index}`, `${rule.satisfied ? "met    " : "not met"}  ${rule.routes.join(", ")}: ${rule.why}`);
  }
  if (trace.decision !== undefined && trace.decision.rules.length === 0) line("rules", "none: every route alike");
  line("decision", `${trace.outcome.decision} (${trace.outcome.reason})`);
  console.log(`  answer         ${trace.answer === undefined ? 'reject with Error("Unauthorized") (401)' : JSON.stringify(trace.answer.result, null, 2).replaceAll("\n", "\n                 ")}`);
}

if (values.demo) {
  // A real token from a real OpenID provider, the example rules, one route that matches and one that does not.
  const provider = await startOpenIdProvider();
  try {
    const token = await provider.clientCredentialsToken({ scope: "orders:read", resource: ORDERS_API });
    Object.assign(process.env, {
      ISSUER: provider.issuer, AUDIENCE: ORDERS_API, POWERTOOLS_LOG_LEVEL: "ERROR",
      ROUTE_RULES: readFileSync(resolve(import.meta.dirname, "../examples/auth0-per-route-scopes/rules.json"), "utf8"),
    });
    const explain = await loadExplain("oidc", "demo");
    console.log(`OIDC authorizer, ISSUER=${provider.issuer}, rules from examples/auth0-per-route-scopes/rules.json, token scope "orders:read"`);
    print("GET /orders/123 (matched: needs orders:read or orders:admin)", await explain(tokenEvent(values["api-arn"], "GET /orders/123", token), createLambdaContext({ timeoutMs: 10_000 })));
    print("DELETE /admin/users/7 (unmatched: needs orders:admin)", await explain(tokenEvent(values["api-arn"], "DELETE /admin/users/7", token), createLambdaContext({ timeoutMs: 10_000 })));
  } finally {
    await provider.close();
  }
  process.exit(0);
}

const functionName = positionals[0] ?? "";
const token = values.token ?? process.env.TOKEN;
let event: unknown;
if (values.event !== undefined) {
  event = await readEvent(resolve(process.env.INIT_CWD ?? process.cwd(), values.event), { token });
} else if (values.route !== undefined && token !== undefined) {
  event = tokenEvent(values["api-arn"], values.route, token);
} else {
  console.error("give --event <file>, or --route with --token (or $TOKEN)");
  process.exit(2);
}
const explain = await loadExplain(functionName, "cli");
print(`${functionName}`, await explain(event, createLambdaContext({ timeoutMs: 10_000 })));
process.exit(0);
