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

/**
 * Lists every recorded event, sorted: the `.json` files one level down in `events/`
 * (`events/<kind>/<case>.json`); other files (README, certificates) are not events.
 *
 * @returns paths relative to `events/`, e.g. `["http-v1/valid.json", ..., "websocket-connect/valid.json"]`.
 */
export function listEvents(): string[] {
  const files: string[] = [];
  for (const kind of readdirSync(EVENTS_DIR, { withFileTypes: true })) {
    if (!kind.isDirectory()) continue;
    for (const file of readdirSync(join(EVENTS_DIR, kind.name), { withFileTypes: true })) {
      if (file.isFile() && file.name.endsWith(".json")) files.push(`${kind.name}/${file.name}`);
    }
  }
  return files.sort();
}
