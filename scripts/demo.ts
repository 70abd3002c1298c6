/**
 * End-to-end demo of the built authorizers against real loopback identity providers.
 *
 *     npm run demo                # builds, then runs this
 *     node scripts/demo.ts [--verbose] [--dist <dir>]
 *
 * 1. OIDC: starts a real OpenID provider (oidc-provider) on 127.0.0.1, obtains a client-credentials
 *    access token over HTTP (scope `orders:read`, audience `https://api.example.com/orders`), and runs
 *    `dist/oidc/index.mjs` (ISSUER, AUDIENCE, REQUIRED_SCOPES=orders:read; JWKS found by discovery) on
 *    every recorded event in `events/`, then on a tampered token and on a token lacking the scope.
 * 2. Cognito: starts a loopback JWKS server, mints Cognito-shaped access and ID tokens, and runs
 *    `dist/cognito/index.mjs` (USER_POOL_ID, CLIENT_ID, TOKEN_USE=access, JWKS_URI=loopback).
 *
 * Prints one row per call (kind, case, route, expected, outcome, reason, principalId, ms) and exits
 * 1 if any outcome differs from its expectation, with the `reason` from the handler's decision log line.
 * Bundles run in this process: each configuration is imported afresh (`?v=`) after its environment is
 * set. Handler log lines are captured (shown with `--verbose`).
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { createLambdaContext } from "../test/helpers/context.ts";
import { listEvents, loadEvent } from "../test/helpers/events.ts";
import { startJwksServer } from "../test/helpers/jwks-server.ts";
import type { JwksServer } from "../test/helpers/jwks-server.ts";
import { createKeyPair, nowSeconds, signJwt } from "../test/helpers/keys.ts";
import { ORDERS_API, startOpenIdProvider } from "../test/helpers/oidc-provider.ts";
import type { OpenIdProvider } from "../test/helpers/oidc-provider.ts";
import { describeRoute, detectEventKind, invokeHandler, loadHandler } from "./lib/invoke-bundle.ts";
import type { AuthorizerHandler, Verdict } from "./lib/invoke-bundle.ts";

/** Expected outcome of a recorded event case with a valid token, when it is not `Allow`. */
const EXPECTED_BY_CASE: Readonly<Record<string, Verdict>> = {
  /** No credential anywhere: unauthenticated. */
  "missing-token": "401",
  /**
   * A TOKEN event's `authorizationToken` may hold the bare token (API Gateway passes the header value
   * as sent; shared/events/credentials.ts accepts both forms there, only there): Allow. Listed so
   * the choice is visible.
   */
  "no-bearer": "Allow",
};

const COGNITO_REGION = "us-east-1";
const COGNITO_POOL_ID = `${COGNITO_REGION}_Demo1234`;
const COGNITO_OTHER_POOL_ID = `${COGNITO_REGION}_Other5678`;
const COGNITO_CLIENT_ID = "3ab4demo5client6id7example";
const cognitoIssuer = (poolId: string) => `https://cognito-idp.${COGNITO_REGION}.amazonaws.com/${poolId}`;

/** Every variable either bundle reads; cleared before each configuration so the shell's values don't leak in. */
const CONFIG_VARIABLES = [
  "ISSUER",
  "AUDIENCE",
  "JWKS_URI",
  "ALGORITHMS",
  "REQUIRED_SCOPES",
  "REQUIRED_GROUPS",
  "USER_POOL_ID",
  "CLIENT_ID",
  "TOKEN_USE",
  "TOKEN_SOURCES",
  "HTTP_API_RESPONSE",
  "HTTP_API_UNAUTHENTICATED",
  "CLOCK_TOLERANCE_SECONDS",
] as const;

/** The whole demo must finish within this many milliseconds, or it fails rather than hangs. */
const WATCHDOG_MS = 60_000;

interface Row {
  kind: string;
  case: string;
  route: string;
  expected: Verdict;
  outcome: Verdict;
  reason: string;
  principalId: string;
  ms: string;
  detail: string | undefined;
}

const { values: args } = parseArgs({
  options: {
    verbose: { type: "boolean", short: "v", default: false },
    dist: { type: "string" },
  },
});
const distDir = args.dist;

/**
 * Sets exactly `vars` among {@link CONFIG_VARIABLES}. Logs at INFO so each call's decision line (and
 * its `reason`) is written; the demo captures those lines and shows them only with `--verbose`.
 */
function configure(vars: Partial<Record<(typeof CONFIG_VARIABLES)[number], string>>): void {
  for (const name of CONFIG_VARIABLES) delete process.env[name];
  Object.assign(process.env, vars, { POWERTOOLS_LOG_LEVEL: "INFO", POWERTOOLS_SERVICE_NAME: "demo" });
}

/** Imports a fresh instance of a bundle, which reads the environment {@link configure} just set. */
function load(functionName: string): Promise<AuthorizerHandler> {
  return loadHandler(functionName, { instance: `${functionName}-${randomUUID()}`, ...(distDir === undefined ? {} : { distDir }) });
}

/** Runs `handler` on the recorded event `eventPath` with `token`, and records the row. */
async function run(
  rows: Row[],
  handler: AuthorizerHandler,
  functionName: string,
  eventPath: string,
  token: string,
  label: string,
  expected: Verdict,
): Promise<void> {
  const event = await loadEvent(eventPath, { token });
  const result = await invokeHandler(handler, event, createLambdaContext({ functionName }), { captureLogs: true });
  if (args.verbose) {
    console.log(`--- ${functionName} ${eventPath} (${label})`);
    for (const line of result.logs ?? []) console.log(line);
  }
  const kind = eventPath.slice(0, eventPath.indexOf("/"));
  const detected = detectEventKind(event);
  rows.push({
    kind: detected === kind ? kind : `${kind} (looks like ${detected})`,
    case: label,
    route: describeRoute(event),
    expected,
    outcome: result.verdict,
    reason: result.reason ?? "-",
    principalId: result.principalId ?? "-",
    ms: result.durationMs.toFixed(1),
    detail: result.detail,
  });
}

/** The design's order of event kinds: REST TOKEN, REST REQUEST, WebSocket, HTTP API 1.0, 2.0. */
const KIND_ORDER = ["rest-token", "rest-request", "websocket-connect", "http-v1", "http-v2"];

function byKindOrder(a: string, b: string): number {
  const rank = (path: string) => {
    const index = KIND_ORDER.indexOf(path.slice(0, path.indexOf("/")));
    return index === -1 ? KIND_ORDER.length : index;
  };
  return rank(a) - rank(b) || a.localeCompare(b);
}

/** The same token with its payload changed (more scope) and the original signature kept. */
function tamper(jwt: string): string {
  const [header = "", payload = "", signature = ""] = jwt.split(".");
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
  claims.scope = `${typeof claims.scope === "string" ? claims.scope : ""} orders:admin`.trim();
  return [header, Buffer.from(JSON.stringify(claims)).toString("base64url"), signature].join(".");
}

const COLUMNS = ["kind", "case", "route", "expected", "outcome", "reason", "principalId", "ms", "match"] as const;

/** Prints `rows` as a fixed-width table under `title`. */
function printTable(title: string, rows: readonly Row[]): void {
  const cells = rows.map((row) => ({ ...row, match: row.outcome === row.expected ? "ok" : "MISMATCH" }));
  const width = (column: (typeof COLUMNS)[number]) => Math.max(column.length, ...cells.map((cell) => cell[column].length));
  const widths = COLUMNS.map(width);
  const line = (values: readonly string[]) =>
    values.map((value, i) => (COLUMNS[i] === "ms" ? value.padStart(widths[i] ?? 0) : value.padEnd(widths[i] ?? 0))).join("  ").trimEnd();
  console.log(`\n${title}`);
  console.log(line(COLUMNS));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const cell of cells) {
    console.log(line(COLUMNS.map((column) => cell[column])));
    if (cell.match !== "ok" && cell.detail !== undefined) console.log(`    ${cell.detail}`);
  }
}

async function oidcPart(provider: OpenIdProvider): Promise<Row[]> {
  const token = await provider.clientCredentialsToken({ scope: "orders:read", resource: ORDERS_API });
  const writeOnlyToken = await provider.clientCredentialsToken({ scope: "orders:write", resource: ORDERS_API });
  configure({ ISSUER: provider.issuer, AUDIENCE: ORDERS_API, REQUIRED_SCOPES: "orders:read" });
  console.log(`OIDC: ISSUER=${provider.issuer} AUDIENCE=${ORDERS_API} REQUIRED_SCOPES=orders:read (JWKS by discovery)`);
  const handler = await load("oidc");

  const rows: Row[] = [];
  for (const eventPath of listEvents().sort(byKindOrder)) {
    const caseFile = eventPath.slice(eventPath.indexOf("/") + 1);
    await run(rows, handler, "oidc", eventPath, token, caseFile, EXPECTED_BY_CASE[caseFile.replace(/\.json$/, "")] ?? "Allow");
  }
  for (const eventPath of ["rest-token/valid.json", "http-v2/valid.json"]) {
    await run(rows, handler, "oidc", eventPath, tamper(token), "valid.json + payload tampered", "401");
  }
  for (const eventPath of ["rest-token/valid.json", "http-v2/valid.json"]) {
    await run(rows, handler, "oidc", eventPath, writeOnlyToken, "valid.json + scope orders:write only", "Deny");
  }
  return rows;
}

async function cognitoPart(jwksServer: JwksServer, signingKey: Awaited<ReturnType<typeof createKeyPair>>): Promise<Row[]> {
  const now = nowSeconds();
  const sub = randomUUID();
  const common = { sub, "cognito:groups": ["orders-readers"], origin_jti: randomUUID(), event_id: randomUUID(), auth_time: now, iat: now, exp: now + 3600 };
  const access = (poolId: string) => ({
    ...common,
    iss: cognitoIssuer(poolId),
    version: 2,
    client_id: COGNITO_CLIENT_ID,
    token_use: "access",
    scope: "orders:read",
    jti: randomUUID(),
    username: "alice",
  });
  const id = {
    ...common,
    iss: cognitoIssuer(COGNITO_POOL_ID),
    aud: COGNITO_CLIENT_ID,
    token_use: "id",
    jti: randomUUID(),
    "cognito:username": "alice",
    email: "alice@example.com",
    email_verified: true,
  };
  const tokens: readonly [string, string, Verdict][] = [
    ["access token", await signJwt(access(COGNITO_POOL_ID), { key: signingKey }), "Allow"],
    ["ID token (TOKEN_USE=access)", await signJwt(id, { key: signingKey }), "401"],
    ["access token of another pool", await signJwt(access(COGNITO_OTHER_POOL_ID), { key: signingKey }), "401"],
  ];

  configure({ USER_POOL_ID: COGNITO_POOL_ID, CLIENT_ID: COGNITO_CLIENT_ID, TOKEN_USE: "access", JWKS_URI: jwksServer.url });
  console.log(`Cognito: USER_POOL_ID=${COGNITO_POOL_ID} CLIENT_ID=${COGNITO_CLIENT_ID} TOKEN_USE=access JWKS_URI=${jwksServer.url}`);
  const handler = await load("cognito");

  const rows: Row[] = [];
  for (const eventPath of ["rest-token/valid.json", "http-v2/valid.json"]) {
    for (const [label, token, expected] of tokens) await run(rows, handler, "cognito", eventPath, token, `valid.json + ${label}`, expected);
  }
  return rows;
}

async function main(): Promise<number> {
  const provider = await startOpenIdProvider();
  const signingKey = await createKeyPair("RS256");
  const jwksServer = await startJwksServer({ keys: [signingKey.publicJwk], discovery: false });
  try {
    const oidcRows = await oidcPart(provider);
    const cognitoRows = await cognitoPart(jwksServer, signingKey);
    printTable("dist/oidc: every recorded event, then a tampered token and a token without the required scope", oidcRows);
    printTable("dist/cognito: Cognito-shaped tokens signed by a loopback JWKS", cognitoRows);
    const rows = [...oidcRows, ...cognitoRows];
    const mismatches = rows.filter((row) => row.outcome !== row.expected).length;
    console.log(
      mismatches === 0
        ? `\nAll ${rows.length} outcomes matched their expectations.`
        : `\n${mismatches} of ${rows.length} outcomes did NOT match their expectations.`,
    );
    return mismatches === 0 ? 0 : 1;
  } finally {
    await Promise.all([provider.close(), jwksServer.close()]);
  }
}

setTimeout(() => {
  console.error(`demo: still running after ${WATCHDOG_MS} ms; giving up`);
  process.exit(1);
}, WATCHDOG_MS).unref();

try {
  process.exit(await main());
} catch (error) {
  console.error(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
}
