/**
 * Sign a request for the HMAC authorizer and print the headers to send, one `name: value` per line.
 *
 *     HMAC_KEY_ID=<id> HMAC_SECRET=<secret> npm run -s sign -- <METHOD> <url> [name:value ...] [--body <text>]
 *     npm run -s sign -- --event events/hmac/rest-request.json > signed.json   # a recorded event, re-signed now
 *
 * The key id and secret come from `--key-id` / `$HMAC_KEY_ID` and `$HMAC_SECRET` (not an option: command
 * lines are visible to other local users). `host` is signed but not printed: curl and every HTTP client
 * send it from the URL. The scheme: functions/hmac/scheme.ts and the README.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { signRequest } from "../functions/hmac/sign.ts";
import { signEvent } from "../test/helpers/hmac.ts";
import { readEvent } from "./lib/invoke-bundle.ts";

const USAGE = `usage: npm run -s sign -- <METHOD> <url> [name:value ...] [options]
       npm run -s sign -- --event <event.json> [options]

Prints the headers to send (authorization, x-auth-date, x-auth-nonce, x-content-sha256 and the extra
name:value headers, all signed), one "name: value" per line; with --event, the recorded event re-signed now.

options:
  --key-id <id>        key id (default: $HMAC_KEY_ID); the secret is always $HMAC_SECRET
  --body <text>        request body, hashed into x-content-sha256 (default: none)
  --body-file <path>   request body from a file
  --base-path <path>   a custom domain's base path mapping to leave out of the signed path (e.g. /v1)
  --event <file>       sign the request a recorded event describes; print the event
  -h, --help           show this help`;

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        "key-id": { type: "string" },
        body: { type: "string" },
        "body-file": { type: "string" },
        "base-path": { type: "string" },
        event: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const keyId = values["key-id"] ?? process.env.HMAC_KEY_ID;
  const secret = process.env.HMAC_SECRET;
  if (keyId === undefined || keyId === "" || secret === undefined || secret === "") {
    console.error("set HMAC_KEY_ID (or --key-id) and HMAC_SECRET, as `npm run keys -- create --type hmac` printed them");
    return 2;
  }
  const cwd = process.env.INIT_CWD ?? process.cwd();
  const body = values["body-file"] === undefined ? values.body : await readFile(resolve(cwd, values["body-file"]));
  const common = {
    keyId,
    secret,
    ...(body === undefined ? {} : { body }),
    ...(values["base-path"] === undefined ? {} : { basePath: values["base-path"] }),
  };

  if (values.event !== undefined) {
    const event = (await readEvent(resolve(cwd, values.event))) as Record<string, unknown>;
    console.log(JSON.stringify(signEvent(event, common), null, 2));
    return 0;
  }
  const [method, url, ...headerArgs] = positionals;
  if (method === undefined || url === undefined) {
    console.error(USAGE);
    return 2;
  }
  const headers: Record<string, string> = {};
  for (const arg of headerArgs) {
    const at = arg.indexOf(":");
    if (at <= 0) {
      console.error(`"${arg}" is not name:value`);
      return 2;
    }
    headers[arg.slice(0, at).trim()] = arg.slice(at + 1).trim();
  }
  const signed = signRequest({ ...common, method, url, headers });
  for (const [name, value] of Object.entries(signed.headers)) console.log(`${name}: ${value}`);
  return 0;
}

try {
  process.exit(await main());
} catch (error) {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
