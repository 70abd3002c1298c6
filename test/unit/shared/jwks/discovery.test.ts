import { afterEach, describe, expect, it, vi } from "vitest";
import { AuthenticationError, ReasonCode } from "../../../../shared/errors.ts";
import { discoverJwksUri, discoveryUrl } from "../../../../shared/jwks/discovery.ts";
import { FetchError, type JsonFetcher } from "../../../../shared/jwks/fetch.ts";
import { json, startLoopbackServer, type LoopbackServer } from "./loopback.ts";

let server: LoopbackServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A loopback issuer at `issuerPath` whose discovery document is `document(issuer)`. */
async function issuerServing(issuerPath: string, document: (issuer: string) => unknown): Promise<{ issuer: string; server: LoopbackServer }> {
  let issuer = "";
  server = await startLoopbackServer((req, res) => {
    if (req.url === `${issuerPath.replace(/\/$/, "")}/.well-known/openid-configuration`) json(res, document(issuer));
    else json(res, { message: "Not Found" }, 404);
  });
  issuer = `${server.origin}${issuerPath}`;
  return { issuer, server };
}

/** The AuthenticationError `promise` rejects with, or fails the test. */
async function failure(promise: Promise<unknown>): Promise<AuthenticationError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AuthenticationError);
    return error as AuthenticationError;
  }
  return expect.unreachable("expected a rejection");
}

describe("discoveryUrl", () => {
  it.each([
    ["https://example.eu.auth0.com/", "https://example.eu.auth0.com/.well-known/openid-configuration"],
    ["https://example.eu.auth0.com", "https://example.eu.auth0.com/.well-known/openid-configuration"],
    ["https://login.example.com/realms/demo", "https://login.example.com/realms/demo/.well-known/openid-configuration"],
    ["https://login.microsoftonline.com/tenant/v2.0", "https://login.microsoftonline.com/tenant/v2.0/.well-known/openid-configuration"],
  ])("appends the well-known path to %s", (issuer, expected) => {
    expect(discoveryUrl(issuer).href).toBe(expected);
  });
});

describe("discoverJwksUri", () => {
  it("returns the jwks_uri of a good discovery document", async () => {
    // Prepare
    const { issuer, server: idp } = await issuerServing("", (iss) => ({ issuer: iss, jwks_uri: `${iss}/keys`, authorization_endpoint: `${iss}/auth` }));

    // Act
    const url = await discoverJwksUri(issuer);

    // Assess
    expect(url).toBeInstanceOf(URL);
    expect(url.href).toBe(`${issuer}/keys`);
    expect(idp.requests).toEqual(["GET /.well-known/openid-configuration"]);
  });

  it("fetches the document under the issuer's path", async () => {
    const { issuer, server: idp } = await issuerServing("/realms/demo", (iss) => ({ issuer: iss, jwks_uri: "https://keys.example.com/jwks.json" }));

    expect((await discoverJwksUri(issuer)).href).toBe("https://keys.example.com/jwks.json");
    expect(idp.requests).toEqual(["GET /realms/demo/.well-known/openid-configuration"]);
  });

  it("accepts an issuer with a trailing slash when the document names it exactly", async () => {
    const { issuer } = await issuerServing("/tenant/", (iss) => ({ issuer: iss, jwks_uri: "https://keys.example.com/jwks.json" }));

    expect((await discoverJwksUri(issuer)).href).toBe("https://keys.example.com/jwks.json");
  });

  it("refuses a document that names another issuer", async () => {
    const { issuer } = await issuerServing("", () => ({ issuer: "https://evil.example.com", jwks_uri: "https://evil.example.com/keys" }));

    const error = await failure(discoverJwksUri(issuer));

    expect(error.reason).toBe(ReasonCode.jwksUnavailable);
    expect(error.message).toContain("another issuer");
  });

  it("refuses a document whose issuer differs only by a trailing slash", async () => {
    const { issuer } = await issuerServing("", (iss) => ({ issuer: `${iss}/`, jwks_uri: `${iss}/keys` }));

    expect((await failure(discoverJwksUri(issuer))).reason).toBe(ReasonCode.jwksUnavailable);
  });

  it.each([
    ["an http jwks_uri on a non-loopback host", { jwks_uri: "http://keys.example.com/jwks.json" }, "must be https"],
    ["no jwks_uri", {}, "missing"],
    ["a jwks_uri that is not a string", { jwks_uri: ["https://keys.example.com/jwks.json"] }, "missing"],
    ["a relative jwks_uri", { jwks_uri: "/keys" }, "not an absolute URL"],
    ["a jwks_uri with credentials", { jwks_uri: "https://user:pw@keys.example.com/jwks.json" }, "credentials"],
  ])("refuses %s", async (_name, extra, why) => {
    const { issuer } = await issuerServing("", (iss) => ({ issuer: iss, ...extra }));

    const error = await failure(discoverJwksUri(issuer));

    expect(error.reason).toBe(ReasonCode.jwksUnavailable);
    expect(error.message).toContain(why);
  });

  it("fails with jwks_unavailable, keeping the cause, when the document cannot be fetched", async () => {
    server = await startLoopbackServer((_req, res) => json(res, { message: "down" }, 500));

    const error = await failure(discoverJwksUri(server.origin));

    expect(error.reason).toBe(ReasonCode.jwksUnavailable);
    expect(error.cause).toBeInstanceOf(FetchError);
  });

  it("fails with jwks_unavailable when the document is not a JSON object", async () => {
    server = await startLoopbackServer((_req, res) => json(res, ["not", "an", "object"]));

    expect((await failure(discoverJwksUri(server.origin))).reason).toBe(ReasonCode.jwksUnavailable);
  });

  it("gives up after timeoutMs", async () => {
    server = await startLoopbackServer(() => undefined);
    const started = performance.now();

    const error = await failure(discoverJwksUri(server.origin, { timeoutMs: 200 }));

    expect(error.reason).toBe(ReasonCode.jwksUnavailable);
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it("refuses a document larger than maxBytes", async () => {
    const { issuer } = await issuerServing("", (iss) => ({ issuer: iss, jwks_uri: `${iss}/keys`, pad: "x".repeat(2_000) }));

    const error = await failure(discoverJwksUri(issuer, { maxBytes: 1_000 }));

    expect(error.reason).toBe(ReasonCode.jwksUnavailable);
    expect(error.cause).toBeInstanceOf(FetchError);
  });

  it("uses an injected fetcher with default limits of 3 s and 64 KiB", async () => {
    const fetcher = vi.fn<JsonFetcher>(() => Promise.resolve({ issuer: "https://idp.example.com", jwks_uri: "https://idp.example.com/jwks" }));

    const url = await discoverJwksUri("https://idp.example.com", { fetcher });

    expect(url.href).toBe("https://idp.example.com/jwks");
    expect(fetcher).toHaveBeenCalledExactlyOnceWith(new URL("https://idp.example.com/.well-known/openid-configuration"), { timeoutMs: 3_000, maxBytes: 65_536 });
  });
});
