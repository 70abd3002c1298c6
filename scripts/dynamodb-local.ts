/**
 * `npm run dynamodb:local`: a DynamoDB-compatible server (dynalite, in memory) on 127.0.0.1 with the tables
 * of template.yaml, for trying `npm run keys` and the API key / HMAC bundles without AWS. Runs until
 * interrupted (Ctrl-C) or for 8 hours at most; the data is lost when it stops.
 *
 *     npm run dynamodb:local -- [--port 8000]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { startLocalDynamo } from "./lib/dynamodb-local.ts";

const { values } = parseArgs({ options: { port: { type: "string", default: "8000" } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error("--port must be a port number");
  process.exit(2);
}
const local = await startLocalDynamo({ port });
console.log(`DynamoDB (dynalite) on ${local.endpoint} with tables ${Object.values(local.tables).join(", ")}. Use:`);
console.log(`export DYNAMODB_ENDPOINT=${local.endpoint} API_KEYS_TABLE=${local.tables.ApiKeysTable ?? ""} NONCES_TABLE=${local.tables.NoncesTable ?? ""}`);
const stop = (): void => void local.close().then(() => process.exit(0));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
