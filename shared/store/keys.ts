/**
 * The keys table: one item per API key or HMAC client, read with one `GetItem` by key id.
 *
 * Item (partition key `keyId`, a string):
 *
 * | attribute | type | meaning |
 * |---|---|---|
 * | `keyId` | S | public key id: 8-64 letters and digits (the tools make 24 hex digits) |
 * | `type` | S | `api-key` or `hmac`; a function only accepts items of its own scheme |
 * | `principalId` | S | who the key belongs to (a tenant, a client): the answer's `principalId` |
 * | `scopes` | L of S | granted scopes, checked against `REQUIRED_SCOPES` like a token's `scope` |
 * | `status` | S | `active` or `revoked` |
 * | `expiresAt` | N | optional; epoch seconds after which the key is refused (`expired_key`) |
 * | `usagePlanKey` | S | optional, `api-key` only; returned as `usageIdentifierKey` (REST usage plans) |
 * | `secretHash` | S | `api-key` only: hex SHA-256 of the secret; the secret itself is never stored |
 * | `secret` | S | `hmac` only: the shared HMAC secret, stored as is (see functions/hmac) |
 * | `createdAt` | N | epoch seconds, informational |
 * | `description` | S | optional, informational |
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { GetCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { AuthenticationError, ReasonCode } from "../errors.ts";
import type { TtlCache } from "./cache.ts";
import { storeCall } from "./dynamodb.ts";

/** Which scheme an item belongs to. */
export type KeyType = "api-key" | "hmac";

/** A keys-table item, checked. */
export interface KeyItem {
  readonly keyId: string;
  readonly type: KeyType;
  readonly principalId: string;
  readonly scopes: readonly string[];
  readonly status: "active" | "revoked";
  /** Epoch seconds; absent: no expiry. */
  readonly expiresAt?: number;
  /** API Gateway usage plan API key value (api-key items). */
  readonly usagePlanKey?: string;
  /** Hex SHA-256 of the API key secret (api-key items). */
  readonly secretHash?: string;
  /** HMAC secret (hmac items). */
  readonly secret?: string;
}

/** Key ids: letters and digits only (no `_`, the API key separator), 8-64 characters. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9]{8,64}$/;

/** Attributes each scheme reads (the `ProjectionExpression`; template.yaml's IAM condition lists the same for api-key). */
export const ATTRIBUTES_READ: Readonly<Record<KeyType, readonly string[]>> = {
  "api-key": ["keyId", "type", "principalId", "scopes", "status", "expiresAt", "usagePlanKey", "secretHash"],
  hmac: ["keyId", "type", "principalId", "scopes", "status", "expiresAt", "secret"],
};

/** A new key id: 12 random bytes as 24 lower-case hex digits. */
export function newKeyId(): string {
  return randomBytes(12).toString("hex");
}

/** A new secret: 32 random bytes (256 bits) as 43 base64url characters. */
export function newSecret(): string {
  return randomBytes(32).toString("base64url");
}

const isString = (value: unknown): value is string => typeof value === "string" && value !== "";

/**
 * Check a raw item. Returns the {@link KeyItem}, or `undefined` when a required attribute is missing or
 * of the wrong type (the caller treats that as a data error).
 */
export function parseKeyItem(raw: Readonly<Record<string, unknown>>): KeyItem | undefined {
  const { keyId, type, principalId, scopes, status, expiresAt, usagePlanKey, secretHash, secret } = raw;
  if (!isString(keyId) || (type !== "api-key" && type !== "hmac") || !isString(principalId)) return undefined;
  if (status !== "active" && status !== "revoked") return undefined;
  const scopeList = scopes === undefined ? [] : scopes instanceof Set ? [...(scopes as Set<unknown>)] : scopes;
  if (!Array.isArray(scopeList) || !scopeList.every(isString)) return undefined;
  if (expiresAt !== undefined && (typeof expiresAt !== "number" || !Number.isFinite(expiresAt))) return undefined;
  if (usagePlanKey !== undefined && !isString(usagePlanKey)) return undefined;
  if (type === "api-key" && (!isString(secretHash) || !/^[0-9a-f]{64}$/.test(secretHash))) return undefined;
  if (type === "hmac" && !isString(secret)) return undefined;
  return {
    keyId, type, principalId, scopes: scopeList, status,
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(usagePlanKey === undefined ? {} : { usagePlanKey }),
    ...(type === "api-key" ? { secretHash: secretHash as string } : { secret: secret as string }),
  };
}

/** Options of {@link createKeyStore}. */
export interface KeyStoreOptions {
  readonly client: DynamoDBDocumentClient;
  /** Keys table name (`API_KEYS_TABLE`). */
  readonly table: string;
  /** The scheme reading: items of the other type are `unknown_key`. */
  readonly type: KeyType;
  /** Lookup cache, positive and negative (`null`: no such item). */
  readonly cache: TtlCache<string, KeyItem | null>;
  /** Abort delay of one GetItem, ms (see shared/store/dynamodb.ts callBudgetMs). */
  readonly budgetMs: number;
}

/** Reads keys through the cache. */
export interface KeyStore {
  /**
   * The usable item for `keyId`.
   * @param nowSeconds the current time, epoch seconds (for `expiresAt`).
   * @throws {AuthenticationError} `unknown_key` (no item, or one of the other scheme), `revoked_key`,
   *   `expired_key`, `store_unavailable` (DynamoDB failed or timed out), `internal` (a malformed item).
   */
  get(keyId: string, nowSeconds: number): Promise<KeyItem>;
}

/** A {@link KeyStore} on `options.table`: one eventually consistent `GetItem` per cache miss, projected to the scheme's attributes. */
export function createKeyStore(options: KeyStoreOptions): KeyStore {
  const attributes = ATTRIBUTES_READ[options.type];
  const names = Object.fromEntries(attributes.map((name, index) => [`#a${index}`, name]));
  const projection = Object.keys(names).join(", ");

  async function load(keyId: string): Promise<KeyItem | null> {
    const result = await storeCall(
      "GetItem on the keys table",
      (abortSignal) => options.client.send(
        new GetCommand({ TableName: options.table, Key: { keyId }, ProjectionExpression: projection, ExpressionAttributeNames: names }),
        { abortSignal },
      ),
      options.budgetMs,
    );
    // An item of the other scheme is "not found" for this one (its projection lacks this scheme's secret).
    if (result.Item === undefined || result.Item.type !== options.type) return null;
    const item = parseKeyItem(result.Item);
    if (item === undefined) throw new AuthenticationError(ReasonCode.internal, "the keys table item is malformed");
    return item;
  }

  return {
    async get(keyId, nowSeconds) {
      const item = await options.cache.getOrLoad(keyId, load);
      if (item === null) throw new AuthenticationError(ReasonCode.unknownKey, "no such key");
      if (item.status !== "active") throw new AuthenticationError(ReasonCode.revokedKey, "the key is revoked");
      if (item.expiresAt !== undefined && item.expiresAt <= nowSeconds) throw new AuthenticationError(ReasonCode.expiredKey, "the key has expired");
      return item;
    },
  };
}
