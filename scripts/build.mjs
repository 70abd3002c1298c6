#!/usr/bin/env node
/**
 * `npm run build`: bundles each `functions/<name>/index.ts` into `dist/<name>/index.mjs` (+ `.map`) with
 * the same esbuild settings `sam build` uses.
 *
 * One source of truth: the options are not written here but read from `template.yaml`, from the
 * `Metadata.BuildProperties` of the function whose `EntryPoints` names `functions/<name>/index.ts`.
 * `sam build` turns each property into an esbuild CLI flag; {@link samToEsbuildOptions} turns it into
 * the matching esbuild JS API option, and refuses a property it does not know rather than drop it.
 *
 * @see https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-sam-cli-using-build-typescript.html
 * @see https://esbuild.github.io/api/
 * @module
 */
import { existsSync, writeFileSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, posix, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parse } from "yaml";

/** Project root (this file lives in `scripts/`). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const TEMPLATE_PATH = join(ROOT, "template.yaml");

/**
 * CloudFormation short-form intrinsics (`!Ref X`, `!GetAtt A.B`, `!Sub ...`, ...), parsed into their
 * long form (`{Ref: X}`, `{"Fn::GetAtt": [A, B]}`) so the `yaml` package accepts the template.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
 */
const INTRINSICS = [
  "Ref",
  "Condition",
  "Fn::Base64",
  "Fn::Cidr",
  "Fn::Equals",
  "Fn::FindInMap",
  "Fn::ForEach",
  "Fn::GetAtt",
  "Fn::GetAZs",
  "Fn::If",
  "Fn::ImportValue",
  "Fn::Join",
  "Fn::Length",
  "Fn::Not",
  "Fn::And",
  "Fn::Or",
  "Fn::Select",
  "Fn::Split",
  "Fn::Sub",
  "Fn::ToJsonString",
  "Fn::Transform",
];

/** @type {import("yaml").Tags} */
const CLOUDFORMATION_TAGS = INTRINSICS.flatMap((name) => {
  const tag = `!${name.replace(/^Fn::/, "")}`;
  /** @param {unknown} value */
  const wrap = (value) =>
    // `!GetAtt Resource.Attribute` is the short form of `Fn::GetAtt: [Resource, Attribute]`.
    name === "Fn::GetAtt" && typeof value === "string"
      ? { [name]: [value.slice(0, value.indexOf(".")), value.slice(value.indexOf(".") + 1)] }
      : { [name]: value };
  return ["scalar", "seq", "map"].map((collection) => ({
    tag,
    collection: collection === "scalar" ? undefined : collection,
    identify: () => false,
    /** @param {any} value */
    resolve: (value) => wrap(collection === "scalar" ? value : value.toJSON()),
  }));
});

/**
 * Parses a CloudFormation / SAM template.
 * @param {string} [path] default: the project's `template.yaml`
 * @returns {Record<string, any>}
 */
export function loadTemplate(path = TEMPLATE_PATH) {
  return parse(readFileSync(path, "utf8"), { customTags: CLOUDFORMATION_TAGS, prettyErrors: true });
}

/**
 * @typedef {object} EsbuildFunction
 * @property {string} logicalId     the template's resource name, also `.aws-sam/build/<logicalId>/`
 * @property {string} name          the folder under `functions/`
 * @property {string} entryPoint    `functions/<name>/index.ts`, relative to the project root
 * @property {string} handler       the template's `Handler`, e.g. `index.handler`
 * @property {Record<string, unknown>} buildProperties  `Metadata.BuildProperties` as written
 */

/**
 * Every `AWS::Serverless::Function` built with esbuild whose entry point is `functions/<name>/index.ts`.
 * @param {Record<string, any>} [template]
 * @returns {EsbuildFunction[]}
 */
export function esbuildFunctions(template = loadTemplate()) {
  /** @type {EsbuildFunction[]} */
  const found = [];
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource?.Type !== "AWS::Serverless::Function" || resource.Metadata?.BuildMethod !== "esbuild") continue;
    const buildProperties = resource.Metadata.BuildProperties ?? {};
    const entryPoints = buildProperties.EntryPoints;
    if (!Array.isArray(entryPoints) || entryPoints.length !== 1) {
      throw new Error(`${logicalId}: Metadata.BuildProperties.EntryPoints must list exactly one file`);
    }
    const codeUri = posix.normalize(String(resource.Properties?.CodeUri ?? "."));
    const entryPoint = posix.normalize(posix.join(codeUri, entryPoints[0]));
    const match = /^functions\/([^/]+)\/index\.ts$/.exec(entryPoint);
    if (!match?.[1]) {
      throw new Error(`${logicalId}: entry point ${entryPoint} is not functions/<name>/index.ts`);
    }
    found.push({
      logicalId,
      name: match[1],
      entryPoint,
      handler: String(resource.Properties?.Handler ?? ""),
      buildProperties,
    });
  }
  return found;
}

/** @param {unknown} value @param {string} key */
function asList(value, key) {
  if (!Array.isArray(value)) throw new Error(`BuildProperties.${key} must be a list (SAM passes one flag per item)`);
  return value.map(String);
}

/** `["a=b", ...]` (SAM: `--flag:a=b`) to `{a: "b"}` (esbuild JS API). */
function asMap(value, key) {
  return Object.fromEntries(
    asList(value, key).map((item) => {
      const at = item.indexOf("=");
      if (at <= 0) throw new Error(`BuildProperties.${key}: "${item}" is not KEY=VALUE`);
      return [item.slice(0, at), item.slice(at + 1)];
    }),
  );
}

/** `true` or `"true"`/`"false"` (SAM: `--flag` or `--flag=false`) to a boolean. */
function asBoolean(value, key) {
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "false") return value === "true";
  throw new Error(`BuildProperties.${key} must be true, false, "true" or "false"`);
}

/** A comma-separated string (SAM: `--flag=a,b`) to a list. */
function asCommaList(value, key) {
  if (typeof value !== "string") throw new Error(`BuildProperties.${key} must be a comma-separated string`);
  return value.split(",").map((item) => item.trim());
}

/**
 * SAM `BuildProperties` key -> [esbuild JS API option, value conversion]. The conversions follow how
 * aws-lambda-builders turns a property into a CLI flag: booleans become `--flag`, strings `--flag=value`,
 * lists one `--flag:item` per item.
 * @type {Record<string, [string, (value: unknown, key: string) => unknown]>}
 */
export const SAM_TO_ESBUILD = {
  Format: ["format", String],
  Minify: ["minify", asBoolean],
  Target: ["target", String],
  Sourcemap: ["sourcemap", (value) => (typeof value === "boolean" ? value : String(value))],
  SourcesContent: ["sourcesContent", asBoolean],
  External: ["external", asList],
  Banner: ["banner", asMap],
  Footer: ["footer", asMap],
  OutExtension: ["outExtension", asMap],
  Loader: ["loader", asMap],
  Define: ["define", asMap],
  MainFields: ["mainFields", asCommaList],
  KeepNames: ["keepNames", asBoolean],
};

/**
 * What aws-lambda-builders passes when a property is absent (it always adds --bundle --platform=node).
 * @see aws_lambda_builders/workflows/nodejs_npm_esbuild/esbuild.py, build_default_values()
 */
export const SAM_DEFAULTS = { target: "es2020", format: "cjs", minify: true };

/**
 * Converts SAM `BuildProperties` into esbuild JS API options (without entry points and output paths).
 * @param {Record<string, unknown>} buildProperties
 * @returns {Record<string, unknown>}
 */
export function samToEsbuildOptions(buildProperties) {
  /** @type {Record<string, unknown>} */
  const options = { ...SAM_DEFAULTS };
  for (const [key, value] of Object.entries(buildProperties)) {
    if (key === "EntryPoints") continue;
    const mapping = SAM_TO_ESBUILD[key];
    if (!mapping) {
      throw new Error(
        `template.yaml BuildProperties.${key} has no esbuild mapping in scripts/build.mjs: add one to SAM_TO_ESBUILD`,
      );
    }
    const [option, convert] = mapping;
    options[option] = convert(value, key);
  }
  return options;
}

/**
 * The full esbuild options `npm run build` uses for `functions/<name>/index.ts`.
 * @param {string} name  folder under `functions/`, e.g. `oidc`
 * @param {{template?: Record<string, any>, outdir?: string}} [options]
 * @returns {import("esbuild").BuildOptions & Record<string, unknown>}
 */
export function esbuildOptionsFor(name, { template = loadTemplate(), outdir = join(ROOT, "dist", name) } = {}) {
  const fn = esbuildFunctions(template).find((candidate) => candidate.name === name);
  if (!fn) {
    throw new Error(`template.yaml has no esbuild function with EntryPoints [functions/${name}/index.ts]`);
  }
  return {
    ...samToEsbuildOptions(fn.buildProperties),
    // Set by aws-lambda-builders whatever the template says (NON_CONFIGURABLE_VALUES).
    bundle: true,
    platform: "node",
    entryPoints: [join(ROOT, fn.entryPoint)],
    outdir,
    absWorkingDir: ROOT,
    logLevel: "warning",
    metafile: true,
  };
}

/** Folders under `functions/` that hold an `index.ts`. */
export function functionFolders(root = ROOT) {
  const dir = join(root, "functions");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => existsSync(join(dir, name, "index.ts")))
    .sort();
}

/** Builds every function folder; returns what it wrote. */
export async function build() {
  const { build: esbuild } = await import("esbuild");
  const template = loadTemplate();
  const names = functionFolders();
  if (names.length === 0) console.log("No functions/<name>/index.ts found: nothing to build.");
  const written = [];
  for (const name of names) {
    const options = esbuildOptionsFor(name, { template });
    const result = await esbuild(options);
    // What went into the bundle, for SECURITY.md's dependency list (test/security/dependencies.test.ts).
    writeFileSync(join(options.outdir, "meta.json"), JSON.stringify(result.metafile ?? {}));
    for (const file of Object.keys(result.metafile?.outputs ?? {}).sort()) {
      const path = join(ROOT, file);
      const bytes = statSync(path).size;
      written.push({ name, path, bytes });
      console.log(`${relative(ROOT, path).padEnd(32)} ${String(bytes).padStart(9)} bytes`);
    }
  }
  return written;
}

const invokedDirectly = process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url;
if (invokedDirectly) {
  build().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
