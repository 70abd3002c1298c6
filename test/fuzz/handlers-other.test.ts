/**
 * The built API key, HMAC, mTLS and combined bundles on any event, however malformed: each resolves to an answer API Gateway
 * accepts for the event's kind or rejects with exactly `Error("Unauthorized")`, and, since no event here
 * carries a valid credential, none allows anything (see ./bundles.ts).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, it } from "vitest";
import { anyEvent, checkCall, discardLogs, startFuzzBundles, type BundleName, type FuzzBundles } from "./bundles.ts";
import { fuzzParams, fuzzTimeout } from "./support.ts";

const NAMES: BundleName[] = ["api-key", "hmac", "mtls", "combined"];
let bundles: FuzzBundles;
let restore: (() => void) | undefined;

beforeAll(async () => {
  bundles = await startFuzzBundles(NAMES);
  restore = discardLogs();
}, 60_000);

afterAll(async () => {
  restore?.();
  await bundles?.close();
});

describe.each(NAMES)("the %s bundle on any event", (name) => {
  it("answers in the event's format or rejects with exactly Unauthorized, and allows nothing without a valid credential", async () => {
    const handler = bundles.handlers.get(name);
    if (handler === undefined) throw new Error(`${name} did not load`);
    await fc.assert(fc.asyncProperty(anyEvent(bundles.invalidCredentials), (event) => checkCall(handler, event)), fuzzParams(300));
  }, fuzzTimeout(30_000));
});
