/**
 * DynamoDB for tests: a real DynamoDB-compatible server (dynalite) on 127.0.0.1 with the tables of
 * template.yaml, a document client for it, key items made like `npm run keys` makes them, and a server
 * that accepts connections and never answers (a hanging store).
 *
 * @module
 */
import { createServer } from "node:http";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { generateApiKey } from "../../functions/api-key/key.ts";
import { newKeyId, newSecret, type KeyType } from "../../shared/store/keys.ts";
import { localClient, startLocalDynamo, type LocalDynamo } from "../../scripts/lib/dynamodb-local.ts";
import { listenOnLoopback, type LoopbackListener } from "./loopback.ts";

/** A local DynamoDB and a document client on it. */
export interface TestDynamo extends LocalDynamo {
  readonly doc: DynamoDBDocumentClient;
  /** Environment for a bundle: `DYNAMODB_ENDPOINT`, `API_KEYS_TABLE`, `NONCES_TABLE`, dummy AWS credentials and region. */
  readonly env: Record<string, string>;
}

/** Start dynalite with template.yaml's tables; it closes itself after 2 minutes at the latest. */
export async function startTestDynamo(): Promise<TestDynamo> {
  const local = await startLocalDynamo({ maxLifetimeMs: 120_000 });
  const doc = DynamoDBDocumentClient.from(localClient(local.endpoint));
  const env = {
    DYNAMODB_ENDPOINT: local.endpoint,
    API_KEYS_TABLE: local.tables.ApiKeysTable ?? "",
    NONCES_TABLE: local.tables.NoncesTable ?? "",
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
  };
  return { ...local, doc, env };
}

/** Attributes of a key item a test may set. */
export interface KeyItemOverrides {
  readonly principalId?: string;
  readonly scopes?: readonly string[];
  readonly status?: "active" | "revoked";
  readonly expiresAt?: number;
  readonly usagePlanKey?: string;
  readonly type?: KeyType;
}

/** Store a new API key item; returns the full key (`ak_<keyId>_<secret>`) and its id. */
export async function putApiKey(dynamo: TestDynamo, overrides: KeyItemOverrides = {}, prefix = "ak"): Promise<{ apiKey: string; keyId: string }> {
  const key = generateApiKey(prefix);
  await dynamo.doc.send(new PutCommand({
    TableName: dynamo.env.API_KEYS_TABLE,
    Item: { keyId: key.keyId, type: "api-key", principalId: "tenant-a", scopes: ["orders:read"], status: "active", secretHash: key.secretHash, createdAt: 0, ...overrides },
  }));
  return { apiKey: key.apiKey, keyId: key.keyId };
}

/** Store a new HMAC client item; returns its key id and secret. */
export async function putHmacClient(dynamo: TestDynamo, overrides: KeyItemOverrides = {}): Promise<{ keyId: string; secret: string }> {
  const keyId = newKeyId();
  const secret = newSecret();
  await dynamo.doc.send(new PutCommand({
    TableName: dynamo.env.API_KEYS_TABLE,
    Item: { keyId, type: "hmac", principalId: "partner-b", scopes: ["orders:read"], status: "active", secret, createdAt: 0, ...overrides },
  }));
  return { keyId, secret };
}

/** An HTTP server on 127.0.0.1 that accepts requests and never answers; closes itself after 60 s at the latest. */
export function startHangingServer(): Promise<LoopbackListener> {
  return listenOnLoopback(createServer(() => undefined), { maxLifetimeMs: 60_000 });
}
