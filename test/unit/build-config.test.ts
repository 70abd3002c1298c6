/**
 * `npm run build` and `sam build` must bundle with the same esbuild settings: scripts/build.mjs derives
 * its options from template.yaml's Metadata.BuildProperties, and every functions/<name>/index.ts has
 * exactly one template function (and the other way round).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { build as esbuild } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

interface BuildProperties {
  EntryPoints?: string[];
  Format?: string;
  Minify?: boolean;
  Target?: string;
  Sourcemap?: boolean | string;
  SourcesContent?: boolean | string;
  External?: string[];
  Banner?: string[];
  OutExtension?: string[];
  [key: string]: unknown;
}

interface TemplateResource {
  Type: string;
  Properties?: { CodeUri?: string; Handler?: string; InlineCode?: string };
  Metadata?: { BuildMethod?: string; BuildProperties?: BuildProperties };
}

interface Template {
  Resources: Record<string, TemplateResource>;
}

type EsbuildOptions = Record<string, unknown> & { entryPoints: string[]; outdir: string };

/** The parts of scripts/build.mjs under test (a plain .mjs file, so typed here). */
interface BuildModule {
  ROOT: string;
  loadTemplate: (path?: string) => Template;
  esbuildOptionsFor: (name: string, options?: { template?: Template; outdir?: string }) => EsbuildOptions;
  samToEsbuildOptions: (buildProperties: BuildProperties) => Record<string, unknown>;
  functionFolders: (root?: string) => string[];
}

const ROOT = resolve(import.meta.dirname, "../..");
// A computed specifier: the module is untyped JavaScript, BuildModule above gives it its type.
const buildScript = new URL("../../scripts/build.mjs", import.meta.url).href;
const { esbuildOptionsFor, samToEsbuildOptions, functionFolders, loadTemplate } = (await import(
  buildScript
)) as BuildModule;

/**
 * The template as the test reads it, independently of scripts/build.mjs: CloudFormation tags
 * (!Ref, !GetAtt, ...) are left unresolved, which the Metadata sections never use.
 */
function readTemplate(): Template {
  return parse(readFileSync(join(ROOT, "template.yaml"), "utf8"), { logLevel: "silent" }) as Template;
}

/** Every esbuild-built function in the template, keyed by its functions/<name> folder. */
function templateFunctions(template: Template): Map<string, { logicalId: string; resource: TemplateResource }> {
  const found = new Map<string, { logicalId: string; resource: TemplateResource }>();
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== "AWS::Serverless::Function" || resource.Metadata?.BuildMethod !== "esbuild") continue;
    const entryPoints = resource.Metadata.BuildProperties?.EntryPoints ?? [];
    const match = /^functions\/([^/]+)\/index\.ts$/.exec(entryPoints[0] ?? "");
    found.set(match?.[1] ?? `(${logicalId}: EntryPoints ${JSON.stringify(entryPoints)})`, { logicalId, resource });
  }
  return found;
}

/** `["a=b"]` as SAM writes it (one `--flag:a=b` each) to `{a: "b"}` as esbuild's JS API takes it. */
function keyValues(items: string[] | undefined): Record<string, string> {
  return Object.fromEntries(
    (items ?? []).map((item) => [item.slice(0, item.indexOf("=")), item.slice(item.indexOf("=") + 1)]),
  );
}

function propertiesOf(resource: TemplateResource): BuildProperties {
  const properties = resource.Metadata?.BuildProperties;
  if (!properties) throw new Error("no Metadata.BuildProperties");
  return properties;
}

const template = readTemplate();
const functions = templateFunctions(template);

describe("scripts/build.mjs esbuild options", () => {
  it("finds esbuild functions in template.yaml", () => {
    // Assess
    expect([...functions.keys()]).toEqual(expect.arrayContaining(["oidc", "cognito"]));
  });

  describe.each([...functions.keys()])("functions/%s", (name) => {
    const { resource } = functions.get(name)!;
    const properties = propertiesOf(resource);

    it("takes format, minify, target, sourcemap and external verbatim from BuildProperties", () => {
      // Act
      const options = esbuildOptionsFor(name);

      // Assess
      expect(options.format).toBe(properties.Format);
      expect(options.minify).toBe(properties.Minify);
      expect(options.target).toBe(properties.Target);
      expect(options.sourcemap).toBe(properties.Sourcemap);
      expect(options.external).toEqual(properties.External);
    });

    it("turns the KEY=VALUE lists (Banner, OutExtension) into esbuild's maps", () => {
      // Act
      const options = esbuildOptionsFor(name);

      // Assess
      expect(options.banner).toEqual(keyValues(properties.Banner));
      expect(options.outExtension).toEqual(keyValues(properties.OutExtension));
      expect(options.outExtension).toEqual({ ".js": ".mjs" });
      expect((options.banner as { js?: string }).js).toContain("createRequire(import.meta.url)");
    });

    it("turns SourcesContent (a string, since SAM drops boolean false) into a boolean", () => {
      // Act
      const options = esbuildOptionsFor(name);

      // Assess
      expect(options.sourcesContent).toBe(String(properties.SourcesContent) === "true");
    });

    it("maps every BuildProperties key, dropping none", () => {
      // Act
      const options = esbuildOptionsFor(name);

      // Assess
      for (const key of Object.keys(properties).filter((key) => key !== "EntryPoints")) {
        const option = key.charAt(0).toLowerCase() + key.slice(1);
        expect(options, `BuildProperties.${key}`).toHaveProperty(option);
        expect(options[option], `BuildProperties.${key}`).not.toBeUndefined();
      }
    });

    it("bundles functions/<name>/index.ts for node into dist/<name>, as sam build does", () => {
      // Act
      const options = esbuildOptionsFor(name);

      // Assess
      expect(options.bundle).toBe(true);
      expect(options.platform).toBe("node");
      expect(options.entryPoints).toEqual([join(ROOT, "functions", name, "index.ts")]);
      expect(options.entryPoints).toEqual(properties.EntryPoints?.map((entry) => join(ROOT, entry)));
      expect(options.outdir).toBe(join(ROOT, "dist", name));
    });

    it("has a Handler that names the file esbuild writes (index.handler -> index.mjs at the artifact root)", () => {
      // Assess
      expect(resource.Properties?.CodeUri?.replace(/\/$/, "") || ".").toBe(".");
      const [entryPoint] = properties.EntryPoints ?? [];
      const handlerModule = resource.Properties?.Handler?.split(".")[0];
      expect(handlerModule).toBe(basename(entryPoint ?? "", ".ts"));
      expect(properties.Format).toBe("esm");
      expect(properties.OutExtension).toContain(".js=.mjs");
    });
  });

  it("follows the template rather than a copy of it", () => {
    // Prepare
    const changed = loadTemplate();
    const resource = Object.values(changed.Resources).find(
      (candidate) => candidate.Metadata?.BuildProperties?.EntryPoints?.[0] === "functions/oidc/index.ts",
    );
    const properties = propertiesOf(resource!);
    properties.Minify = false;
    properties.Target = "es2022";
    properties.Sourcemap = "inline";
    properties.External = ["@aws-sdk/*", "pg-native"];
    properties.Banner = ["js=// banner"];

    // Act
    const options = esbuildOptionsFor("oidc", { template: changed });

    // Assess
    expect(options).toMatchObject({
      minify: false,
      target: "es2022",
      sourcemap: "inline",
      external: ["@aws-sdk/*", "pg-native"],
      banner: { js: "// banner" },
    });
  });

  it("uses SAM's defaults (es2020, cjs, minified) when the template leaves them out", () => {
    // Act
    const options = samToEsbuildOptions({ EntryPoints: ["functions/x/index.ts"] });

    // Assess
    expect(options).toEqual({ target: "es2020", format: "cjs", minify: true });
  });

  it("refuses a BuildProperties key it has no mapping for instead of dropping it", () => {
    // Act
    const act = () => samToEsbuildOptions({ Minify: true, TreeShaking: true });

    // Assess
    expect(act).toThrow(/BuildProperties\.TreeShaking has no esbuild mapping/);
  });

  it("fails loudly for a function folder the template does not build", () => {
    // Act
    const act = () => esbuildOptionsFor("no-such-function");

    // Assess
    expect(act).toThrow(/no esbuild function with EntryPoints \[functions\/no-such-function\/index\.ts\]/);
  });

  describe("the derived options, given to esbuild", () => {
    let dir = "";
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "build-config-"));
      writeFileSync(join(dir, "index.ts"), "export const handler = async (): Promise<string> => 'ok';\n");
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("produce one ES module index.mjs (+ .map) that starts with the createRequire banner", async () => {
      // Prepare
      const options = esbuildOptionsFor("oidc", { outdir: join(dir, "out") });

      // Act
      const result = await esbuild({
        ...options,
        entryPoints: [join(dir, "index.ts")],
        absWorkingDir: dir,
        write: false,
        metafile: false,
      });

      // Assess
      const files = result.outputFiles.map((file) => basename(file.path)).sort();
      expect(files).toEqual(["index.mjs", "index.mjs.map"]);
      const code = result.outputFiles.find((file) => file.path.endsWith("index.mjs"))!.text;
      expect(code.startsWith("import { createRequire }")).toBe(true);
      expect(code).toMatch(/export\s*\{/);
    });
  });
});

describe("functions/ and template.yaml", () => {
  it("have the same functions: every functions/<name>/index.ts is built by the template and vice versa", () => {
    // Prepare
    const onDisk = readdirSync(join(ROOT, "functions"), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(ROOT, "functions", entry.name, "index.ts")))
      .map((entry) => entry.name)
      .sort();

    // Assess
    expect([...functions.keys()].sort()).toEqual(onDisk);
    expect(functionFolders().sort()).toEqual(onDisk);
  });

  it("name each function once", () => {
    // Prepare
    const entryPoints = Object.values(template.Resources).flatMap(
      (resource) => resource.Metadata?.BuildProperties?.EntryPoints ?? [],
    );

    // Assess
    expect(new Set(entryPoints).size).toBe(entryPoints.length);
  });
});
