/**
 * Normal forms of the mTLS scheme (functions/mtls/certificate.ts), and its validity check with an injected
 * clock (functions/mtls/verify.ts) on a certificate made by openssl at run time.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  altNameKey, altNamesOfCertificate, dnKey, dnKeys, dnOfCertificateName, formatDn, normaliseFingerprint, normaliseSerial, parseAltName, parseDn,
} from "../../../../functions/mtls/certificate.ts";
import { parseMtlsConfig } from "../../../../functions/mtls/config.ts";
import { createMtlsScheme } from "../../../../functions/mtls/verify.ts";
import { createTestPki, type TestPki } from "../../../helpers/pki.ts";

describe("distinguished names", () => {
  it("match API Gateway's order, RFC 4514's reverse order, any case and spacing", () => {
    const certificate = dnOfCertificateName("C=US\nO=Example Corp\nOU=Payments\nCN=orders-client.example.com");
    const keys = dnKeys(parseDn("cn=orders-client.example.com,  OU=payments , O=Example   Corp,C=US") ?? []);
    expect(keys).toContain(dnKey(certificate));
    expect(dnKeys(parseDn("C=US,O=Example Corp,OU=Payments,CN=orders-client.example.com") ?? [])).toContain(dnKey(certificate));
    expect(dnKeys(parseDn("C=US,O=Example Corp,CN=orders-client.example.com") ?? [])).not.toContain(dnKey(certificate));
  });

  it("unescape RFC 4514 values (\\, and hex pairs) and keep them escaped for display", () => {
    const parsed = parseDn("CN=Smith\\, John,O=Caf\\C3\\A9 \\+ Co,C=US");
    expect(parsed).toEqual([{ type: "CN", value: "Smith, John" }, { type: "O", value: "Café + Co" }, { type: "C", value: "US" }]);
    expect(formatDn(parsed ?? [])).toBe("CN=Smith\\, John,O=Café \\+ Co,C=US");
    expect(dnKey(dnOfCertificateName("C=US\nO=Café \\+ Co\nCN=Smith\\, John"))).toBe(dnKey([...(parsed ?? [])].reverse()));
  });

  it("refuse text that is not a DN", () => {
    expect(parseDn("")).toBeUndefined();
    expect(parseDn("just words")).toBeUndefined();
    expect(parseDn("CN=a,=b")).toBeUndefined();
  });
});

describe("subject alternative names", () => {
  it("read Node's subjectAltName, JSON-quoted values included", () => {
    expect(altNamesOfCertificate('DNS:a.example.com, URI:"spiffe://x/a, b", IP Address:0:0:0:0:0:0:0:1, email:Ops@Example.com')).toEqual([
      { type: "DNS", value: "a.example.com" },
      { type: "URI", value: "spiffe://x/a, b" },
      { type: "IP", value: "0:0:0:0:0:0:0:1" },
      { type: "EMAIL", value: "Ops@Example.com" },
    ]);
    expect(altNamesOfCertificate(undefined)).toEqual([]);
  });

  it("compare DNS and email case-insensitively and IP addresses canonically", () => {
    const key = (text: string) => altNameKey(parseAltName(text) ?? { type: "x", value: "" });
    expect(key("DNS:A.Example.COM.")).toBe("DNS:a.example.com");
    expect(key("IP:0:0:0:0:0:0:0:1")).toBe("IP:::1");
    expect(altNameKey({ type: "IP", value: "::1" })).toBe("IP:::1");
    expect(key("ip:192.0.2.10")).toBe("IP:192.0.2.10");
    expect(parseAltName("orders-client.example.com")).toBeUndefined();
    expect(parseAltName("IP:not-an-ip")).toBeUndefined();
  });
});

describe("serial numbers and fingerprints", () => {
  it("normalise API Gateway's and Node's serial forms to one", () => {
    expect(normaliseSerial("0a:7f:0c:91")).toBe("a7f0c91");
    expect(normaliseSerial("0A7F0C91")).toBe("a7f0c91");
    expect(normaliseSerial("00")).toBe("0");
    expect(normaliseSerial("xyz")).toBeUndefined();
  });

  it("accept SHA-256 fingerprints with or without colons, any case", () => {
    const hex = "a3c6d6ef5e86cea72e24fc38f732dea736806725aa0595115c58229e67ceaf24";
    expect(normaliseFingerprint(hex.toUpperCase().match(/../g)?.join(":") ?? "")).toBe(hex);
    expect(normaliseFingerprint(hex.slice(2))).toBeUndefined();
  });
});

describe("mTLS scheme validity window (injected clock)", () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await createTestPki();
  });
  afterAll(() => pki.cleanup());

  const verifyAt = async (nowMs: number, tolerance = "0") => {
    const scheme = createMtlsScheme(parseMtlsConfig({ ALLOWED_SANS: "DNS:orders-client.example.com", CLOCK_TOLERANCE_SECONDS: tolerance }), { now: () => nowMs });
    return scheme.verify({ source: "clientCert", value: pki.valid.pem }, undefined as never);
  };

  it("accepts inside the window and refuses outside, with CLOCK_TOLERANCE_SECONDS around both ends", async () => {
    const from = pki.valid.x509.validFromDate.getTime();
    const to = pki.valid.x509.validToDate.getTime();
    await expect(verifyAt(from)).resolves.toMatchObject({ principalId: "orders-client.example.com" });
    await expect(verifyAt(to)).resolves.toMatchObject({ principalId: "orders-client.example.com" });
    await expect(verifyAt(to + 1_000)).rejects.toMatchObject({ reason: "certificate_expired" });
    await expect(verifyAt(from - 1_000)).rejects.toMatchObject({ reason: "certificate_not_yet_valid" });
    await expect(verifyAt(to + 30_000, "60")).resolves.toMatchObject({ principalId: "orders-client.example.com" });
  });

  it("names the scheme mtls and extracts the certificate, or refuses with missing_certificate", () => {
    const scheme = createMtlsScheme(parseMtlsConfig({ ALLOWED_SANS: "DNS:orders-client.example.com" }));
    expect(scheme.name).toBe("mtls");
    expect(() => scheme.extract({ clientCert: undefined } as never)).toThrow(expect.objectContaining({ reason: "missing_certificate" }));
    expect(scheme.extract({ clientCert: { clientCertPem: pki.valid.pem } } as never)).toEqual({ source: "clientCert", value: pki.valid.pem });
  });
});
