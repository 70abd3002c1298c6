/**
 * A throw-away HTTP server on 127.0.0.1 for fetch and discovery tests: a free port, a request log,
 * and a close() that also destroys hanging connections. It closes itself after 30 s if a test forgets.
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { listenOnLoopback } from "../../../helpers/loopback.ts";

/** A running loopback server. */
export interface LoopbackServer {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** Paths requested so far, in order, with their method: `GET /jwks.json`. */
  readonly requests: readonly string[];
  /** Request headers of the last request. */
  readonly lastHeaders: Readonly<Record<string, string | string[] | undefined>>;
  /** `origin` + `path`, as a URL. */
  url(path: string): URL;
  /** Stop listening and destroy every open connection. Idempotent. */
  close(): Promise<void>;
}

/** Start a server answering every request with `handler` (which may also never answer). */
export async function startLoopbackServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<LoopbackServer> {
  const requests: string[] = [];
  let lastHeaders: IncomingMessage["headers"] = {};
  const server = createServer((req, res) => {
    requests.push(`${req.method ?? "?"} ${req.url ?? "?"}`);
    lastHeaders = req.headers;
    handler(req, res);
  });
  const { origin, close } = await listenOnLoopback(server, { maxLifetimeMs: 30_000 });

  return {
    origin,
    get requests() {
      return requests;
    },
    get lastHeaders() {
      return lastHeaders;
    },
    url: (path) => new URL(path, origin),
    close,
  };
}

/** Answer `body` as JSON with status 200. */
export function json(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
