/**
 * Run a built authorizer on one event, like `sam local invoke` without Docker.
 *
 *     npm run invoke -- <function> <event.json> [--token <jwt>] [--dist <dir>] [--timeout-ms <ms>]
 *     TOKEN=eyJ... ISSUER=https://example.auth0.com/ AUDIENCE=https://api.example.com \
 *       npm run invoke -- oidc events/rest-token/valid.json
 *
 * Imports `dist/<function>/index.mjs` with the current environment (its configuration), fills every
 * `{{token}}` in the event with `--token` or `$TOKEN`, calls `handler(event, context)` and prints the
 * answer as JSON, or `401 Unauthorized` for a rejection with `Unauthorized`. Exit status: 0 for a
 * well-formed answer (Allow or Deny), 1 for a 401, a malformed answer, any other error or bad usage.
 *
 * @module
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { createLambdaContext } from "../test/helpers/context.ts";
import { detectEventKind, invokeHandler, loadHandler, readEvent } from "./lib/invoke-bundle.ts";

const USAGE = `usage: npm run invoke -- <function> <event.json> [options]

  <function>         bundle folder under dist/: oidc, cognito, ...
  <event.json>       an API Gateway authorizer event, e.g. events/rest-token/valid.json

options:
  --token <value>    credential to put where the event has {{token}} (default: $TOKEN)
  --dist <dir>       directory with <function>/index.mjs (default: dist/)
  --timeout-ms <ms>  give up on the handler after this many milliseconds (default: 10000)
  -h, --help         show this help

The function's configuration comes from the environment (ISSUER, AUDIENCE, USER_POOL_ID, ...).
Exit status: 0 for an answer (Allow or Deny), 1 for 401 Unauthorized or any error.`;

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        token: { type: "string" },
        dist: { type: "string" },
        "timeout-ms": { type: "string", default: "10000" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 1;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [functionName, eventFile, ...extra] = positionals;
  if (functionName === undefined || eventFile === undefined || extra.length > 0) {
    console.error(USAGE);
    return 1;
  }
  const timeoutMs = Number(values["timeout-ms"]);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    console.error(`--timeout-ms must be a positive integer, got ${values["timeout-ms"]}`);
    return 1;
  }

  const token = values.token ?? process.env.TOKEN;
  // npm runs scripts from the package root; resolve the event against where the user typed the command.
  const event = await readEvent(resolve(process.env.INIT_CWD ?? process.cwd(), eventFile), { token });
  if (token === undefined && JSON.stringify(event).includes("{{token}}")) {
    console.error("note: the event has {{token}} placeholders and neither --token nor $TOKEN is set");
  }
  const handler = await loadHandler(functionName, values.dist === undefined ? {} : { distDir: values.dist });
  const context = createLambdaContext({ functionName, timeoutMs });
  const result = await invokeHandler(handler, event, context, { timeoutMs });

  if (result.verdict === "401") {
    console.log("401 Unauthorized");
    return 1;
  }
  if ("answer" in result) console.log(JSON.stringify(result.answer, null, 2));
  if (result.verdict === "error") {
    console.error(`error (${detectEventKind(event)} event): ${result.detail ?? "unknown"}; API Gateway would answer 500`);
    if (result.error instanceof Error && result.error.stack !== undefined) console.error(result.error.stack);
    return 1;
  }
  return 0;
}

try {
  process.exit(await main());
} catch (error) {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
