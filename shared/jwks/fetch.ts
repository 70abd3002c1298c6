/**
 * A bounded JSON GET over `node:https` (or `node:http` for loopback test servers).
 *
 * Deliberately not `fetch`: Node's `fetch` loads undici on first use, which costs cold-start time, and
 * this needs only one small GET with a hard timeout, a response size bound and no redirects.
 *
 * @module
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

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
export const fetchJson: JsonFetcher = (url, { timeoutMs, maxBytes }) =>
  new Promise((resolve, reject) => {
    const send = url.protocol === "http:" ? httpRequest : httpsRequest;
    const req = send(url, { method: "GET", headers: { accept: "application/json" } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        fail(new FetchError(`GET ${url.origin}${url.pathname} answered ${res.statusCode ?? "no status"}`));
        return;
      }
      const declared = Number(res.headers["content-length"]);
      if (Number.isFinite(declared) && declared > maxBytes) {
        fail(new FetchError(`GET ${url.origin}${url.pathname} declared ${declared} bytes, over the ${maxBytes}-byte bound`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          fail(new FetchError(`GET ${url.origin}${url.pathname} sent over ${maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on("end", () => {
        if (settled) return;
        try {
          finish(JSON.parse(Buffer.concat(chunks).toString("utf8")));
        } catch (error) {
          fail(new FetchError(`GET ${url.origin}${url.pathname} did not return JSON`, { cause: error }));
        }
      });
      res.on("error", (error) => fail(new FetchError(`GET ${url.origin}${url.pathname} failed while reading`, { cause: error })));
    });
    let settled = false;
    const timer = setTimeout(() => fail(new FetchError(`GET ${url.origin}${url.pathname} timed out after ${timeoutMs} ms`)), timeoutMs);
    function finish(value: unknown): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    }
    function fail(error: FetchError): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(error);
    }
    req.on("error", (error) => fail(new FetchError(`GET ${url.origin}${url.pathname} failed`, { cause: error })));
    req.end();
  });
