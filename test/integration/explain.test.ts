/** `npm run explain --demo`: a real token from the loopback OpenID provider, a matched and an unmatched route. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("npm run explain", () => {
  it("shows the rules, a matched route (allow) and an unmatched route (deny) for a real token, without printing it", async () => {
    const { stdout } = await run(process.execPath, ["scripts/explain.ts", "--demo"], { timeout: 30_000 });
    const [matched = "", unmatched = ""] = stdout.split("== ").slice(1);
    expect(matched).toMatch(/^GET \/orders\/123/);
    expect(matched).toMatch(/rule 0 +met +GET \/orders\/\{id\}/);
    expect(matched).toMatch(/decision +allow \(ok\)/);
    expect(unmatched).toMatch(/rule 3 +not met +ANY \/admin\/\{proxy\+\}: scopes allOf \[orders:admin\] not met/);
    expect(unmatched).toMatch(/decision +deny \(insufficient_scope\)/);
    expect(stdout).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
  });
});
