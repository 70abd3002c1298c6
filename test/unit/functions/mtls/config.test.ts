/**
 * functions/mtls/config.ts: every problem named with its variable; allow-lists and revocation entries normalised.
 */
import { describe, expect, it } from "vitest";
import { parseMtlsConfig } from "../../../../functions/mtls/config.ts";

const ISSUER = "CN=Example Corp Client CA,O=Example Corp,C=US";

describe("parseMtlsConfig", () => {
  it("normalises revocation entries: API Gateway serials, Node serials, prefixed entries, fingerprints", () => {
    const fingerprint = "A3:C6:D6:EF:5E:86:CE:A7:2E:24:FC:38:F7:32:DE:A7:36:80:67:25:AA:05:95:11:5C:58:22:9E:67:CE:AF:24";
    const config = parseMtlsConfig({ ALLOWED_ISSUERS: ISSUER, REVOKED: `0a:7f:0c, 3A7F0C91, serial:00ff, sha256:${fingerprint}` });
    expect([...config.revokedSerials]).toEqual(["a7f0c", "3a7f0c91", "ff"]);
    expect([...config.revokedFingerprints]).toEqual([fingerprint.replaceAll(":", "").toLowerCase()]);
  });

  it("names every bad variable at once", () => {
    const attempt = () => parseMtlsConfig({
      ALLOWED_FINGERPRINTS: "abc",
      ALLOWED_SANS: "orders-client.example.com",
      ALLOWED_SUBJECTS: "not a dn",
      REVOKED: "not-hex",
      TRUSTED_CA_PEM: "x",
      TRUSTED_CA_FILE: "y",
      ALLOWED_MATCH: "some",
      PRINCIPAL_FROM: "email",
    });
    expect(attempt).toThrow(/ALLOWED_FINGERPRINTS/);
    for (const name of ["ALLOWED_SANS", "ALLOWED_SUBJECTS", "REVOKED", "TRUSTED_CA_PEM and TRUSTED_CA_FILE are both set", "ALLOWED_MATCH", "PRINCIPAL_FROM", "at least one allow-list"]) {
      expect(attempt).toThrow(name);
    }
  });

  it("refuses a TRUSTED_CA_FILE or REVOKED_FILE that cannot be read, and TRUSTED_CA_PEM that is no PEM", () => {
    expect(() => parseMtlsConfig({ ALLOWED_ISSUERS: ISSUER, TRUSTED_CA_FILE: "/nonexistent/ca.pem" })).toThrow(/TRUSTED_CA_FILE names a file that cannot be read/);
    expect(() => parseMtlsConfig({ ALLOWED_ISSUERS: ISSUER, REVOKED_FILE: "/nonexistent/revoked.txt" })).toThrow(/REVOKED_FILE names a file that cannot be read/);
    expect(() => parseMtlsConfig({ ALLOWED_ISSUERS: ISSUER, TRUSTED_CA_PEM: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----" })).toThrow(/TRUSTED_CA_PEM is not PEM/);
  });
});
