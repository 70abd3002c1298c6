/**
 * X.509 client certificates as the mutual TLS scheme compares them: parsing the PEM API Gateway passes,
 * and one normal form each for distinguished names, subject alternative names, serial numbers and
 * fingerprints, so a value written in configuration matches the certificate however either side spells it.
 *
 * - **DNs**: API Gateway writes them in certificate order with commas (`C=US,O=Example Corp,CN=client`),
 *   RFC 4514 in reverse order (`CN=client,O=Example Corp,C=US`), Node one attribute per line. Compared
 *   as the sequence of attributes: type upper-cased (`E`/`EMAIL` → `EMAILADDRESS`, `S` → `ST`), value with
 *   RFC 4514 escapes removed, trimmed, inner whitespace collapsed, case-insensitive (X.520 caseIgnoreMatch);
 *   a configured DN matches in either order.
 * - **SANs**: `TYPE:value` with `DNS`, `URI`, `EMAIL`, `IP` (`IP Address` as Node writes it); DNS names
 *   and email addresses case-insensitive, IP addresses in canonical form (`::1`), URIs exact.
 * - **Serial numbers**: hex, colons and leading zeros dropped, lower case: API Gateway's `3a:7f:0c` and
 *   Node's `3A7F0C` are both `3a7f0c` (RFC 5280 §4.1.2.2: at most 20 octets).
 * - **Fingerprints**: SHA-256 of the DER, 64 hex digits, colons dropped, lower case.
 *
 * @module
 */
import { createHash, X509Certificate } from "node:crypto";
import { AuthenticationError, ReasonCode } from "#shared/errors";

/** Longest `clientCertPem` accepted, in characters; larger is `malformed_certificate` before parsing. */
export const MAX_PEM_LENGTH = 65_536;

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Every certificate in a PEM text (a bundle may hold several), parsed.
 * @throws {Error} when there is none, or one does not parse.
 */
export function parsePemBundle(text: string): X509Certificate[] {
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new Error("no -----BEGIN CERTIFICATE----- block");
  return blocks.map((block) => new X509Certificate(block));
}

/**
 * Parse the client certificate API Gateway passes (`clientCert.clientCertPem`): exactly one PEM
 * certificate, at most {@link MAX_PEM_LENGTH} characters.
 * @throws {AuthenticationError} `malformed_certificate` otherwise (the PEM is never put in the message).
 */
export function parseClientCertificate(pem: string): X509Certificate {
  const blocks = pem.length > MAX_PEM_LENGTH ? [] : (pem.match(PEM_BLOCK) ?? []);
  if (blocks.length !== 1 || blocks[0] === undefined) {
    throw new AuthenticationError(ReasonCode.malformedCertificate, "clientCertPem is not exactly one PEM certificate");
  }
  try {
    return new X509Certificate(blocks[0]);
  } catch (error) {
    throw new AuthenticationError(ReasonCode.malformedCertificate, "clientCertPem does not parse as an X.509 certificate", { cause: error });
  }
}

/**
 * The RFC 8705 §3.1 certificate thumbprint (`x5t#S256` of a certificate-bound access token's `cnf`):
 * base64url (no padding) of the SHA-256 of the certificate's DER encoding.
 *
 * @param pem one PEM certificate (`clientCert.clientCertPem`).
 * @returns 43 base64url characters.
 * @throws {AuthenticationError} `malformed_certificate` when `pem` is not exactly one parsable certificate.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3.1
 */
export function certificateThumbprint(pem: string): string {
  return createHash("sha256").update(parseClientCertificate(pem).raw).digest("base64url");
}

/** SHA-256 fingerprint of a certificate: 64 lower-case hex digits, no colons. */
export function fingerprintOf(certificate: X509Certificate): string {
  return createHash("sha256").update(certificate.raw).digest("hex");
}

// ---- Distinguished names --------------------------------------------------------------------------

/** One attribute of a DN, as written (unescaped), e.g. `{type: "CN", value: "orders-client"}`. */
export interface DnAttribute {
  readonly type: string;
  readonly value: string;
}

const TYPE_ALIASES: Readonly<Record<string, string>> = { E: "EMAILADDRESS", EMAIL: "EMAILADDRESS", S: "ST" };

/** Split `text` at each unescaped character of `separators` (a `\` escapes the next character). */
function splitUnescaped(text: string, separators: string): string[] {
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] as string;
    if (char === "\\" && i + 1 < text.length) {
      current += char + (text[i + 1] as string);
      i += 1;
    } else if (separators.includes(char)) {
      parts.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

/** Remove RFC 4514 §2.4 escapes: `\,` → `,`, `\2C` → the byte 0x2C (hex pairs decoded as UTF-8). */
function unescapeValue(value: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i += 1) {
    const char = value[i] as string;
    const hex = char === "\\" ? /^[0-9A-Fa-f]{2}/.exec(value.slice(i + 1, i + 3)) : null;
    if (hex !== null) {
      bytes.push(Number.parseInt(hex[0], 16));
      i += 2;
    } else if (char === "\\" && i + 1 < value.length) {
      bytes.push(...Buffer.from(value[i + 1] as string, "utf8"));
      i += 1;
    } else {
      bytes.push(...Buffer.from(char, "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** RFC 4514 §2.4 escaping of one value, for display (`context.subjectDN`). */
function escapeValue(value: string): string {
  return value.replace(/[,+"\\<>;]/g, (char) => `\\${char}`).replace(/^([ #])/, "\\$1").replace(/ $/, "\\ ");
}

function parseAttributes(parts: readonly string[]): DnAttribute[] | undefined {
  const attributes: DnAttribute[] = [];
  for (const part of parts) {
    const [rawType, ...rest] = splitUnescaped(part, "=");
    const type = rawType?.trim() ?? "";
    if (type === "" || rest.length === 0 || !/^[A-Za-z][A-Za-z0-9-]*$|^\d+(\.\d+)+$/.test(type)) return undefined;
    attributes.push({ type, value: unescapeValue(rest.join("=").trim()) });
  }
  return attributes;
}

/**
 * Parse a DN written in configuration: RFC 4514 or API Gateway's form, attributes separated by `,`
 * (multi-valued RDNs by `+`), `\` escapes. Order is kept as written.
 * @returns the attributes, or `undefined` when `text` is not a DN.
 */
export function parseDn(text: string): DnAttribute[] | undefined {
  if (text.trim() === "") return undefined;
  return parseAttributes(splitUnescaped(text, ",+"));
}

/** The attributes of Node's `X509Certificate.subject` / `.issuer` (one RDN a line, RFC 4514 escapes), in certificate order. */
export function dnOfCertificateName(name: string): DnAttribute[] {
  return parseAttributes(name.split("\n").filter((line) => line !== "").flatMap((line) => splitUnescaped(line, "+"))) ?? [];
}

/** A DN for display, in certificate order, the way API Gateway writes `subjectDN`: `C=US,O=Example Corp,CN=client`. */
export function formatDn(attributes: readonly DnAttribute[]): string {
  return attributes.map(({ type, value }) => `${type}=${escapeValue(value)}`).join(",");
}

/** The comparison key of a DN in the given order (see the module docs). */
export function dnKey(attributes: readonly DnAttribute[]): string {
  return JSON.stringify(attributes.map(({ type, value }) => {
    const upper = type.toUpperCase();
    return [TYPE_ALIASES[upper] ?? upper, value.trim().replace(/\s+/g, " ").toLowerCase()];
  }));
}

/** Both keys a configured DN matches: as written and reversed (RFC 4514 strings list the RDNs last-first). */
export function dnKeys(attributes: readonly DnAttribute[]): string[] {
  return [dnKey(attributes), dnKey([...attributes].reverse())];
}

/** The first `CN` of a certificate name, or `undefined`. */
export function commonNameOf(attributes: readonly DnAttribute[]): string | undefined {
  return attributes.find((attribute) => attribute.type.toUpperCase() === "CN")?.value;
}

// ---- Subject alternative names --------------------------------------------------------------------

/** One subject alternative name: `{type: "DNS" | "URI" | "EMAIL" | "IP" | other, value}`. */
export interface AltName {
  readonly type: string;
  readonly value: string;
}

const SAN_TYPES: Readonly<Record<string, string>> = { DNS: "DNS", URI: "URI", EMAIL: "EMAIL", "IP ADDRESS": "IP", IP: "IP" };

/** Canonical IPv4 / IPv6 text (`0:0:0:0:0:0:0:1` → `::1`), or `undefined` when not an address. */
function canonicalIp(value: string): string | undefined {
  const bare = value.replace(/^\[|\]$/g, "");
  try {
    const host = new URL(`http://${bare.includes(":") ? `[${bare}]` : bare}/`).hostname;
    return /^[\d.]+$/.test(host) || host.startsWith("[") ? host.replace(/^\[|\]$/g, "") : undefined;
  } catch {
    return undefined;
  }
}

/** The comparison key of a SAN: `TYPE:value` normalised (see the module docs), or `undefined` for an unusable IP. */
export function altNameKey({ type, value }: AltName): string | undefined {
  const upper = SAN_TYPES[type.toUpperCase()] ?? type.toUpperCase();
  if (upper === "DNS") return `DNS:${value.toLowerCase().replace(/\.$/, "")}`;
  if (upper === "EMAIL") return `EMAIL:${value.toLowerCase()}`;
  if (upper === "IP") {
    const ip = canonicalIp(value);
    return ip === undefined ? undefined : `IP:${ip}`;
  }
  return `${upper}:${value}`;
}

/**
 * Parse a SAN written in configuration: `DNS:orders-client.example.com`, `URI:spiffe://example.com/orders`,
 * `EMAIL:ops@example.com`, `IP:192.0.2.10`.
 * @returns the SAN, or `undefined` when it has no known `TYPE:` prefix or an unusable value.
 */
export function parseAltName(text: string): AltName | undefined {
  const at = text.indexOf(":");
  if (at <= 0) return undefined;
  const type = SAN_TYPES[text.slice(0, at).trim().toUpperCase()];
  const value = text.slice(at + 1).trim();
  if (type === undefined || value === "") return undefined;
  const name = { type, value };
  return altNameKey(name) === undefined ? undefined : name;
}

/**
 * The SANs of Node's `X509Certificate.subjectAltName` (`DNS:a, URI:b, IP Address:c`, values with special
 * characters JSON-quoted), in certificate order.
 */
export function altNamesOfCertificate(subjectAltName: string | undefined): AltName[] {
  const names: AltName[] = [];
  if (subjectAltName === undefined) return names;
  let rest = subjectAltName;
  while (rest !== "") {
    const at = rest.indexOf(":");
    if (at <= 0) break;
    const rawType = rest.slice(0, at);
    rest = rest.slice(at + 1);
    let value: string;
    if (rest.startsWith('"')) {
      const end = /^"(?:[^"\\]|\\.)*"/.exec(rest);
      if (end === null) break;
      value = JSON.parse(end[0]) as string;
      rest = rest.slice(end[0].length);
    } else {
      const comma = rest.indexOf(", ");
      value = comma === -1 ? rest : rest.slice(0, comma);
      rest = comma === -1 ? "" : rest.slice(comma);
    }
    rest = rest.replace(/^, /, "");
    names.push({ type: SAN_TYPES[rawType.toUpperCase()] ?? rawType, value });
  }
  return names;
}

// ---- Serial numbers and fingerprints ---------------------------------------------------------------

/** A serial number in its comparison form (lower-case hex, no colons, no leading zeros), or `undefined` when not hex. */
export function normaliseSerial(text: string): string | undefined {
  const hex = text.trim().replace(/[:\s]/g, "").toLowerCase();
  if (!/^[0-9a-f]{1,42}$/.test(hex)) return undefined;
  return hex.replace(/^0+(?=.)/, "");
}

/** A SHA-256 fingerprint in its comparison form (64 lower-case hex digits), or `undefined`. */
export function normaliseFingerprint(text: string): string | undefined {
  const hex = text.trim().replace(/[:\s]/g, "").toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : undefined;
}
