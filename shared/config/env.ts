/**
 * Typed readers for environment variables, used once at init by each function's `config.ts`.
 *
 * A reader collects every problem instead of stopping at the first; `finish()` then throws one
 * {@link ConfigError} that names each variable and its fix. Values are trimmed; an empty value counts
 * as unset (SAM parameters default to `""`). A missing optional value never widens access: callers
 * give the secure default.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";

/** Environment map as Lambda gives it (`process.env`). */
export type Env = Readonly<Record<string, string | undefined>>;

interface Common {
  /** How to fix it, appended to the problem: e.g. "set the `aud` your issuer puts in access tokens". */
  readonly fix: string;
}

/** Loopback hosts on which plain `http:` is accepted (tests, emulators, the demo). */
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** True for `http:` URLs whose host is a loopback address (127.0.0.0/8, ::1, localhost). */
export function isLoopbackUrl(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname) || /^127(\.\d{1,3}){3}$/.test(url.hostname);
}

/**
 * Collects configuration problems. Every `read*` returns a value even when invalid (so parsing can go on
 * and report every problem at once); `finish()` throws if any problem was recorded.
 */
export class EnvReader {
  readonly #env: Env;
  readonly #problems: string[] = [];

  constructor(env: Env) {
    this.#env = env;
  }

  /** Trimmed value, or `undefined` when unset or blank. */
  raw(name: string): string | undefined {
    const value = this.#env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  }

  /** Record a problem with `name`; used by the readers and by cross-field checks in config files. */
  problem(name: string, what: string, fix: string): void {
    this.#problems.push(`${name} ${what}: ${fix}.`);
  }

  /** A required string. Missing: problem, returns `""`. */
  requiredString(name: string, opts: Common): string {
    const value = this.raw(name);
    if (value === undefined) this.problem(name, "is missing", opts.fix);
    return value ?? "";
  }

  /**
   * A list split on `separator` (`,` by default, or `" "` for whitespace), trimmed, blanks dropped, order
   * and repeats kept (lists may be positional, like one `JWKS_URI` per user pool). `required`: an empty list is a problem. `*` is refused: a wildcard never
   * stands in for a value (DESIGN: opt-outs are explicit).
   */
  list(name: string, opts: Common & { readonly required?: boolean; readonly separator?: "," | " "; readonly defaultValue?: readonly string[] }): string[] {
    const value = this.raw(name);
    if (value === undefined) {
      if (opts.required === true) this.problem(name, "is missing", opts.fix);
      return [...(opts.defaultValue ?? [])];
    }
    const parts = (opts.separator === " " ? value.split(/\s+/) : value.split(",")).map((part) => part.trim()).filter((part) => part !== "");
    if (parts.includes("*")) this.problem(name, "may not contain `*`", opts.fix);
    if (opts.required === true && parts.length === 0) this.problem(name, "is empty", opts.fix);
    return parts;
  }

  /** One of `allowed`; `defaultValue` when unset. */
  oneOf<T extends string>(name: string, allowed: readonly T[], opts: Common & { readonly defaultValue: T }): T {
    const value = this.raw(name);
    if (value === undefined) return opts.defaultValue;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problem(name, `is "${value}", not one of ${allowed.join(", ")}`, opts.fix);
    return opts.defaultValue;
  }

  /** An integer within `[min, max]`; `defaultValue` when unset. */
  integer(name: string, opts: Common & { readonly defaultValue: number; readonly min: number; readonly max: number }): number {
    const value = this.raw(name);
    if (value === undefined) return opts.defaultValue;
    const parsed = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < opts.min || parsed > opts.max) {
      this.problem(name, `is "${value}", not an integer from ${opts.min} to ${opts.max}`, opts.fix);
      return opts.defaultValue;
    }
    return parsed;
  }

  /**
   * An absolute `https:` URL (or `http:` on a loopback host only), without credentials or fragment.
   * Returns `undefined` when unset and not required, or when invalid (a problem is recorded).
   */
  httpsUrl(name: string, opts: Common & { readonly required?: boolean }): URL | undefined {
    const value = this.raw(name);
    if (value === undefined) {
      if (opts.required === true) this.problem(name, "is missing", opts.fix);
      return undefined;
    }
    const url = checkedHttpsUrl(value);
    if (typeof url === "string") {
      this.problem(name, `is not usable (${url})`, opts.fix);
      return undefined;
    }
    return url;
  }

  /**
   * The text (UTF-8) of the file variable `name` names, or `undefined` when unset or unreadable (then a
   * problem naming the resolved path is recorded). A relative path is taken from the function's folder
   * (`LAMBDA_TASK_ROOT`, else the working directory).
   */
  fileText(name: string, opts: Common): string | undefined {
    const file = this.raw(name);
    if (file === undefined) return undefined;
    // As CommonJS objects: an ES import of node:fs builds a facade whose lazy getters load fs streams
    // and fs/promises (about 7 ms of every cold start), for a file read that happens only when configured.
    const paths = process.getBuiltinModule("node:path");
    const path = paths.isAbsolute(file) ? file : paths.join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), file);
    try {
      return process.getBuiltinModule("node:fs").readFileSync(path, "utf8");
    } catch {
      this.problem(name, `names a file that cannot be read (${path})`, opts.fix);
      return undefined;
    }
  }

  /** Throw one {@link ConfigError} listing every recorded problem; return nothing when there is none. */
  finish(): void {
    if (this.#problems.length > 0) throw new ConfigError(this.#problems);
  }
}

/**
 * Parse `value` as a URL we may fetch keys or metadata from: `https:`, or `http:` on a loopback host.
 * Returns the URL, or a short reason string when it is not acceptable.
 */
export function checkedHttpsUrl(value: string): URL | string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "not an absolute URL";
  }
  if (url.username !== "" || url.password !== "") return "credentials in URLs are not allowed";
  if (url.hash !== "") return "fragments are not allowed";
  if (url.protocol === "https:") return url;
  if (url.protocol === "http:" && isLoopbackUrl(url)) return url;
  return "must be https (http only on a loopback host)";
}
