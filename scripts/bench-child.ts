/**
 * Child process of `npm run bench` (scripts/bench.ts): one fresh Node process per measurement, so module
 * caches, JIT state and JWKS caches start cold. It reports one JSON object over IPC and exits.
 *
 * Modes (first argument):
 * - `cold <kind> <module>`: import `<module>` and make its first verified call. `kind` is `authorizer` (a
 *   built bundle: `handler(event, context)` on a REST TOKEN event), `verify` (an anchor module exporting
 *   `verify(token)`) or `empty` (import only). Reports `{importMs, firstCallMs, ok}`: milliseconds from just
 *   before `import()` to just after it, and to the end of the first call (so the second includes the first).
 * - `cold https -`: the floor of a first call that fetches a JWKS: `process.getBuiltinModule("node:https")`
 *   (as our bundles load it) and one GET of `JWKS_URI` until the body is read and parsed, nothing else.
 *   `importMs` is the load of node:https, `firstCallMs` the whole (so the same clock as the other kinds).
 * - `memory <module>`: import a built bundle, make {@link MEMORY_WARMUP} calls (JWKS fetch, key import, JIT),
 *   sign `BENCH_TOKENS` distinct `BENCH_ALG` (ES256 or RS256) tokens in-process with the key in
 *   `BENCH_PKCS8` (PEM) and `BENCH_KID` (all signed, as flat strings, before the baseline), call the handler
 *   with each once, and report the resident set size at a baseline, after the first half and at the end.
 *   Each of the three points is taken after a memory-reducing full GC ({@link settle}), so what is compared
 *   is what the process still holds, not how far V8 has grown its young generation or how many freed pages
 *   it still keeps mapped (a plain `gc()` leaves both, and they made the figure swing by 100 MB run to run).
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

/** The `cold https` floor: load node:https, GET `JWKS_URI`, read and parse the body. */
async function coldHttps(): Promise<void> {
  const started = performance.now();
  const https = process.getBuiltinModule("node:https");
  const loaded = performance.now();
  const body = await new Promise<unknown>((resolve, reject) => {
    https.get(process.env.JWKS_URI ?? "", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
      res.on("error", reject);
    }).on("error", reject);
  });
  const called = performance.now();
  report({ importMs: loaded - started, firstCallMs: called - started, ok: Array.isArray((body as { keys?: unknown } | null)?.keys) });
}

async function cold(kind: string, module: string): Promise<void> {
  if (kind === "https") return coldHttps();
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

/** Distinct tokens called before the memory baseline: at most this many verified-token cache entries are not counted. */
const MEMORY_WARMUP = 500;

/**
 * What the process holds now: a last-resort full GC (V8's `CollectAllAvailableGarbage`, what it runs under
 * memory pressure: repeated full GCs that compact the old generation, shrink the young one and release
 * freed pages), twice, then a pause so the background unmapper returns the pages. Reachable memory (a
 * cache, a leak) survives it; only garbage and V8's elastic headroom go.
 */
async function settle(): Promise<{ rss: number; heapUsed: number; external: number }> {
  const gc = globalThis.gc;
  if (gc === undefined) throw new Error("memory mode needs --expose-gc");
  for (let i = 0; i < 2; i += 1) {
    gc({ type: "major", execution: "sync", flavor: "last-resort" });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const { rss, heapUsed, external } = process.memoryUsage();
  return { rss, heapUsed, external };
}

async function memory(module: string): Promise<void> {
  const key = createPrivateKey(process.env.BENCH_PKCS8 ?? "");
  const alg = process.env.BENCH_ALG === "RS256" ? "RS256" : "ES256";
  const header = Buffer.from(JSON.stringify({ alg, kid: process.env.BENCH_KID })).toString("base64url");
  const claims = JSON.parse(process.env.BENCH_CLAIMS ?? "{}") as Record<string, unknown>;
  const { handler } = (await import(module)) as { handler: Handler };
  const total = Number(process.env.BENCH_TOKENS ?? 100_000);
  const signToken = (i: number): string => {
    const payload = Buffer.from(JSON.stringify({ ...claims, jti: `bench-${i}` })).toString("base64url");
    const signature = sign("sha256", Buffer.from(`${header}.${payload}`), alg === "ES256" ? { key, dsaEncoding: "ieee-p1363" } : key).toString("base64url");
    // One flat string (a template literal gives a rope the handler would flatten during the run, changing the
    // size of the token list itself between the two measurements).
    return Buffer.from(`${header}.${payload}.${signature}`, "latin1").toString("latin1");
  };
  let allowed = 0;
  const call = async (token: string): Promise<void> => {
    const answer = (await handler(tokenEvent(token), context)) as { policyDocument?: unknown };
    if (answer.policyDocument !== undefined) allowed += 1;
  };
  for (let i = 0; i < MEMORY_WARMUP; i += 1) await call(signToken(-i - 1));
  const warmAllowed = allowed;
  // Tokens are signed before the baseline and held to the end (see below), so the growth is the authorizer's alone.
  const tokens = Array.from({ length: total }, (_, i) => signToken(i));
  const half = Math.floor(total / 2);
  const before = await settle();
  for (let i = 0; i < half; i += 1) await call(tokens[i] ?? "");
  const middle = await settle();
  for (let i = half; i < total; i += 1) await call(tokens[i] ?? "");
  const after = await settle();
  // `tokens` is read here, so it stays reachable through the last GC: V8 keeps only live variables of a
  // suspended async function, and a token list freed at the end took 30-60 MB off the growth.
  report({
    tokensHeld: tokens.length,
    rssBefore: before.rss, rssMiddle: middle.rss, rssAfter: after.rss,
    growth: after.rss - before.rss, firstHalfGrowth: middle.rss - before.rss, secondHalfGrowth: after.rss - middle.rss,
    heapGrowth: after.heapUsed - before.heapUsed, externalGrowth: after.external - before.external,
    allowed: allowed - warmAllowed, total, warmup: MEMORY_WARMUP,
  });
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
