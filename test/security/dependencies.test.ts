/**
 * SECURITY.md lists every third-party package that ships inside a bundle, with its version, the bundles it
 * is in and why it is there. The list is computed from esbuild's metafile of each built bundle (what was
 * really bundled; `@aws-sdk/*` stays external, provided by the Lambda runtime) with versions as installed
 * (`npm ls --omit=dev --all` resolves the same tree), so it cannot drift: `UPDATE_SECURITY=1` rewrites it,
 * keeping the reasons already written.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = new URL("../../", import.meta.url).pathname;
const START = "<!-- bundled-dependencies:start -->";
const END = "<!-- bundled-dependencies:end -->";

/** `name@version` → bundles it ships in, from every dist/<name>/meta.json (nested copies counted apart). */
function bundledPackages(): Map<string, Set<string>> {
  const packages = new Map<string, Set<string>>();
  const dist = join(ROOT, "dist");
  for (const bundle of readdirSync(dist).sort()) {
    const meta = join(dist, bundle, "meta.json");
    if (!existsSync(meta)) continue;
    const inputs = Object.keys((JSON.parse(readFileSync(meta, "utf8")) as { inputs: Record<string, unknown> }).inputs);
    for (const input of inputs) {
      // The innermost node_modules/<package>/ of the path is the package the file belongs to.
      const at = input.lastIndexOf("node_modules/");
      if (at === -1) continue;
      const rest = input.slice(at + "node_modules/".length).split("/");
      const name = rest[0]?.startsWith("@") === true ? `${rest[0]}/${rest[1] ?? ""}` : (rest[0] ?? "");
      const { version } = JSON.parse(readFileSync(join(ROOT, input.slice(0, at), "node_modules", name, "package.json"), "utf8")) as { version: string };
      const key = `${name}@${version}`;
      const set = packages.get(key) ?? new Set<string>();
      set.add(bundle);
      packages.set(key, set);
    }
  }
  return packages;
}

/** The rows SECURITY.md must hold: `| package | version | bundles | reason |`. */
function expectedTable(reasons: Map<string, string>): string {
  const rows = [...bundledPackages().entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, bundles]) => {
    const at = key.lastIndexOf("@");
    const name = key.slice(0, at);
    return `| \`${name}\` | ${key.slice(at + 1)} | ${[...bundles].join(", ")} | ${reasons.get(name) ?? "TODO: say why it ships"} |`;
  });
  return ["| package | version | bundles | why it ships |", "|---|---|---|---|", ...rows].join("\n");
}

function currentSection(text: string): string {
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start === -1 || end === -1) throw new Error(`SECURITY.md needs ${START} and ${END}`);
  return text.slice(start + START.length, end).trim();
}

function reasonsIn(section: string): Map<string, string> {
  const reasons = new Map<string, string>();
  for (const line of section.split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    const name = /^`(.+)`$/.exec(cells[1] ?? "")?.[1];
    if (name !== undefined && cells[4] !== undefined) reasons.set(name, cells[4]);
  }
  return reasons;
}

describe("SECURITY.md dependency list", () => {
  it("lists exactly the packages each built bundle contains, with installed versions and a reason each", () => {
    const path = join(ROOT, "SECURITY.md");
    const text = readFileSync(path, "utf8");
    const section = currentSection(text);
    const expected = expectedTable(reasonsIn(section));
    if (process.env.UPDATE_SECURITY === "1") {
      writeFileSync(path, `${text.slice(0, text.indexOf(START) + START.length)}\n${expected}\n${text.slice(text.indexOf(END))}`);
      return;
    }
    expect(section).toBe(expected);
    expect(section).not.toContain("TODO");
    // Nothing from the AWS SDK ships: the runtime provides it.
    expect(section).not.toMatch(/`@aws-sdk\//);
  });
});
