/**
 * The nonces table: each accepted HMAC request's nonce is written once, with a conditional `PutItem`,
 * so a second request with the same nonce (a replay) fails the condition.
 *
 * Item: `nonce` (S, partition key) = `<keyId>:<nonce>` (nonces are per client), `expiresAt` (N, epoch
 * seconds) = the request's `x-auth-date` + the allowed skew: after that the timestamp check refuses the
 * request anyway. `expiresAt` is the table's TTL attribute, so DynamoDB deletes old nonces by itself;
 * as that deletion may lag by days, the condition also lets an expired item be overwritten:
 * `attribute_not_exists(nonce) OR expiresAt < :now`.
 *
 * @module
 */
import { PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { AuthenticationError, ReasonCode } from "#shared/errors";
import { isConditionalCheckFailed, storeCall } from "#shared/store/dynamodb";

/** Records nonces. */
export interface NonceStore {
  /**
   * Record `nonce` of `keyId` until `expiresAt`.
   * @param expiresAt epoch seconds (request time + allowed skew).
   * @param nowSeconds the current time, epoch seconds.
   * @throws {AuthenticationError} `replayed_nonce` when it is already recorded and not expired;
   *   `store_unavailable` when DynamoDB fails or times out.
   */
  claim(keyId: string, nonce: string, expiresAt: number, nowSeconds: number): Promise<void>;
}

/** A {@link NonceStore} on `table`; each DynamoDB call is aborted after `budgetMs`. */
export function createNonceStore(client: DynamoDBDocumentClient, table: string, budgetMs: number): NonceStore {
  return {
    async claim(keyId, nonce, expiresAt, nowSeconds) {
      try {
        await storeCall(
          "conditional PutItem on the nonces table",
          (abortSignal) => client.send(
            new PutCommand({
              TableName: table,
              Item: { nonce: `${keyId}:${nonce}`, expiresAt },
              ConditionExpression: "attribute_not_exists(#nonce) OR #expiresAt < :now",
              ExpressionAttributeNames: { "#nonce": "nonce", "#expiresAt": "expiresAt" },
              ExpressionAttributeValues: { ":now": nowSeconds },
            }),
            { abortSignal },
          ),
          budgetMs,
          isConditionalCheckFailed,
        );
      } catch (error) {
        if (isConditionalCheckFailed(error)) throw new AuthenticationError(ReasonCode.replayedNonce, "the nonce was already used", { cause: error });
        throw error;
      }
    },
  };
}
