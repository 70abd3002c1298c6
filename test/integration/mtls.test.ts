/**
 * The built mutual TLS bundle (`dist/mtls/index.mjs`) on the recorded `events/mtls/` events, with client
 * certificates made at run time by openssl (test/helpers/pki.ts): a CA, a valid certificate, an expired
 * one, one not yet valid, a revoked one, one from another CA, one without a CN.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invokeHandler, type AuthorizerHandler } from "../../scripts/lib/invoke-bundle.ts";
import { certificateThumbprint } from "../../functions/mtls/verify.ts";
import { captureLogs, decisionLines, freshBundle, type LogCapture } from "../helpers/bundle.ts";
import { createLambdaContext } from "../helpers/context.ts";
import { EVENTS_DIR, listEvents, loadEvent } from "../helpers/events.ts";
import { createTestPki, OPENSSL, type TestPki } from "../helpers/pki.ts";
import { evaluateAnswer } from "../helpers/policy.ts";

const context = () => createLambdaContext({ timeoutMs: 10_000 });
const CA_DN = "CN=Example Test Client CA,O=Example Test,C=US";

let pki: TestPki;
let logs: LogCapture;
let handler: AuthorizerHandler;
let scratch: string;

/** The parts of a recorded mTLS event the tests change. */
interface MtlsEvent {
  version?: string;
  requestContext: {
    authentication?: { clientCert?: { clientCertPem: string; subjectDN: string } };
    identity?: { clientCert?: { clientCertPem: string; subjectDN: string } };
  };
}

/** The recorded event `file` with `pem` as its client certificate (`null`: no `clientCert` at all). */
async function eventWith(file: string, pem: string | null): Promise<Record<string, unknown>> {
  const event = await loadEvent<MtlsEvent>(file);
  const holder = event.version === "2.0" ? event.requestContext.authentication : event.requestContext.identity;
  if (holder === undefined) throw new Error(`${file} has no clientCert holder`);
  if (pem === null) delete holder.clientCert;
  else if (holder.clientCert !== undefined) holder.clientCert.clientCertPem = pem;
  return event as unknown as Record<string, unknown>;
}

/** Call `target` on `file` carrying `pem`; the verdict, answer and decision line. */
async function call(pem: string | null, target: AuthorizerHandler = handler, file = "mtls/rest-request.json") {
  const before = decisionLines(logs.text()).length;
  const event = await eventWith(file, pem);
  const result = await invokeHandler(target, event, context());
  const line = decisionLines(logs.text())[before];
  return { ...result, event, reason: line?.reason, line };
}

beforeAll(async () => {
  pki = await createTestPki();
  scratch = await mkdtemp(join(tmpdir(), "mtls-test-"));
  logs = captureLogs();
  handler = await freshBundle("mtls", { ALLOWED_ISSUERS: CA_DN, TRUSTED_CA_PEM: pki.caPem, REVOKED: pki.revoked.serialColons });
});

afterAll(async () => {
  logs.stop();
  await pki.cleanup();
  await rm(scratch, { recursive: true, force: true });
});

describe("mTLS authorizer on every recorded event", () => {
  it("has one recorded event per event kind that carries a certificate", () => {
    expect(listEvents("mtls")).toEqual(["mtls/http-v1.json", "mtls/http-v2.json", "mtls/rest-request.json"]);
  });

  it.each(listEvents("mtls"))("allows a valid certificate on %s and passes subject, issuer, serial and fingerprint on", async (file) => {
    // Act
    const result = await call(pki.valid.pem, handler, file);
    // Assess
    expect(result.verdict).toBe("Allow");
    expect(result.principalId).toBe("orders-client.example.com");
    const arn = (result.event.methodArn ?? result.event.routeArn) as string;
    expect(evaluateAnswer(result.answer, arn)).toBe("Allow");
    const answer = result.answer as { context: Record<string, unknown> };
    expect(answer.context).toMatchObject({
      sub: "orders-client.example.com",
      subjectDN: "C=US,O=Example Test,OU=Payments,CN=orders-client.example.com",
      issuerDN: "C=US,O=Example Test,CN=Example Test Client CA",
      serialNumber: pki.valid.serialColons.replaceAll(":", "").replace(/^0+/, ""),
      fingerprint: pki.valid.fingerprint256.replaceAll(":", "").toLowerCase(),
      thumbprint: certificateThumbprint(pki.valid.pem),
      authScheme: "mtls",
    });
  });

  it.each(listEvents("mtls"))("answers 401 missing_certificate on %s without a client certificate", async (file) => {
    const result = await call(null, handler, file);
    expect(result.verdict).toBe("401");
    expect(result.reason).toBe("missing_certificate");
  });

  it("allows the recorded example certificate with the recorded example CA (TRUSTED_CA_FILE) and API Gateway's subjectDN", async () => {
    // Prepare: the DN exactly as API Gateway wrote it in the event, the CA file shipped in events/certs/.
    const event = await loadEvent<MtlsEvent>("mtls/rest-request.json");
    const cold = await freshBundle("mtls", {
      ALLOWED_SUBJECTS: event.requestContext.identity?.clientCert?.subjectDN ?? "",
      TRUSTED_CA_FILE: join(EVENTS_DIR, "certs/example-client-ca.pem"),
    });
    // Act
    const results = await Promise.all(listEvents("mtls").map(async (file) => invokeHandler(cold, await loadEvent(file), context())));
    // Assess
    expect(results.map((result) => result.verdict)).toEqual(["Allow", "Allow", "Allow"]);
  });
});

describe("mTLS authorizer refuses", () => {
  it.each([
    ["an expired certificate", () => pki.expired.pem, "certificate_expired"],
    ["a certificate not yet valid", () => pki.notYetValid.pem, "certificate_not_yet_valid"],
    ["a revoked certificate (serial as API Gateway writes it)", () => pki.revoked.pem, "certificate_revoked"],
    ["a certificate from another CA, same subject", () => pki.fromOtherCa.pem, "untrusted_ca"],
    ["text that is not PEM", () => "not a certificate", "malformed_certificate"],
    ["a PEM block with garbage inside", () => "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", "malformed_certificate"],
    ["two certificates in one clientCertPem", () => `${pki.valid.pem}\n${pki.revoked.pem}`, "malformed_certificate"],
  ])("%s with 401 %s", async (_name, pem, reason) => {
    const result = await call(pem());
    expect(result.verdict).toBe("401");
    expect(result.reason).toBe(reason);
  });

  it("a certificate from another CA with certificate_not_allowed when only the issuer allow-list guards", async () => {
    const cold = await freshBundle("mtls", { ALLOWED_ISSUERS: CA_DN });
    expect((await call(pki.valid.pem, cold)).verdict).toBe("Allow");
    const foreign = await call(pki.fromOtherCa.pem, cold);
    expect(foreign.verdict).toBe("401");
    expect(foreign.reason).toBe("certificate_not_allowed");
  });

  it("a fingerprint on the REVOKED_FILE list (Node's colon form, with comments)", async () => {
    const file = join(scratch, "revoked.txt");
    await writeFile(file, `# revoked 2026-11-21\n${pki.valid.fingerprint256}  # lost laptop\n\nserial:${pki.revoked.x509.serialNumber}\n`);
    const cold = await freshBundle("mtls", { ALLOWED_ISSUERS: CA_DN, REVOKED_FILE: file, PRINCIPAL_FROM: "san" });
    for (const pem of [pki.valid.pem, pki.revoked.pem]) {
      const result = await call(pem, cold);
      expect(result.verdict).toBe("401");
      expect(result.reason).toBe("certificate_revoked");
    }
    // A certificate on neither list still passes.
    expect((await call(pki.sanOnly.pem, cold)).verdict).toBe("Allow");
  });

  it("to start without any allow-list: an empty allow-list never means anyone", async () => {
    await expect(freshBundle("mtls", { TRUSTED_CA_PEM: pki.caPem })).rejects.toThrow(/ALLOWED_SUBJECTS.*at least one allow-list/s);
  });

  it("to start with REQUIRED_SCOPES (certificates carry none) or a TRUSTED_CA_PEM that is not a CA", async () => {
    await expect(freshBundle("mtls", { ALLOWED_ISSUERS: CA_DN, REQUIRED_SCOPES: "orders:read" })).rejects.toThrow(/REQUIRED_SCOPES/);
    await expect(freshBundle("mtls", { ALLOWED_ISSUERS: CA_DN, TRUSTED_CA_PEM: pki.valid.pem })).rejects.toThrow(/TRUSTED_CA_PEM.*not a CA/);
  });
});

describe("mTLS allow-lists", () => {
  it.each([
    ["ALLOWED_SUBJECTS in RFC 4514 order", { ALLOWED_SUBJECTS: "CN=someone-else;cn=orders-client.example.com, ou=Payments, o=Example Test, c=US" }, true],
    ["ALLOWED_SUBJECTS in certificate order", { ALLOWED_SUBJECTS: "C=US,O=Example Test,OU=Payments,CN=orders-client.example.com" }, true],
    ["ALLOWED_SUBJECTS naming another CN", { ALLOWED_SUBJECTS: "C=US,O=Example Test,OU=Payments,CN=orders-client" }, false],
    ["ALLOWED_SANS with the URI SAN", { ALLOWED_SANS: "DNS:other.example.com,URI:spiffe://example.test/orders" }, true],
    ["ALLOWED_SANS with the IP SAN", { ALLOWED_SANS: "IP:192.0.2.10" }, true],
    ["ALLOWED_SANS with the DNS SAN in upper case", { ALLOWED_SANS: "DNS:ORDERS-CLIENT.EXAMPLE.COM" }, true],
    ["ALLOWED_SANS without a matching SAN", { ALLOWED_SANS: "DNS:billing.example.com" }, false],
    ["ALLOWED_FINGERPRINTS in Node's colon form", { ALLOWED_FINGERPRINTS: "__FINGERPRINT__" }, true],
    ["ALLOWED_MATCH=all with a matching issuer but another subject", { ALLOWED_ISSUERS: CA_DN, ALLOWED_SUBJECTS: "CN=billing" }, false],
    ["ALLOWED_MATCH=any with a matching issuer but another subject", { ALLOWED_ISSUERS: CA_DN, ALLOWED_SUBJECTS: "CN=billing", ALLOWED_MATCH: "any" }, true],
  ])("%s", async (_name, env, allowed) => {
    const resolved = Object.fromEntries(Object.entries(env).map(([name, value]) => [name, value.replace("__FINGERPRINT__", pki.valid.fingerprint256)]));
    const cold = await freshBundle("mtls", resolved);
    const result = await call(pki.valid.pem, cold);
    expect(result.verdict).toBe(allowed ? "Allow" : "401");
    if (!allowed) expect(result.reason).toBe("certificate_not_allowed");
  });

  it("takes principalId from the first SAN with PRINCIPAL_FROM=san, and refuses a certificate without CN with cn", async () => {
    const bySan = await freshBundle("mtls", { ALLOWED_ISSUERS: CA_DN, PRINCIPAL_FROM: "san" });
    expect(await call(pki.sanOnly.pem, bySan)).toMatchObject({ verdict: "Allow", principalId: "spiffe://example.test/billing" });
    expect(await call(pki.valid.pem, bySan)).toMatchObject({ verdict: "Allow", principalId: "orders-client.example.com" });
    const byCn = await freshBundle("mtls", { ALLOWED_ISSUERS: CA_DN });
    expect(await call(pki.sanOnly.pem, byCn)).toMatchObject({ verdict: "401", reason: "missing_claim" });
  });

  it("applies route rules to certificate claims (a SAN per route)", async () => {
    const cold = await freshBundle("mtls", {
      ALLOWED_ISSUERS: CA_DN,
      PRINCIPAL_FROM: "san",
      ROUTE_RULES: JSON.stringify({ rules: [{ route: "GET /orders/{id}", claims: { sans: { equals: "URI:spiffe://example.test/orders" } } }] }),
    });
    expect((await call(pki.valid.pem, cold)).verdict).toBe("Allow");
    expect(await call(pki.sanOnly.pem, cold)).toMatchObject({ verdict: "Deny", reason: "claim_mismatch" });
  });
});

describe("certificateThumbprint", () => {
  it("is the base64url SHA-256 of the DER, as openssl computes it (RFC 8705 x5t#S256)", async () => {
    const file = join(scratch, "valid.pem");
    await writeFile(file, pki.valid.pem);
    const der = join(scratch, "valid.der");
    await promisify(execFile)(OPENSSL, ["x509", "-in", file, "-outform", "DER", "-out", der]);
    const { stdout } = await promisify(execFile)(OPENSSL, ["dgst", "-sha256", "-binary", "-out", join(scratch, "digest"), der]).then(() =>
      promisify(execFile)(OPENSSL, ["base64", "-A", "-in", join(scratch, "digest")]),
    );
    expect(certificateThumbprint(pki.valid.pem)).toBe(stdout.trim().replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""));
  });
});

describe("mTLS authorizer logs", () => {
  it("writes one decision line per call naming the issuer and serial, never a certificate PEM", () => {
    const text = logs.text();
    const lines = decisionLines(text);
    expect(lines.length).toBeGreaterThan(20);
    expect(lines.some((line) => line.reason === "certificate_revoked" && typeof line.kid === "string")).toBe(true);
    for (const certificate of [pki.valid, pki.expired, pki.notYetValid, pki.revoked, pki.fromOtherCa, pki.sanOnly]) {
      const body = certificate.pem.split("\n").slice(1, -1).join("");
      expect(text).not.toContain(body.slice(0, 64));
      for (const line of certificate.pem.split("\n").slice(1, -1)) if (line.length >= 40) expect(text).not.toContain(line);
    }
    expect(text).not.toContain("BEGIN CERTIFICATE");
  });
});
