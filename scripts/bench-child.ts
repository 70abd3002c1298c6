/**
 * Child process of `npm run bench` (scripts/bench.ts): one fresh Node process per measurement, so module
 * caches, JIT state and JWKS caches start cold. It reports one JSON object over IPC and exits.
 *
 * Modes (first argument):
 * - `cold <kind> <module>`: import `<module>` and make its first verified call. `kind` is `authorizer` (a
 *   built bundle: `handler(event, context)` on a REST TOKEN event), `verify` (an anchor module exporting
 *   `verify(token)`) or `empty` (import only). Reports `{importMs, firstCallMs, ok}`: milliseconds from just
 *   before `import()` to just after it, and to the end of the first call (so the second includes the first).
 * - `memory <module>`: import a built bundle, sign `BENCH_ALG` (ES256 or RS256) tokens in-process with the key in `BENCH_PKCS8`
 *   (PEM) and `BENCH_KID` (all signed before the baseline), call the handler with 100 000 distinct tokens, and
 *   report the resident set size growth in bytes between a warmed-up baseline and the end, both after a full
 *   GC (`--expose-gc`).
 *
 * The token for `cold` is in `BENCH_TOKEN`; environment variables configure the bundle as in Lambda.
 *
 * @module
 */
import { createPrivateKey, sign } from "node:crypto";

/** A Lambda `Context` good enough for the handler: 10 s left, fixed names. */
const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: "bench",
  functionVersion: "$LATEST",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:bench",
  memoryLimitInMB: "256",
  awsRequestId: "00000000-0000-0000-0000-000000000000",
  logGroupName: "/aws/lambda/bench",
  logStreamName: "bench",
  getRemainingTimeInMillis: () => 10_000,
};

/** The REST TOKEN event carrying `token` as a bearer credential. */
function tokenEvent(token: string): Record<string, unknown> {
  return { type: "TOKEN", authorizationToken: `Bearer ${token}`, methodArn: "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/orders/1" };
}

type Handler = (event: unknown, ctx: unknown) => Promise<unknown>;

function report(result: Record<string, unknown>): void {
  process.send?.(result);
}

async function cold(kind: string, module: string): Promise<void> {
  const token = process.env.BENCH_TOKEN ?? "";
  const started = performance.now();
  const loaded = (await import(module)) as { handler?: Handler; verify?: (token: string) => Promise<unknown> };
  const imported = performance.now();
  let ok = true;
  if (kind === "authorizer") {
    const answer = (await loaded.handler?.(tokenEvent(token), context)) as { policyDocument?: { Statement?: { Effect?: string }[] } } | undefined;
    ok = answer?.policyDocument?.Statement?.[0]?.Effect === "Allow";
  } else if (kind === "verify") {
    await loaded.verify?.(token);
  }
  const called = performance.now();
  report({ importMs: imported - started, firstCallMs: called - started, ok });
}

async function memory(module: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  const key = createPrivateKey(process.env.BENCH_PKCS8 ?? "");
  const alg = process.env.BENCH_ALG === "RS256" ? "RS256" : "ES256";
  const header = Buffer.from(JSON.stringify({ alg, kid: process.env.BENCH_KID })).toString("base64url");
  const claims = JSON.parse(process.env.BENCH_CLAIMS ?? "{}") as Record<string, unknown>;
  const { handler } = (await import(module)) as { handler: Handler };
  const total = Number(process.env.BENCH_TOKENS ?? 100_000);
  const signToken = (i: number): string => {
    const payload = Buffer.from(JSON.stringify({ ...claims, jti: `bench-${i}` })).toString("base64url");
    return `${header}.${payload}.${sign("sha256", Buffer.from(`${header}.${payload}`), alg === "ES256" ? { key, dsaEncoding: "ieee-p1363" } : key).toString("base64url")}`;
  };
  let allowed = 0;
  const call = async (token: string): Promise<void> => {
    const answer = (await handler(tokenEvent(token), context)) as { policyDocument?: unknown };
    if (answer.policyDocument !== undefined) allowed += 1;
  };
  for (let i = 0; i < 2_000; i += 1) await call(signToken(-i - 1));
  // Tokens are signed before the baseline, so the growth is the authorizer's alone.
  const tokens = Array.from({ length: total }, (_, i) => signToken(i));
  gc();
  const before = process.memoryUsage().rss;
  for (const token of tokens) await call(token);
  gc();
  const after = process.memoryUsage().rss;
  report({ rssBefore: before, rssAfter: after, growth: after - before, allowed: allowed - 2_000, total });
}

const [mode, ...rest] = process.argv.slice(2);
const run = mode === "cold" ? cold(rest[0] ?? "", rest[1] ?? "") : memory(rest[0] ?? "");
run.then(
  () => process.exit(0),
  (error: unknown) => {
    report({ error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    process.exit(1);
  },
);
