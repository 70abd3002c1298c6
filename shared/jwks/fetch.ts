/**
 * A bounded JSON GET over `node:https` (or `node:http` for loopback test servers), on shared/http.ts's `requestJson`.
 *
 * Deliberately not `fetch`: Node's `fetch` loads undici on first use, which costs cold-start time, and
 * this needs only one small GET with a hard timeout, a response size bound and no redirects.
 *
 * @module
 */
import { requestJson } from "../http.ts";

/** Why a fetch failed; never carries response bodies. */
export class FetchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FetchError";
  }
}

/** Limits of one fetch. */
export interface FetchJsonOptions {
  /** Whole-request deadline in milliseconds (connect, headers and body), e.g. 3000. */
  readonly timeoutMs: number;
  /** Largest accepted body in bytes; a larger one aborts the request. */
  readonly maxBytes: number;
}

/** Signature of a JSON fetcher: injectable so caches can be tested with a fake clock or transport. */
export type JsonFetcher = (url: URL, options: FetchJsonOptions) => Promise<unknown>;

/**
 * GET `url` and parse the body as JSON.
 *
 * Redirects are not followed (a 3xx is an error: keys are only taken from the configured location).
 * `http:` is used only when the caller passed an http URL, which config allows on loopback hosts only.
 *
 * @throws {FetchError} on a non-200 status, timeout, oversize body, network error or invalid JSON.
 */
export const fetchJson: JsonFetcher = async (url, { timeoutMs, maxBytes }) => {
  let response;
  try {
    response = await requestJson(url, { timeoutMs, maxBytes, expectStatus: 200 });
  } catch (error) {
    throw new FetchError(error instanceof Error ? error.message : `GET ${url.origin}${url.pathname} failed`, { cause: error });
  }
  if (response.parseError !== undefined) throw new FetchError(`GET ${url.origin}${url.pathname} did not return JSON`, { cause: response.parseError });
  return response.body;
};
