/**
 * Listening on 127.0.0.1 for the test servers: a free port, socket tracking, and a close() that
 * also destroys hanging connections, with a self-close timer in case a caller forgets.
 *
 * @module
 */
import type { Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** Options of {@link listenOnLoopback}. */
export interface LoopbackOptions {
  /**
   * Milliseconds after which the server closes itself even if the caller forgot to. The timer does
   * not keep the process alive.
   */
  maxLifetimeMs: number;
  /** Port to listen on; default 0 (a free port chosen by the system). */
  port?: number;
}

/** A server listening on loopback. */
export interface LoopbackListener {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /**
   * Stops listening and destroys every open connection, hanging requests included; clears the
   * lifetime timer. Idempotent: every call returns the same promise, settled once the server has closed.
   */
  close(this: void): Promise<void>;
}

/**
 * Makes `server` listen on 127.0.0.1 on a free port (port 0, unless `options.port` is given), tracking its sockets from the
 * `connection` event so that `close()` can destroy them all.
 *
 * @param server a created, not yet listening HTTP server.
 * @param options `maxLifetimeMs`: self-close delay in milliseconds (unref'd timer); `port`: a fixed port.
 * @returns `{ origin, close }` once the server listens.
 * @throws (rejects with) the server's `error` event when listening fails, e.g. the port cannot be bound.
 */
export async function listenOnLoopback(server: Server, options: LoopbackOptions): Promise<LoopbackListener> {
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let closing: Promise<void> | undefined;
  function close(): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
      clearTimeout(lifetime);
      server.close(() => resolve());
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
    });
    return closing;
  }
  const lifetime = setTimeout(() => void close(), options.maxLifetimeMs);
  lifetime.unref();

  return { origin, close };
}
