/**
 * Recorded API Gateway authorizer events from `events/<kind>/<case>.json`, with the credential
 * placeholder `{{token}}` filled in.
 *
 * @module
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { readEvent, REPO_ROOT } from "../../scripts/lib/invoke-bundle.ts";

/** Absolute path of the `events/` folder. */
export const EVENTS_DIR = join(REPO_ROOT, "events");

/** Options of {@link loadEvent}. */
export interface LoadEventOptions {
  /** Replaces every `{{token}}` (JSON-escaped). When omitted the placeholders stay, literally. */
  token?: string | undefined;
}

/**
 * Loads a recorded event.
 *
 * @param relativePath path under `events/`, e.g. `rest-token/valid.json` (a leading `events/` is
 * accepted too).
 * @param options `token` to put where the file has `{{token}}`.
 * @returns the parsed event; a fresh object on every call, so tests may change it.
 * @throws `Error` naming the file when it is missing or not JSON.
 */
export function loadEvent<T = Record<string, unknown>>(relativePath: string, options: LoadEventOptions = {}): Promise<T> {
  const inside = relativePath.replace(/^\.?\/?events\//, "");
  return readEvent(join(EVENTS_DIR, inside), { token: options.token }) as Promise<T>;
}

/** The event-kind folders of `events/`: every file in them is a token-scheme event with `{{token}}` where the credential goes. */
export const KIND_FOLDERS = ["http-v1", "http-v2", "rest-request", "rest-token", "websocket-connect"] as const;

/**
 * Lists recorded events, sorted: the `.json` files of the five event-kind folders
 * (`events/<kind>/<case>.json`), or of one other folder of `events/` (`api-key`, `hmac`: one file per
 * kind for that scheme). Other files (README, certificates) are not events.
 *
 * @param folder a folder under `events/`; default: the five kind folders ({@link KIND_FOLDERS}).
 * @returns paths relative to `events/`, e.g. `["http-v1/valid.json", ..., "websocket-connect/valid.json"]`.
 * @throws `Error` when `folder` does not exist.
 */
export function listEvents(folder?: string): string[] {
  const files: string[] = [];
  for (const dir of folder === undefined ? KIND_FOLDERS : [folder]) {
    for (const file of readdirSync(join(EVENTS_DIR, dir), { withFileTypes: true })) {
      if (file.isFile() && file.name.endsWith(".json")) files.push(`${dir}/${file.name}`);
    }
  }
  return files.sort();
}
