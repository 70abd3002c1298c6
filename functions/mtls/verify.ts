/**
 * The mutual TLS scheme: verify the client certificate API Gateway passes after the TLS handshake
 * (`requestContext.identity.clientCert` on REST and HTTP API 1.0, `requestContext.authentication.clientCert`
 * on 2.0) and say whom it names.
 *
 * API Gateway has already checked the chain against the domain's truststore (and refused the handshake
 * otherwise); this scheme adds what a truststore cannot say, in this order, the first failure deciding:
 * 1. exactly one parsable certificate (`missing_certificate`, `malformed_certificate`);
 * 2. optionally, signed by one of `TRUSTED_CA_*`, each valid now (`untrusted_ca`): defence in depth, and
 *    a narrower set than a truststore shared by several APIs;
 * 3. `notBefore` ≤ now ≤ `notAfter`, within `CLOCK_TOLERANCE_SECONDS` (`certificate_not_yet_valid`, `certificate_expired`);
 * 4. serial number and fingerprint not revoked (`certificate_revoked`);
 * 5. the allow-lists: subject DN, SAN, issuer DN, fingerprint (`certificate_not_allowed`).
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mutual-tls.html
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-mutual-tls.html
 * @module
 */
import type { X509Certificate } from "node:crypto";
import type { Principal } from "#shared/decide";
import { AuthenticationError, AuthError, ReasonCode } from "#shared/errors";
import type { Credential } from "#shared/events/credentials";
import type { AuthRequest } from "#shared/events/types";
import { withDetail } from "#shared/pipeline";
import type { Scheme } from "#shared/scheme";
import {
  altNameKey, altNamesOfCertificate, commonNameOf, dnKey, dnOfCertificateName, fingerprintOf, formatDn,
  normaliseSerial, parseClientCertificate,
} from "./certificate.ts";
import type { MtlsConfig } from "./config.ts";

/** RFC 8705 §3.1 `x5t#S256` of a PEM certificate: the same value as the `thumbprint` claim; for certificate-bound tokens. */
export { certificateThumbprint } from "./certificate.ts";

/** Where {@link createMtlsScheme}'s credential comes from, as `Credential.source`. */
export const CLIENT_CERT_SOURCE = "clientCert";

/** Test seams of {@link createMtlsScheme}. */
export interface MtlsSchemeDeps {
  /** Clock in epoch milliseconds; default `Date.now`. */
  readonly now?: () => number;
}

/**
 * The client certificate of a request as a credential (`value` is the PEM: never log it).
 * @throws {AuthenticationError} `missing_certificate` when the request carries none (no mutual TLS on the domain).
 */
export function extractClientCertificate(req: AuthRequest): Credential {
  const pem = req.clientCert?.clientCertPem;
  if (pem === undefined || pem.trim() === "") throw new AuthenticationError(ReasonCode.missingCertificate, "the request carries no client certificate");
  return { source: CLIENT_CERT_SOURCE, value: pem };
}

/** True when `certificate` is signed by `ca` and `ca` is a CA certificate valid at `atMs`. */
function issuedBy(certificate: X509Certificate, ca: X509Certificate, atMs: number): boolean {
  if (!ca.ca || ca.validFromDate.getTime() > atMs || ca.validToDate.getTime() < atMs) return false;
  try {
    return certificate.checkIssued(ca) && certificate.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/**
 * Build the mutual TLS scheme for `config`: named `mtls`, its credential the client certificate.
 *
 * The principal: `principalId` is the subject's CN (`PRINCIPAL_FROM=cn`) or the first SAN's value
 * (`san`); claims, passed on as `context`: `sub` (= principalId), `subjectDN` and `issuerDN` (certificate
 * order, API Gateway's form), `serialNumber` (lower-case hex), `fingerprint` (SHA-256, lower-case hex),
 * `thumbprint` (RFC 8705 `x5t#S256`), `sans` (`["DNS:name", ...]`), `notBefore` / `notAfter` (ISO 8601),
 * `authScheme: "mtls"`. No scopes, no groups.
 *
 * `verify` throws {@link AuthenticationError} with `missing_certificate`, `malformed_certificate`,
 * `untrusted_ca`, `certificate_not_yet_valid`, `certificate_expired`, `certificate_revoked`,
 * `certificate_not_allowed` or `missing_claim` (no CN, or no SAN, for `principalId`).
 */
export function createMtlsScheme(config: MtlsConfig, deps: MtlsSchemeDeps = {}): Scheme {
  const now = deps.now ?? ((): number => Date.now());
  const toleranceMs = config.clockToleranceSeconds * 1000;

  function check(certificate: X509Certificate): Principal {
    const at = now();
    const subject = dnOfCertificateName(certificate.subject);
    const issuer = dnOfCertificateName(certificate.issuer);
    const serial = normaliseSerial(certificate.serialNumber) ?? certificate.serialNumber.toLowerCase();
    const fingerprint = fingerprintOf(certificate);
    const sans = altNamesOfCertificate(certificate.subjectAltName);
    const detail = { iss: formatDn(issuer), kid: serial };
    try {
      if (config.trustedCas.length > 0 && !config.trustedCas.some((ca) => issuedBy(certificate, ca, at))) {
        throw new AuthenticationError(ReasonCode.untrustedCa, "the certificate is not signed by a trusted CA");
      }
      if (certificate.validFromDate.getTime() > at + toleranceMs) {
        throw new AuthenticationError(ReasonCode.certificateNotYetValid, "the certificate's notBefore is in the future");
      }
      if (certificate.validToDate.getTime() < at - toleranceMs) {
        throw new AuthenticationError(ReasonCode.certificateExpired, "the certificate's notAfter is in the past");
      }
      if (config.revokedSerials.has(serial) || config.revokedFingerprints.has(fingerprint)) {
        throw new AuthenticationError(ReasonCode.certificateRevoked, "the certificate is on the revocation list");
      }
      const checks: boolean[] = [];
      if (config.allowedSubjects.size > 0) checks.push(config.allowedSubjects.has(dnKey(subject)));
      if (config.allowedIssuers.size > 0) checks.push(config.allowedIssuers.has(dnKey(issuer)));
      if (config.allowedSans.size > 0) checks.push(sans.some((san) => config.allowedSans.has(altNameKey(san) ?? "")));
      if (config.allowedFingerprints.size > 0) checks.push(config.allowedFingerprints.has(fingerprint));
      // `checks` is never empty: config refuses a configuration without any allow-list.
      const allowed = checks.length > 0 && (config.allowedMatch === "all" ? checks.every(Boolean) : checks.some(Boolean));
      if (!allowed) throw new AuthenticationError(ReasonCode.certificateNotAllowed, "the certificate matches no allow-list entry");
      const principalId = config.principalFrom === "cn" ? commonNameOf(subject) : sans[0]?.value;
      if (principalId === undefined || principalId === "") {
        throw new AuthenticationError(ReasonCode.missingClaim, config.principalFrom === "cn" ? "the certificate's subject has no CN" : "the certificate has no SAN");
      }
      return {
        principalId,
        claims: {
          sub: principalId,
          subjectDN: formatDn(subject),
          issuerDN: formatDn(issuer),
          serialNumber: serial,
          fingerprint,
          thumbprint: Buffer.from(fingerprint, "hex").toString("base64url"),
          sans: sans.map(({ type, value }) => `${type}:${value}`),
          notBefore: certificate.validFromDate.toISOString(),
          notAfter: certificate.validToDate.toISOString(),
          authScheme: "mtls",
        },
        scopes: [],
        groups: [],
        issuer: detail.iss,
        kid: serial,
      };
    } catch (error) {
      const failure = error instanceof AuthError ? error : new AuthenticationError(ReasonCode.internal, "certificate verification failed", { cause: error });
      throw withDetail(failure, detail);
    }
  }

  return {
    name: "mtls",
    extract: extractClientCertificate,
    // Synchronous work: parsing and one signature check per trusted CA; no I/O.
    verify: (credential) => Promise.resolve().then(() => check(parseClientCertificate(credential.value))),
  };
}
