import { afterEach, describe, expect, it } from "vitest";
import { fetchJson, FetchError } from "../../../../shared/jwks/fetch.ts";
import { json, startLoopbackServer, type LoopbackServer } from "./loopback.ts";

const LIMITS = { timeoutMs: 2_000, maxBytes: 1_024 };

let server: LoopbackServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** What `promise` rejects with, or fails the test when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return expect.unreachable("expected a rejection");
}

describe("fetchJson", () => {
  it("GETs the URL and parses the JSON body", async () => {
    server = await startLoopbackServer((_req, res) => json(res, { keys: [{ kty: "RSA", kid: "a" }] }));

    const body = await fetchJson(server.url("/.well-known/jwks.json?x=1"), LIMITS);

    expect(body).toEqual({ keys: [{ kty: "RSA", kid: "a" }] });
    expect(server.requests).toEqual(["GET /.well-known/jwks.json?x=1"]);
    expect(server.lastHeaders.accept).toBe("application/json");
  });

  it("accepts a body of exactly maxBytes", async () => {
    const body = JSON.stringify({ pad: "x".repeat(LIMITS.maxBytes - 10) });
    expect(Buffer.byteLength(body)).toBe(LIMITS.maxBytes);
    server = await startLoopbackServer((_req, res) => res.writeHead(200).end(body));

    await expect(fetchJson(server.url("/"), LIMITS)).resolves.toEqual(JSON.parse(body));
  });

  it.each([404, 500, 503, 204])("rejects a %s answer with a FetchError naming the status", async (status) => {
    server = await startLoopbackServer((_req, res) => json(res, { secret: "body-content" }, status));

    const error = await rejection(fetchJson(server.url("/jwks"), LIMITS));

    expect(error).toBeInstanceOf(FetchError);
    expect((error as FetchError).message).toContain(`answered ${status}`);
    expect((error as FetchError).message).not.toContain("body-content");
  });

  it("does not follow a redirect", async () => {
    server = await startLoopbackServer((req, res) => {
      if (req.url === "/moved") res.writeHead(302, { location: "/elsewhere" }).end();
      else json(res, { keys: [] });
    });

    const error = await rejection(fetchJson(server.url("/moved"), LIMITS));

    expect(error).toBeInstanceOf(FetchError);
    expect((error as FetchError).message).toContain("answered 302");
    expect(server.requests).toEqual(["GET /moved"]);
  });

  it("rejects within about timeoutMs when the server never answers", async () => {
    // Prepare: a server that accepts the request and never answers
    server = await startLoopbackServer(() => undefined);
    const started = performance.now();

    // Act
    const error = await rejection(fetchJson(server.url("/hang"), { timeoutMs: 200, maxBytes: 1_024 }));

    // Assess
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(FetchError);
    expect((error as FetchError).message).toContain("timed out after 200 ms");
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1_500);
  });

  it("rejects within about timeoutMs when the body never ends", async () => {
    server = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"keys": [');
    });
    const started = performance.now();

    const error = await rejection(fetchJson(server.url("/slow"), { timeoutMs: 200, maxBytes: 1_024 }));

    expect(error).toBeInstanceOf(FetchError);
    expect((error as FetchError).message).toContain("timed out");
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it("rejects a body whose declared length is over maxBytes", async () => {
    server = await startLoopbackServer((_req, res) => res.writeHead(200, { "content-length": "2048" }).end("x".repeat(2_048)));

    const error = await rejection(fetchJson(server.url("/big"), LIMITS));

    expect(error).toBeInstanceOf(FetchError);
    expect((error as FetchError).message).toContain("declared 2048 bytes");
  });

  it("rejects a streamed body over maxBytes without a declared length", async () => {
    server = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write(`{"pad":"${"x".repeat(800)}`);
      setTimeout(() => res.end(`${"y".repeat(800)}"}`), 20);
    });

    const error = await rejection(fetchJson(server.url("/chunked"), LIMITS));

    expect(error).toBeInstanceOf(FetchError);
    expect((error as FetchError).message).toContain(`sent over ${LIMITS.maxBytes} bytes`);
  });

  it.each([
    ["an HTML page", "<!doctype html><html><body>Please sign in.</body></html>"],
    ["truncated JSON", '{"keys": ['],
    ["an empty body", ""],
  ])("rejects %s as not JSON", async (_name, body) => {
    server = await startLoopbackServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end(body));

    const error = await rejection(fetchJson(server.url("/login"), LIMITS));

    expect(error).toBeInstanceOf(FetchError);
    expect((error as FetchError).message).toContain("did not return JSON");
    expect((error as FetchError).cause).toBeInstanceOf(SyntaxError);
  });

  it("rejects with a FetchError when nothing listens on the port", async () => {
    const closed = await startLoopbackServer(() => undefined);
    const url = closed.url("/jwks");
    await closed.close();

    const error = await rejection(fetchJson(url, LIMITS));

    expect(error).toBeInstanceOf(FetchError);
    expect((error as FetchError).message).toContain("failed");
  });
});
