/**
 * Manage API keys and HMAC clients in the keys table.
 *
 *     npm run -s keys -- create --principal tenant-a [--scopes "orders:read orders:write"] [--usage-plan-key <value>] [--expires-in-days 90]
 *     npm run -s keys -- create --type hmac --principal partner-b [--scopes orders:read]
 *     npm run -s keys -- list [--principal tenant-a]
 *     npm run -s keys -- revoke <keyId>
 *     npm run -s keys -- rotate <keyId> [--grace-seconds 3600]
 *
 * `create` and `rotate` print the new credential once, on stdout (an API key `ak_<keyId>_<secret>`, or
 * `HMAC_KEY_ID=...` and `HMAC_SECRET=...` lines); everything else goes to stderr. For an API key only the
 * SHA-256 of the secret is stored; an HMAC secret is stored as is (HMAC needs it; see functions/hmac/verify.ts).
 *
 * The table is `--table` or `$API_KEYS_TABLE`; `$DYNAMODB_ENDPOINT` points at an emulator
 * (`npm run dynamodb:local`); AWS credentials and region come from the usual AWS SDK sources.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { GetCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { generateApiKey, PREFIX_PATTERN } from "../functions/api-key/key.ts";
import { EnvReader } from "../shared/config/env.ts";
import { createDocumentClient, readStoreConfig } from "../shared/store/dynamodb.ts";
import { KEY_ID_PATTERN, newKeyId, newSecret, parseKeyItem, type KeyItem, type KeyType } from "../shared/store/keys.ts";

const USAGE = `usage: npm run -s keys -- <command> [options]

commands:
  create                 make a key; prints it once (stdout)
  list                   list keys (never secrets or hashes)
  revoke <keyId>         set status to revoked
  rotate <keyId>         make a new key with the same principal, scopes and usage-plan key; revoke the old
                         one now, or let it expire after --grace-seconds

options:
  --table <name>         keys table (default: $API_KEYS_TABLE)
  --type <type>          api-key (default) or hmac
  --principal <id>       tenant / client the key belongs to (create; list filter)
  --scopes <list>        granted scopes, space- or comma-separated (create)
  --usage-plan-key <v>   API Gateway usage-plan API key value, returned as usageIdentifierKey (create, api-key)
  --expires-in-days <n>  expiry (create)
  --description <text>   free text (create)
  --prefix <p>           API key prefix (default: $API_KEY_PREFIX or ak)
  --grace-seconds <n>    rotate: seconds the old key keeps working (default 0: revoked at once)
  -h, --help             show this help

Environment: DYNAMODB_ENDPOINT for an emulator (npm run dynamodb:local); AWS credentials and region as for the AWS CLI.`;

/** A usage error: printed with the usage, exit code 2. */
class UsageError extends Error {}

const OPTIONS = {
  table: { type: "string" },
  type: { type: "string", default: "api-key" },
  principal: { type: "string" },
  scopes: { type: "string" },
  "usage-plan-key": { type: "string" },
  "expires-in-days": { type: "string" },
  description: { type: "string" },
  prefix: { type: "string" },
  "grace-seconds": { type: "string", default: "0" },
  help: { type: "boolean", short: "h", default: false },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];

const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const info = (message: string): void => void process.stderr.write(`${message}\n`);

function integerOption(values: Values, name: "expires-in-days" | "grace-seconds", min: number): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) throw new UsageError(`--${name} must be an integer of ${min} or more`);
  return value;
}

function keyIdArgument(positionals: string[]): string {
  const keyId = positionals[1];
  if (keyId === undefined || !KEY_ID_PATTERN.test(keyId)) throw new UsageError("give the key id (8-64 letters and digits), e.g. 3f9c2a7d1b6e4c8f0a5d2e71");
  return keyId;
}

/** Write a new item for `base` and print the credential; returns the item written. */
async function createKey(doc: DynamoDBDocumentClient, table: string, base: Omit<KeyItem, "keyId" | "status" | "secretHash" | "secret">, prefix: string, description?: string): Promise<string> {
  const common = { ...base, status: "active", createdAt: nowSeconds(), ...(description === undefined ? {} : { description }) };
  let keyId: string;
  let printed: string;
  let item: Record<string, unknown>;
  if (base.type === "api-key") {
    const key = generateApiKey(prefix);
    keyId = key.keyId;
    item = { ...common, keyId, secretHash: key.secretHash };
    printed = key.apiKey;
  } else {
    keyId = newKeyId();
    const secret = newSecret();
    item = { ...common, keyId, secret };
    printed = `HMAC_KEY_ID=${keyId}\nHMAC_SECRET=${secret}`;
  }
  await doc.send(new PutCommand({ TableName: table, Item: item, ConditionExpression: "attribute_not_exists(keyId)" }));
  info(`created ${base.type} ${keyId} for ${base.principalId} (scopes: ${base.scopes.join(" ") || "none"}${base.usagePlanKey === undefined ? "" : "; usage-plan key set"}${base.expiresAt === undefined ? "" : `; expires ${new Date(base.expiresAt * 1000).toISOString()}`}). Shown once, keep it now:`);
  console.log(printed);
  return keyId;
}

async function readItem(doc: DynamoDBDocumentClient, table: string, keyId: string): Promise<KeyItem> {
  const result = await doc.send(new GetCommand({ TableName: table, Key: { keyId }, ConsistentRead: true }));
  const item = result.Item === undefined ? undefined : parseKeyItem(result.Item);
  if (item === undefined) throw new Error(`no readable key ${keyId} in ${table}`);
  return item;
}

async function revoke(doc: DynamoDBDocumentClient, table: string, keyId: string): Promise<void> {
  await doc.send(new UpdateCommand({
    TableName: table, Key: { keyId }, UpdateExpression: "SET #status = :revoked, revokedAt = :now",
    ConditionExpression: "attribute_exists(keyId)",
    ExpressionAttributeNames: { "#status": "status" }, ExpressionAttributeValues: { ":revoked": "revoked", ":now": nowSeconds() },
  }));
}

async function list(doc: DynamoDBDocumentClient, table: string, principal: string | undefined): Promise<void> {
  const rows: string[][] = [["keyId", "type", "principalId", "status", "expiresAt", "usagePlanKey", "scopes"]];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new ScanCommand({
      TableName: table,
      // Never the secret or its hash.
      ProjectionExpression: "keyId, #type, principalId, #status, expiresAt, usagePlanKey, scopes",
      ExpressionAttributeNames: { "#type": "type", "#status": "status" },
      ...(start === undefined ? {} : { ExclusiveStartKey: start }),
    }));
    for (const item of page.Items ?? []) {
      if (principal !== undefined && item.principalId !== principal) continue;
      const expired = typeof item.expiresAt === "number" && item.expiresAt <= nowSeconds();
      rows.push([
        String(item.keyId), String(item.type), String(item.principalId), expired && item.status === "active" ? "expired" : String(item.status),
        typeof item.expiresAt === "number" ? new Date(item.expiresAt * 1000).toISOString() : "-",
        item.usagePlanKey === undefined ? "-" : "set", Array.isArray(item.scopes) ? item.scopes.join(" ") : "-",
      ]);
    }
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ").trimEnd());
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: OPTIONS });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const command = positionals[0];
  const table = values.table ?? process.env.API_KEYS_TABLE ?? "";
  if (table === "") throw new UsageError("give the keys table: --table <name> or API_KEYS_TABLE");
  const type = values.type as KeyType;
  if (type !== "api-key" && type !== "hmac") throw new UsageError("--type must be api-key or hmac");
  const prefix = values.prefix ?? process.env.API_KEY_PREFIX ?? "ak";
  if (!PREFIX_PATTERN.test(prefix)) throw new UsageError(`--prefix must match ${String(PREFIX_PATTERN)}`);

  const reader = new EnvReader(process.env);
  const store = readStoreConfig(reader);
  reader.finish();
  const doc = createDocumentClient({ ...store, timeoutMs: 5000 });

  switch (command) {
    case "create": {
      if (values.principal === undefined || values.principal === "") throw new UsageError("create needs --principal <tenant or client id>");
      if (type === "hmac" && values["usage-plan-key"] !== undefined) throw new UsageError("--usage-plan-key is for api-key keys");
      const days = integerOption(values, "expires-in-days", 1);
      await createKey(doc, table, {
        type,
        principalId: values.principal,
        scopes: (values.scopes ?? "").split(/[\s,]+/).filter((scope) => scope !== ""),
        ...(values["usage-plan-key"] === undefined ? {} : { usagePlanKey: values["usage-plan-key"] }),
        ...(days === undefined ? {} : { expiresAt: nowSeconds() + days * 86_400 }),
      }, prefix, values.description);
      return 0;
    }
    case "list":
      await list(doc, table, values.principal);
      return 0;
    case "revoke": {
      const keyId = keyIdArgument(positionals);
      await revoke(doc, table, keyId);
      info(`revoked ${keyId}; authorizers refuse it within KEY_CACHE_TTL_SECONDS (plus API Gateway's authorizer cache TTL)`);
      return 0;
    }
    case "rotate": {
      const keyId = keyIdArgument(positionals);
      const grace = integerOption(values, "grace-seconds", 0) ?? 0;
      const old = await readItem(doc, table, keyId);
      if (old.status !== "active") throw new Error(`${keyId} is ${old.status}: create a new key instead`);
      await createKey(doc, table, {
        type: old.type,
        principalId: old.principalId,
        scopes: old.scopes,
        ...(old.usagePlanKey === undefined ? {} : { usagePlanKey: old.usagePlanKey }),
        ...(old.expiresAt === undefined ? {} : { expiresAt: old.expiresAt }),
      }, prefix);
      if (grace === 0) {
        await revoke(doc, table, keyId);
        info(`revoked the old key ${keyId}`);
      } else {
        const until = Math.min(nowSeconds() + grace, old.expiresAt ?? Number.POSITIVE_INFINITY);
        await doc.send(new UpdateCommand({ TableName: table, Key: { keyId }, UpdateExpression: "SET expiresAt = :until", ExpressionAttributeValues: { ":until": until } }));
        info(`the old key ${keyId} expires at ${new Date(until * 1000).toISOString()}`);
      }
      return 0;
    }
    default:
      throw new UsageError(command === undefined ? "give a command" : `unknown command "${command}"`);
  }
}

try {
  process.exit(await main());
} catch (error) {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") === true) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  console.error(`error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  process.exit(1);
}
