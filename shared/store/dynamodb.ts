/**
 * DynamoDB access shared by the API key and HMAC authorizers: the settings, one client with tight
 * timeouts, and the one mapping of store failures to reason `store_unavailable` (401, never an Allow).
 *
 * | variable | meaning |
 * |---|---|
 * | `DYNAMODB_ENDPOINT` | optional; an emulator's URL (`http://127.0.0.1:8000`): https, or http on a loopback host only |
 * | `DYNAMODB_TIMEOUT_MS` | connect timeout and request timeout of each attempt, 100-5000, default 1000 |
 *
 * Budget: 2 attempts × (connect + request) ≤ 4 × `DYNAMODB_TIMEOUT_MS`, and a hard per-call abort at
 * 2 × `DYNAMODB_TIMEOUT_MS` + 250 ms, well inside an authorizer's 10 s. The AWS SDK v3 is not bundled: the
 * Lambda Node.js runtime provides it (`External: '@aws-sdk/*'` in template.yaml).
 *
 * @module
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { AuthenticationError, ReasonCode } from "../errors.ts";
import type { EnvReader } from "../config/env.ts";

/** How to reach DynamoDB. */
export interface StoreConfig {
  /** Emulator endpoint, or `undefined` for the region's DynamoDB endpoint. */
  readonly endpoint: URL | undefined;
  /** Milliseconds for the connection and for the request of each attempt. */
  readonly timeoutMs: number;
  /** `AWS_REGION`, or `us-east-1` for an emulator when unset; `undefined`: the SDK's own resolution. */
  readonly region: string | undefined;
  /** `true` when an emulator is configured and the environment holds no AWS credentials: fixed dummy ones are used. */
  readonly dummyCredentials: boolean;
}

/** Attempts per call: one retry, so a single dropped connection does not fail a request. */
export const MAX_ATTEMPTS = 2;

/** A DynamoDB table name (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html). */
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/**
 * Read `DYNAMODB_ENDPOINT`, `DYNAMODB_TIMEOUT_MS` (and `AWS_REGION`, `AWS_ACCESS_KEY_ID` for an emulator).
 * Problems are recorded on `reader`.
 */
export function readStoreConfig(reader: EnvReader): StoreConfig {
  const endpoint = reader.httpsUrl("DYNAMODB_ENDPOINT", {
    fix: "leave it empty for DynamoDB in the function's region, or give an emulator's URL (http only on 127.0.0.1 / localhost)",
  });
  const timeoutMs = reader.integer("DYNAMODB_TIMEOUT_MS", {
    defaultValue: 1000, min: 100, max: 5000, fix: "give the per-attempt DynamoDB timeout in milliseconds, 100 to 5000",
  });
  const region = reader.raw("AWS_REGION") ?? (endpoint === undefined ? undefined : "us-east-1");
  return { endpoint, timeoutMs, region, dummyCredentials: endpoint !== undefined && reader.raw("AWS_ACCESS_KEY_ID") === undefined };
}

/**
 * Read a required table name variable (`API_KEYS_TABLE`, `NONCES_TABLE`).
 * @returns the name, or `""` when missing or invalid (a problem is recorded).
 */
export function readTableName(reader: EnvReader, name: string, what: string): string {
  const value = reader.requiredString(name, { fix: `set the name of the ${what} table (template.yaml creates it)` });
  if (value !== "" && !TABLE_NAME.test(value)) {
    reader.problem(name, `is "${value}", not a DynamoDB table name`, "use 3-255 characters of A-Z, a-z, 0-9, _, - and .");
    return "";
  }
  return value;
}

/**
 * One DynamoDB document client for `config`: `connectionTimeout` and `requestTimeout` of
 * `config.timeoutMs` per attempt (a request timeout throws rather than only warns), {@link MAX_ATTEMPTS}
 * attempts, `undefined` attributes dropped when writing.
 */
export function createDocumentClient(config: StoreConfig): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: { connectionTimeout: config.timeoutMs, requestTimeout: config.timeoutMs, throwOnRequestTimeout: true },
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint.href }),
    ...(config.region === undefined ? {} : { region: config.region }),
    ...(config.dummyCredentials ? { credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {}),
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** Hard bound of one store call (all attempts), in milliseconds, for `config`. */
export function callBudgetMs(config: Pick<StoreConfig, "timeoutMs">): number {
  return MAX_ATTEMPTS * config.timeoutMs + 250;
}

/** True for the error DynamoDB answers when a write's `ConditionExpression` is false. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === "ConditionalCheckFailedException";
}

/**
 * Run a store call; any failure (network, timeout, throttling, access denied, missing table) becomes an
 * {@link AuthenticationError} with reason `store_unavailable`, the SDK error as `cause` (its class name
 * reaches the decision log line as `errorName`, never its message).
 *
 * @param operation what was attempted, for the error message (e.g. `GetItem on the keys table`).
 * @param call receives an `AbortSignal` that fires after {@link callBudgetMs}; pass it to `send()`.
 * @param budgetMs the abort delay.
 * @param passThrough errors to rethrow unchanged (e.g. a conditional check failure the caller interprets).
 */
export async function storeCall<T>(
  operation: string,
  call: (abortSignal: AbortSignal) => Promise<T>,
  budgetMs: number,
  passThrough: (error: unknown) => boolean = () => false,
): Promise<T> {
  try {
    return await call(AbortSignal.timeout(budgetMs));
  } catch (error) {
    if (passThrough(error)) throw error;
    throw new AuthenticationError(ReasonCode.storeUnavailable, `${operation} failed`, { cause: error });
  }
}
