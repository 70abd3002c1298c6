/**
 * An HTTP server on 127.0.0.1 whose answers are scripted per request, for fault tests and fuzzing: a
 * JWKS endpoint, an introspection endpoint or a DynamoDB endpoint that is slow, broken, huge, redirects
 * or never answers. It counts requests, and closes every connection (hanging and dripping ones
 * included) on {@link FaultServer.close} or after its lifetime.
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { listenOnLoopback } from "./loopback.ts";

/** How one request is answered. */
export type Behaviour =
  /** `status` (default 200) with `body` as JSON text (a string body is sent as it is). */
  | { readonly kind: "json"; readonly status?: number; readonly body: unknown; readonly contentType?: string }
  /** `status` (default 200) with a text body of `contentType`. */
  | { readonly kind: "text"; readonly status?: number; readonly body: string; readonly contentType: string }
  /** Accept the request and never answer. */
  | { readonly kind: "hang" }
  /** 200, headers at once, then `body` one byte every `intervalMs`. */
  | { readonly kind: "drip"; readonly body: string; readonly intervalMs: number }
  /** 200 with `bytes` bytes of a JSON-looking body, with or without `content-length`. */
  | { readonly kind: "huge"; readonly bytes: number; readonly declareLength: boolean }
  /** A redirect (default 302) to `location`. */
  | { readonly kind: "redirect"; readonly location: string; readonly status?: number }
  /** Destroy the connection without answering. */
  | { readonly kind: "reset" };

/** What the script sees of a request. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
}

/** Decides the answer to each request. */
export type Script = (request: SeenRequest) => Behaviour;

/** A running fault server. */
export interface FaultServer {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** Requests received so far (counted when their body has arrived). */
  readonly requests: number;
  /** Requests received so far whose path is `path`. */
  requestsTo(path: string): number;
  /** Replace the script from the next request on. */
  setScript(script: Script | Behaviour): void;
  /** Reset the counters. */
  resetCounts(): void;
  /** Stop listening, destroy every connection, stop every drip. Idempotent. */
  close(): Promise<void>;
}

const toScript = (script: Script | Behaviour): Script => (typeof script === "function" ? script : () => script);

/**
 * Start a fault server on a free loopback port.
 * @param script the first script (a behaviour for every request, or a function of the request).
 * @param maxLifetimeMs self-close delay (unref'd timer); default 120 000.
 */
export async function startFaultServer(script: Script | Behaviour, maxLifetimeMs = 120_000): Promise<FaultServer> {
  let current = toScript(script);
  let requests = 0;
  const byPath = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();

  function answer(res: ServerResponse, behaviour: Behaviour): void {
    res.on("error", () => undefined);
    switch (behaviour.kind) {
      case "json": {
        const text = typeof behaviour.body === "string" ? behaviour.body : JSON.stringify(behaviour.body);
        res.writeHead(behaviour.status ?? 200, { "content-type": behaviour.contentType ?? "application/json", "content-length": Buffer.byteLength(text) }).end(text);
        return;
      }
      case "text":
        res.writeHead(behaviour.status ?? 200, { "content-type": behaviour.contentType, "content-length": Buffer.byteLength(behaviour.body) }).end(behaviour.body);
        return;
      case "hang":
        return;
      case "reset":
        res.socket?.destroy();
        return;
      case "redirect":
        res.writeHead(behaviour.status ?? 302, { location: behaviour.location, "content-length": 0 }).end();
        return;
      case "huge": {
        const first = Buffer.alloc(64 * 1024, 0x20);
        first.write('{"keys":[');
        const filler = Buffer.alloc(64 * 1024, 0x20);
        res.writeHead(200, { "content-type": "application/json", ...(behaviour.declareLength ? { "content-length": behaviour.bytes } : {}) });
        let sent = 0;
        const pump = (): void => {
          while (sent < behaviour.bytes && !res.destroyed) {
            const size = Math.min(filler.length, behaviour.bytes - sent);
            const part = (sent === 0 ? first : filler).subarray(0, size);
            sent += size;
            if (!res.write(part)) {
              res.once("drain", pump);
              return;
            }
          }
          if (!res.destroyed) res.end();
        };
        pump();
        return;
      }
      case "drip": {
        res.writeHead(200, { "content-type": "application/json" });
        let at = 0;
        const timer = setInterval(() => {
          if (res.destroyed || at >= behaviour.body.length) {
            clearInterval(timer);
            timers.delete(timer);
            if (!res.destroyed) res.end();
            return;
          }
          res.write(behaviour.body[at] ?? "");
          at += 1;
        }, behaviour.intervalMs);
        timer.unref();
        timers.add(timer);
        res.on("close", () => {
          clearInterval(timer);
          timers.delete(timer);
        });
        return;
      }
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
      requests += 1;
      byPath.set(path, (byPath.get(path) ?? 0) + 1);
      answer(res, current({ method: req.method ?? "GET", path, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
  });
  const listener = await listenOnLoopback(server, { maxLifetimeMs });
  return {
    origin: listener.origin,
    get requests() {
      return requests;
    },
    requestsTo: (path) => byPath.get(path) ?? 0,
    setScript(next) {
      current = toScript(next);
    },
    resetCounts() {
      requests = 0;
      byPath.clear();
    },
    close() {
      for (const timer of timers) clearInterval(timer);
      timers.clear();
      return listener.close();
    },
  };
}

/** A loopback origin where nothing listens (connection refused): a port just freed. */
export async function refusedOrigin(): Promise<string> {
  const server = await startFaultServer({ kind: "hang" }, 5_000);
  await server.close();
  return server.origin;
}

/** The DynamoDB operation of a request (`GetItem`, `PutItem`, ...), from `x-amz-target`. */
export function dynamoOperation(request: SeenRequest): string {
  const target = request.headers["x-amz-target"];
  return typeof target === "string" ? (target.split(".").pop() ?? "") : "";
}

/** A DynamoDB JSON answer. */
export function dynamoJson(body: unknown, status = 200): Behaviour {
  return { kind: "json", status, body, contentType: "application/x-amz-json-1.0" };
}
