#!/usr/bin/env node
/**
 * `npm run sam:check`: proves `template.yaml` is valid and that `sam build` bundles every function.
 *
 *   node scripts/sam.mjs check     install the pinned SAM CLI if needed, validate --lint, build, verify
 *   node scripts/sam.mjs install   only make sure `.aws-sam/venv/bin/sam` is the pinned version
 *
 * The SAM CLI lives in a project-local Python virtual env, `.aws-sam/venv` (git-ignored), installed once
 * with pip. Not `.venv`: `sam build` copies the whole CodeUri (`./`, the project) into a scratch folder
 * per function, skipping only folders named `.aws-sam`, `.git` and `node_modules`, so a 340 MB `.venv`
 * in the project turns a 4 s build into 75 s. No container and no AWS credentials are needed. Exits
 * non-zero on the first failing step.
 *
 * @see https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-cli-command-reference-sam-build.html
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, delimiter, dirname, join, relative } from "node:path";
import { esbuildFunctions, loadTemplate, ROOT } from "./build.mjs";

/** The SAM CLI version this project is checked with (`pip index versions aws-sam-cli`). */
export const SAM_CLI_VERSION = "1.170.0";

const VENV = join(ROOT, ".aws-sam", "venv");
const SAM = join(VENV, "bin", "sam");
const BUILD_DIR = join(ROOT, ".aws-sam", "build");
const TEMPLATE = "template.yaml";

/**
 * Environment for every SAM command: no telemetry, and Node 24 first on PATH (the project's
 * `node_modules/.bin/node` and the Node running this script), so that the `npm` and `esbuild` that
 * `sam build` starts run on the same Node major as the nodejs24.x runtime. `node_modules/.bin` also
 * holds the esbuild that `sam build` uses: the copy of the project it bundles gets production
 * dependencies only.
 */
const env = {
  ...process.env,
  SAM_CLI_TELEMETRY: "0",
  PATH: [join(ROOT, "node_modules", ".bin"), dirname(process.execPath), process.env.PATH]
    .filter(Boolean)
    .join(delimiter),
};

const command = process.argv[2] ?? "check";
let stepNumber = 0;
const STEPS = command === "check" ? 4 : 1;
/** @param {string} title */
function step(title) {
  stepNumber += 1;
  console.log(`\n[${stepNumber}/${STEPS}] ${title}`);
}

/** @param {string} message */
function fail(message) {
  console.error(`\nsam:check failed: ${message}`);
  process.exit(1);
}

/**
 * Runs a command with the SAM environment; output goes to the terminal unless captured.
 * @param {string} command @param {string[]} args @param {{capture?: boolean}} [options]
 */
function run(command, args, { capture = false } = {}) {
  console.log(`$ ${[relative(ROOT, command) || command, ...args].join(" ")}`);
  const result = spawnSync(command, args, {
    cwd: ROOT,
    env,
    encoding: "utf8",
    stdio: capture ? ["ignore", "pipe", "pipe"] : "inherit",
  });
  if (result.error) fail(`${command} could not start: ${result.error.message}`);
  return result;
}

/** The installed SAM CLI version, or undefined. */
function installedSamVersion() {
  if (!existsSync(SAM)) return undefined;
  const result = spawnSync(SAM, ["--version"], { env, encoding: "utf8" });
  return /version (\S+)/.exec(result.stdout ?? "")?.[1];
}

const VENV_NAME = relative(ROOT, VENV);

/** Makes sure `.aws-sam/venv/bin/sam` is {@link SAM_CLI_VERSION}; installs it on the first run. */
function ensureSam() {
  step(`SAM CLI ${SAM_CLI_VERSION} in ${VENV_NAME}`);
  const installed = installedSamVersion();
  if (installed === SAM_CLI_VERSION) {
    console.log(`${VENV_NAME}/bin/sam is version ${installed}`);
    return;
  }
  if (!existsSync(join(VENV, "bin", "python"))) {
    const created = run("python3", ["-m", "venv", VENV]);
    if (created.status !== 0) fail(`python3 -m venv ${VENV_NAME} failed (the SAM CLI needs Python 3.10 or later)`);
  }
  console.log(
    installed
      ? `${VENV_NAME}/bin/sam is version ${installed}: installing ${SAM_CLI_VERSION}`
      : `Installing aws-sam-cli==${SAM_CLI_VERSION} into ${VENV_NAME} (first run only; takes a minute or two)`,
  );
  const started = Date.now();
  const pip = run(join(VENV, "bin", "python"), [
    "-m",
    "pip",
    "install",
    "--quiet",
    "--disable-pip-version-check",
    `aws-sam-cli==${SAM_CLI_VERSION}`,
  ]);
  if (pip.status !== 0) fail(`pip install aws-sam-cli==${SAM_CLI_VERSION} failed`);
  const now = installedSamVersion();
  if (now !== SAM_CLI_VERSION) fail(`${VENV_NAME}/bin/sam reports version ${now ?? "(none)"}, expected ${SAM_CLI_VERSION}`);
  console.log(`Installed SAM CLI ${now} in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** `sam build` bundles with whatever `node` is first on PATH: insist on the runtime's major. */
function checkNode() {
  const result = spawnSync("node", ["--version"], { env, encoding: "utf8" });
  const version = result.stdout?.trim() ?? "";
  if (!version.startsWith("v24.")) {
    fail(`node on the SAM PATH is ${version || "missing"}, expected v24.x for nodejs24.x: run npm ci first`);
  }
  console.log(`node ${version} (${relative(ROOT, process.execPath) || process.execPath})`);
}

function validate() {
  step("sam validate --lint (cfn-lint, with the SAM transform)");
  const result = run(SAM, ["validate", "--lint", "--template-file", TEMPLATE]);
  if (result.status !== 0) fail("sam validate --lint reported problems (see above)");
}

function samBuild() {
  step("sam build (esbuild, no container)");
  checkNode();
  for (const heavy of [".venv", "venv"]) {
    if (existsSync(join(ROOT, heavy))) {
      console.warn(`warning: sam build copies ${heavy}/ into every function's scratch folder; move it out to build faster`);
    }
  }
  const result = run(SAM, ["build", "--template-file", TEMPLATE, "--build-dir", relative(ROOT, BUILD_DIR)]);
  if (result.status !== 0) fail("sam build failed (see above)");
}

/**
 * Each esbuild function must have its handler file in `.aws-sam/build/<LogicalId>/`: `index.handler`
 * with OutExtension .js=.mjs means `index.mjs`.
 */
function verifyArtifacts() {
  step("built functions in .aws-sam/build/<LogicalId>/");
  let missing = 0;
  for (const fn of esbuildFunctions(loadTemplate())) {
    const dir = join(BUILD_DIR, fn.logicalId);
    const handlerModule = fn.handler.slice(0, fn.handler.lastIndexOf("."));
    const candidates = [".mjs", ".js", ".cjs"].map((extension) => join(dir, `${handlerModule}${extension}`));
    const handlerFile = candidates.find((file) => existsSync(file));
    if (!handlerFile) {
      missing += 1;
      console.error(`MISSING ${fn.logicalId}: no ${handlerModule}.mjs for Handler ${fn.handler} in ${relative(ROOT, dir)}/`);
      continue;
    }
    const files = readdirSync(dir)
      .map((file) => `${file} (${statSync(join(dir, file)).size} bytes)`)
      .join(", ");
    console.log(`ok ${fn.logicalId} (functions/${fn.name}) -> ${relative(ROOT, handlerFile)}; ${files}`);
    // Informational: the same options should give the same bytes as `npm run build`.
    const distFile = join(ROOT, "dist", fn.name, basename(handlerFile));
    if (existsSync(distFile)) {
      const same = readFileSync(distFile).equals(readFileSync(handlerFile));
      console.log(
        same
          ? `   same bytes as ${relative(ROOT, distFile)} (npm run build)`
          : `   differs from ${relative(ROOT, distFile)}: stale? run npm run build and compare`,
      );
    }
  }
  if (missing > 0) fail(`${missing} function(s) missing from ${relative(ROOT, BUILD_DIR)}`);
}

if (command === "install") {
  ensureSam();
} else if (command === "check") {
  ensureSam();
  validate();
  samBuild();
  verifyArtifacts();
  console.log("\nsam:check passed");
} else {
  fail(`unknown command "${command}": use check or install`);
}
