/**
 * A throwaway PKI for the mutual TLS tests, made at run time with Debian's openssl (`/usr/bin/openssl`)
 * in a temporary folder: two CAs and client certificates for every case the authorizer must tell apart.
 * No key is ever committed; the folder is removed by {@link TestPki.cleanup}.
 *
 * @module
 */
import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The openssl binary the tests use (Debian's package). */
export const OPENSSL = "/usr/bin/openssl";

/** One issued certificate. */
export interface TestCertificate {
  /** PEM, as API Gateway passes it in `clientCertPem`. */
  readonly pem: string;
  /** Parsed. */
  readonly x509: X509Certificate;
  /** Serial number the way API Gateway writes it: lower-case hex bytes joined by `:`. */
  readonly serialColons: string;
  /** SHA-256 fingerprint as Node writes it (`A3:C6:...`). */
  readonly fingerprint256: string;
}

/** The PKI. Subjects: see {@link createTestPki}. */
export interface TestPki {
  readonly caPem: string;
  readonly otherCaPem: string;
  /** `C=US,O=Example Test,OU=Payments,CN=orders-client.example.com`, SANs DNS, URI, IP; valid now; issued by the CA. */
  readonly valid: TestCertificate;
  /** Same subject, valid 2020-01-01 to 2021-01-01. */
  readonly expired: TestCertificate;
  /** Same subject, valid from 2099. */
  readonly notYetValid: TestCertificate;
  /** `CN=revoked-client.example.com`, valid now, issued by the CA (tests put it on the revocation list). */
  readonly revoked: TestCertificate;
  /** The valid certificate's subject and SANs, issued by the other CA. */
  readonly fromOtherCa: TestCertificate;
  /** No CN in the subject (`O=Example Test`), SAN `URI:spiffe://example.test/billing`; valid now; issued by the CA. */
  readonly sanOnly: TestCertificate;
  /** Removes the temporary folder (keys included). */
  cleanup(): Promise<void>;
}

const CA_CONFIG = `
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = .
database = ./index.txt
new_certs_dir = ./issued
serial = ./serial
default_md = sha256
policy = policy_any
unique_subject = no
preserve = yes
email_in_dn = no
[ policy_any ]
countryName = optional
organizationName = optional
organizationalUnitName = optional
commonName = optional
`;

/** `YYYYMMDDHHMMSSZ` for `openssl ca -startdate/-enddate`. */
function asn1Time(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, "").replace(/\.\d{3}Z$/, "Z");
}

/**
 * Make the PKI (a few hundred ms: EC P-256 keys).
 * @throws when openssl fails (its stderr in the message).
 */
export async function createTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), "mtls-pki-"));
  const openssl = async (...args: string[]): Promise<void> => {
    await run(OPENSSL, args, { cwd: dir, timeout: 20_000 });
  };
  await mkdir(join(dir, "issued"));
  await writeFile(join(dir, "ca.cnf"), CA_CONFIG);
  await writeFile(join(dir, "index.txt"), "");
  // A serial with a leading zero nibble, to exercise normalisation (API Gateway: 0a:7f:..., Node: A7F...).
  await writeFile(join(dir, "serial"), "0A7F0C91D2E4B8056A1F\n");

  const ecKey = (name: string) => openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", `${name}.key`);
  const makeCa = async (name: string, subject: string): Promise<string> => {
    await ecKey(name);
    await openssl(
      "req", "-x509", "-new", "-key", `${name}.key`, "-subj", subject, "-days", "30", "-out", `${name}.pem`,
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    );
    return readFile(join(dir, `${name}.pem`), "utf8");
  };
  const [caPem, otherCaPem] = await Promise.all([makeCa("ca", "/C=US/O=Example Test/CN=Example Test Client CA"), makeCa("other-ca", "/C=US/O=Elsewhere/CN=Other CA")]);
  await ecKey("leaf");

  const now = Date.now();
  const issue = async (name: string, options: { ca?: string; subject: string; san?: string; from: Date; to: Date }): Promise<TestCertificate> => {
    const ext = ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature", "extendedKeyUsage=clientAuth"];
    if (options.san !== undefined) ext.push(`subjectAltName=${options.san}`);
    await writeFile(join(dir, `${name}.ext`), `[ ext ]\n${ext.join("\n")}\n`);
    await openssl("req", "-new", "-key", "leaf.key", "-subj", options.subject, "-out", `${name}.csr`);
    const ca = options.ca ?? "ca";
    // `openssl ca` keeps one database: issue one certificate at a time.
    await openssl(
      "ca", "-config", "ca.cnf", "-batch", "-notext", "-in", `${name}.csr`, "-out", `${name}.pem`, "-cert", `${ca}.pem`, "-keyfile", `${ca}.key`,
      "-startdate", asn1Time(options.from), "-enddate", asn1Time(options.to), "-extfile", `${name}.ext`, "-extensions", "ext",
    );
    const pem = (await readFile(join(dir, `${name}.pem`), "utf8")).trim();
    const x509 = new X509Certificate(pem);
    const hex = x509.serialNumber.length % 2 === 0 ? x509.serialNumber : `0${x509.serialNumber}`;
    return { pem, x509, serialColons: hex.toLowerCase().match(/../g)?.join(":") ?? "", fingerprint256: x509.fingerprint256 };
  };
  const subject = "/C=US/O=Example Test/OU=Payments/CN=orders-client.example.com";
  const san = "DNS:orders-client.example.com,URI:spiffe://example.test/orders,IP:192.0.2.10";
  const nowish = { from: new Date(now - 3_600_000), to: new Date(now + 86_400_000) };
  const valid = await issue("valid", { subject, san, ...nowish });
  const expired = await issue("expired", { subject, san, from: new Date("2020-01-01T00:00:00Z"), to: new Date("2021-01-01T00:00:00Z") });
  const notYetValid = await issue("future", { subject, san, from: new Date("2099-01-01T00:00:00Z"), to: new Date("2099-12-31T00:00:00Z") });
  const revoked = await issue("revoked", { subject: "/C=US/O=Example Test/OU=Payments/CN=revoked-client.example.com", san: "DNS:revoked-client.example.com", ...nowish });
  const fromOtherCa = await issue("foreign", { ca: "other-ca", subject, san, ...nowish });
  const sanOnly = await issue("san-only", { subject: "/O=Example Test", san: "URI:spiffe://example.test/billing", ...nowish });

  return {
    caPem, otherCaPem, valid, expired, notYetValid, revoked, fromOtherCa, sanOnly,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
