/**
 * A DynamoDB-compatible server (`dynalite`, in memory) on 127.0.0.1 with the tables of `template.yaml`,
 * created from the template's own `AWS::DynamoDB::Table` definitions so tests and the local walk-through
 * cannot drift from what is deployed. Shared by the tests (test/helpers/dynamodb.ts) and
 * `npm run dynamodb:local`.
 *
 * dynalite implements the data plane used here (GetItem, PutItem with conditions, UpdateItem, Scan) but not
 * TTL deletion: `TimeToLiveSpecification` is checked by a test instead of being applied.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import { CreateTableCommand, DynamoDBClient, type CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { parse } from "yaml";
import { listenOnLoopback } from "../../test/helpers/loopback.ts";
import { REPO_ROOT } from "./invoke-bundle.ts";

/** A table as `template.yaml` defines it. */
export interface TemplateTable {
  /** The resource's logical id, e.g. `ApiKeysTable`; also the table's name locally. */
  readonly logicalId: string;
  /** `Properties` as written. */
  readonly properties: Readonly<Record<string, unknown>>;
}

/** Every `AWS::DynamoDB::Table` of `template.yaml` (read with the `yaml` package; table properties use no intrinsics). */
export function templateTables(templatePath = `${REPO_ROOT}template.yaml`): TemplateTable[] {
  const template = parse(readFileSync(templatePath, "utf8"), { logLevel: "silent" }) as { Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown> }> };
  return Object.entries(template.Resources ?? {})
    .filter(([, resource]) => resource.Type === "AWS::DynamoDB::Table")
    .map(([logicalId, resource]) => ({ logicalId, properties: resource.Properties ?? {} }));
}

/** The `CreateTable` input for `table` under `name`: key schema, attributes, billing mode and indexes as in the template. */
export function createTableInput(table: TemplateTable, name: string): CreateTableCommandInput {
  const { AttributeDefinitions, KeySchema, BillingMode, GlobalSecondaryIndexes } = table.properties;
  return {
    TableName: name,
    AttributeDefinitions: AttributeDefinitions as CreateTableCommandInput["AttributeDefinitions"],
    KeySchema: KeySchema as CreateTableCommandInput["KeySchema"],
    BillingMode: (BillingMode ?? "PROVISIONED") as CreateTableCommandInput["BillingMode"],
    ...(GlobalSecondaryIndexes === undefined ? {} : { GlobalSecondaryIndexes: GlobalSecondaryIndexes as CreateTableCommandInput["GlobalSecondaryIndexes"] }),
  };
}

/** Default self-close delay of {@link startLocalDynamo}: 8 hours. */
const DEFAULT_LIFETIME_MS = 8 * 3600_000;

/** A low-level client for a local endpoint (dummy credentials, region us-east-1). */
export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
}

/** Options of {@link startLocalDynamo}. */
export interface LocalDynamoOptions {
  /** Port on 127.0.0.1; default 0 (a free one). */
  readonly port?: number;
  /** Milliseconds after which the server closes itself (unref'd timer); default 8 hours. */
  readonly maxLifetimeMs?: number;
}

/** A running local DynamoDB. */
export interface LocalDynamo {
  /** `http://127.0.0.1:<port>`, for `DYNAMODB_ENDPOINT`. */
  readonly endpoint: string;
  /** Logical id → table name (the same here): `{ApiKeysTable: "ApiKeysTable", NoncesTable: "NoncesTable"}`. */
  readonly tables: Readonly<Record<string, string>>;
  /** The raw server (tests close it to simulate an outage). */
  readonly server: Server;
  /** Stop listening and drop open connections; idempotent. */
  close(this: void): Promise<void>;
}

/**
 * Start dynalite on 127.0.0.1 and create every table of `template.yaml`, named by logical id.
 * @throws when the port cannot be bound or a table cannot be created.
 */
export async function startLocalDynamo(options: LocalDynamoOptions = {}): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const { origin: endpoint, close } = await listenOnLoopback(server, {
    maxLifetimeMs: options.maxLifetimeMs ?? DEFAULT_LIFETIME_MS,
    ...(options.port === undefined ? {} : { port: options.port }),
  });

  const client = localClient(endpoint);
  const tables: Record<string, string> = {};
  try {
    for (const table of templateTables()) {
      await client.send(new CreateTableCommand(createTableInput(table, table.logicalId)));
      tables[table.logicalId] = table.logicalId;
    }
  } catch (error) {
    await close();
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, tables, server, close };
}
