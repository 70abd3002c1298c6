/**
 * A bounded JSON request over `node:https` (or `node:http` for loopback test servers): the same approach
 * as the JWKS fetch (shared/jwks/fetch.ts), for callers that also need a POST (token introspection,
 * RFC 7662) and the status of a non-200 answer.
 *
 * Deliberately not `fetch`: Node's `fetch` loads undici on first use (cold-start time), and each call
 * here is one small request with a hard deadline, a response size bound and no redirects followed.
 *
 * @module
 */
import type { OutgoingHttpHeaders, request as HttpRequest } from "node:http";

/**
 * `node:http` / `node:https` as CommonJS objects, loaded on first use. Not `import ... from "node:http"`:
 * an ES module import builds a facade that reads every export, and `node:http`'s lazy `WebSocket`-era
 * getters then load undici (about 28 ms of a cold start on a 2-core machine, for a module only loopback
 * tests use).
 */
const transport = (protocol: string): typeof HttpRequest =>
  (protocol === "http:" ? process.getBuiltinModule("node:http") : process.getBuiltinModule("node:https")).request;

/** Why a request failed (network, timeout, oversize body); never carries a request or response body. */
export class HttpError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "HttpError";
  }
}

/** One request. */
export interface JsonRequest {
  /** `GET` (default) or `POST`. */
  readonly method?: "GET" | "POST";
  /** Request headers; `accept: application/json` is added unless given. Values may be secret: never logged here. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Request body (sent with its byte length as `content-length`). */
  readonly body?: string;
  /** Whole-request deadline in milliseconds (connect, headers and body), e.g. 3000. */
  readonly timeoutMs: number;
  /** Largest accepted response body in bytes; a larger one aborts the request. */
  readonly maxBytes: number;
  /** When set, any other status fails at once (`HttpError` "answered N"), without reading the body. */
  readonly expectStatus?: number;
}

/** An answer: its status and its body parsed as JSON (`undefined` when empty or not JSON). */
export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
  /** Why the body is not JSON (the `SyntaxError`), when it is not. */
  readonly parseError?: unknown;
}

/** Signature of {@link requestJson}: injectable so callers can be tested with another transport. */
export type JsonRequester = (url: URL, request: JsonRequest) => Promise<JsonResponse>;

/**
 * Send one request to `url` and read a JSON answer of any status.
 *
 * Redirects are not followed (a 3xx is returned as it is, with its status). `http:` is used only when the
 * caller passed an http URL, which configuration allows on loopback hosts only.
 *
 * @returns the status and the parsed body (`undefined` when the body is not JSON).
 * @throws {HttpError} on a timeout, an oversize body or a network error. The message names the method,
 *   origin and path, never the query, headers or bodies.
 */
export const requestJson: JsonRequester = (url, { method = "GET", headers = {}, body, timeoutMs, maxBytes, expectStatus }) =>
  new Promise((resolve, reject) => {
    const where = `${method} ${url.origin}${url.pathname}`;
    const send = transport(url.protocol);
    const outgoing: OutgoingHttpHeaders = { accept: "application/json", ...headers };
    if (body !== undefined) outgoing["content-length"] = Buffer.byteLength(body);
    let settled = false;
    const req = send(url, { method, headers: outgoing }, (res) => {
      if (expectStatus !== undefined && res.statusCode !== expectStatus) {
        res.resume();
        fail(new HttpError(`${where} answered ${res.statusCode ?? "no status"}`));
        return;
      }
      const declared = Number(res.headers["content-length"]);
      if (Number.isFinite(declared) && declared > maxBytes) {
        fail(new HttpError(`${where} declared ${declared} bytes, over the ${maxBytes}-byte bound`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          fail(new HttpError(`${where} sent over ${maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on("end", () => {
        try {
          finish({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
        } catch (parseError) {
          finish({ status: res.statusCode ?? 0, body: undefined, parseError });
        }
      });
      res.on("error", (error) => fail(new HttpError(`${where} failed while reading`, { cause: error })));
    });
    const timer = setTimeout(() => fail(new HttpError(`${where} timed out after ${timeoutMs} ms`)), timeoutMs);
    function finish(value: JsonResponse): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    }
    function fail(error: HttpError): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(error);
    }
    req.on("error", (error) => fail(new HttpError(`${where} failed`, { cause: error })));
    req.end(body);
  });
