/**
 * Configuration of the mutual TLS client-certificate authorizer, read once at init from the environment.
 *
 * | variable | meaning |
 * |---|---|
 * | `ALLOWED_SUBJECTS` | subject DNs, separated by `;` (`CN=orders-client,O=Example Corp,C=US;CN=...`) |
 * | `ALLOWED_SANS` | subject alternative names, comma-separated: `DNS:name`, `URI:spiffe://...`, `EMAIL:a@b`, `IP:192.0.2.1` |
 * | `ALLOWED_ISSUERS` | issuer DNs, separated by `;` |
 * | `ALLOWED_FINGERPRINTS` | SHA-256 fingerprints of the DER, hex with or without colons, comma-separated |
 * | `ALLOWED_MATCH` | `all` (default): every list that is set must match; `any`: one match suffices |
 * | `TRUSTED_CA_PEM` / `TRUSTED_CA_FILE` | CA certificate(s) the client certificate must be issued by (signature checked) |
 * | `REVOKED` / `REVOKED_FILE` | revoked serial numbers or SHA-256 fingerprints: comma-separated / one a line, `#` comments |
 * | `PRINCIPAL_FROM` | `cn` (default): the subject's common name; `san`: the first subject alternative name's value |
 * | `CLOCK_TOLERANCE_SECONDS`, `ROUTE_RULES`, `PRINCIPAL_CLAIM`, `CONTEXT_CLAIMS`, `HTTP_API_*` | see shared/config/common.ts |
 *
 * At least one allow-list is required: an empty allow-list never means "any certificate" (API Gateway's
 * truststore accepts every certificate its CAs issued, for every client of every API on the domain).
 * File paths are relative to the function's folder (`LAMBDA_TASK_ROOT`), like `ROUTE_RULES_FILE`.
 *
 * @module
 */
import type { X509Certificate } from "node:crypto";
import { readCommonConfig, type CommonConfig } from "#shared/config/common";
import { EnvReader, type Env } from "#shared/config/env";
import { dnKeys, normaliseFingerprint, normaliseSerial, parseAltName, parseDn, parsePemBundle, altNameKey } from "./certificate.ts";

/** How the allow-lists combine. */
export type AllowedMatch = "all" | "any";

/** The mutual TLS authorizer's settings. Frozen. */
export interface MtlsConfig extends CommonConfig {
  /** Comparison keys of the allowed subject DNs (each DN in both orders); empty: not checked. */
  readonly allowedSubjects: ReadonlySet<string>;
  /** Comparison keys of the allowed SANs (`DNS:name`, ...); empty: not checked. */
  readonly allowedSans: ReadonlySet<string>;
  /** Comparison keys of the allowed issuer DNs; empty: not checked. */
  readonly allowedIssuers: ReadonlySet<string>;
  /** Allowed SHA-256 fingerprints, 64 lower-case hex digits; empty: not checked. */
  readonly allowedFingerprints: ReadonlySet<string>;
  /** `all`: every non-empty list must match; `any`: at least one must. */
  readonly allowedMatch: AllowedMatch;
  /** CA certificates the client certificate must be signed by; empty: not checked (API Gateway's truststore only). */
  readonly trustedCas: readonly X509Certificate[];
  /** Revoked serial numbers (normalised hex). */
  readonly revokedSerials: ReadonlySet<string>;
  /** Revoked SHA-256 fingerprints (64 lower-case hex digits). */
  readonly revokedFingerprints: ReadonlySet<string>;
  /** Where `principalId` comes from. */
  readonly principalFrom: "cn" | "san";
}


/** Entries of a `;`-separated DN list, each parsed; problems recorded. */
function readDnList(env: EnvReader, name: string): Set<string> {
  const keys = new Set<string>();
  const fix = "list DNs separated by ; e.g. CN=orders-client.example.com,O=Example Corp,C=US (either order)";
  for (const entry of (env.raw(name) ?? "").split(";").map((item) => item.trim()).filter((item) => item !== "")) {
    const dn = parseDn(entry);
    if (dn === undefined) env.problem(name, `has "${entry}", not a DN`, fix);
    else for (const key of dnKeys(dn)) keys.add(key);
  }
  return keys;
}

/** Revocation entries: `serial:HEX`, `sha256:HEX`, or bare hex (64 digits: a fingerprint; else a serial). */
function readRevoked(env: EnvReader, name: string, entries: readonly string[], serials: Set<string>, fingerprints: Set<string>): void {
  const fix = "list serial numbers (3a:7f:... or 3A7F...) or SHA-256 fingerprints, optionally prefixed serial: or sha256:";
  for (const entry of entries) {
    const prefixed = /^(serial|sha256):(.*)$/i.exec(entry);
    const kind = prefixed?.[1]?.toLowerCase();
    const value = prefixed?.[2] ?? entry;
    const fingerprint = kind === "serial" ? undefined : normaliseFingerprint(value);
    const serial = kind === "sha256" || fingerprint !== undefined ? undefined : normaliseSerial(value);
    if (fingerprint !== undefined) fingerprints.add(fingerprint);
    else if (serial !== undefined) serials.add(serial);
    else env.problem(name, `has "${entry}", neither a serial number nor a SHA-256 fingerprint`, fix);
  }
}

/**
 * Parse and check the environment.
 * @throws {ConfigError} naming every bad or missing variable and its fix; in particular when no allow-list is set.
 */
export function parseMtlsConfig(source: Env): MtlsConfig {
  const env = new EnvReader(source);
  const allowedSubjects = readDnList(env, "ALLOWED_SUBJECTS");
  const allowedIssuers = readDnList(env, "ALLOWED_ISSUERS");
  const allowedSans = new Set<string>();
  for (const entry of env.list("ALLOWED_SANS", { fix: "list SANs as DNS:name, URI:uri, EMAIL:address or IP:address, comma-separated" })) {
    const san = parseAltName(entry);
    const key = san === undefined ? undefined : altNameKey(san);
    if (key === undefined) env.problem("ALLOWED_SANS", `has "${entry}"`, "write each SAN as DNS:name, URI:uri, EMAIL:address or IP:address");
    else allowedSans.add(key);
  }
  const allowedFingerprints = new Set<string>();
  for (const entry of env.list("ALLOWED_FINGERPRINTS", { fix: "list SHA-256 fingerprints (64 hex digits, colons allowed), comma-separated" })) {
    const fingerprint = normaliseFingerprint(entry);
    if (fingerprint === undefined) env.problem("ALLOWED_FINGERPRINTS", `has "${entry}", not a SHA-256 fingerprint`, "give 64 hex digits (openssl x509 -noout -fingerprint -sha256)");
    else allowedFingerprints.add(fingerprint);
  }
  if (allowedSubjects.size + allowedSans.size + allowedIssuers.size + allowedFingerprints.size === 0) {
    env.problem(
      "ALLOWED_SUBJECTS",
      "(or ALLOWED_SANS, ALLOWED_ISSUERS, ALLOWED_FINGERPRINTS) is missing",
      "set at least one allow-list: an empty allow-list would admit every certificate the API's truststore accepts",
    );
  }
  const allowedMatch = env.oneOf("ALLOWED_MATCH", ["all", "any"] as const, {
    defaultValue: "all", fix: "use all (every allow-list that is set must match) or any (one match suffices)",
  });

  let trustedCas: X509Certificate[] = [];
  if (env.raw("TRUSTED_CA_PEM") !== undefined && env.raw("TRUSTED_CA_FILE") !== undefined) {
    env.problem("TRUSTED_CA_PEM", "and TRUSTED_CA_FILE are both set", "set only one of them");
  } else {
    const caFix = "give one or more PEM CA certificates (the issuing CAs of your client certificates)";
    // A CloudFormation parameter cannot hold newlines: accept a PEM written with literal \n too.
    const caText = env.raw("TRUSTED_CA_PEM")?.replaceAll("\\n", "\n") ?? env.fileText("TRUSTED_CA_FILE", { fix: caFix });
    const caName = env.raw("TRUSTED_CA_PEM") === undefined ? "TRUSTED_CA_FILE" : "TRUSTED_CA_PEM";
    if (caText !== undefined) {
      try {
        trustedCas = parsePemBundle(caText);
        if (trustedCas.some((ca) => !ca.ca)) env.problem(caName, "holds a certificate that is not a CA (basicConstraints CA:FALSE)", caFix);
      } catch {
        env.problem(caName, "is not PEM certificates", caFix);
      }
    }
  }

  const revokedSerials = new Set<string>();
  const revokedFingerprints = new Set<string>();
  readRevoked(env, "REVOKED", env.list("REVOKED", { fix: "list revoked serial numbers or SHA-256 fingerprints, comma-separated" }), revokedSerials, revokedFingerprints);
  const revokedText = env.fileText("REVOKED_FILE", { fix: "name a text file with one serial number or SHA-256 fingerprint a line" });
  if (revokedText !== undefined) {
    const lines = revokedText.split(/\r?\n/).map((line) => line.replace(/#.*$/, "").trim()).filter((line) => line !== "");
    readRevoked(env, "REVOKED_FILE", lines, revokedSerials, revokedFingerprints);
  }

  const principalFrom = env.oneOf("PRINCIPAL_FROM", ["cn", "san"] as const, {
    defaultValue: "cn", fix: "use cn (the subject's common name) or san (the first subject alternative name)",
  });
  // The scheme has no token: TOKEN_SOURCES is not read by it; the default only keeps the shared reader quiet.
  const common = readCommonConfig(env);
  if (common.requiredScopes.length > 0) {
    env.problem("REQUIRED_SCOPES", "is set, but certificates carry no scopes", "leave it unset; use ROUTE_RULES claims conditions (subjectDN, sans, ...) instead");
  }
  env.finish();
  return Object.freeze({
    ...common,
    allowedSubjects,
    allowedSans,
    allowedIssuers,
    allowedFingerprints,
    allowedMatch,
    trustedCas,
    revokedSerials,
    revokedFingerprints,
    principalFrom,
  });
}
