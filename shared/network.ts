/**
 * Network conditions, like API Gateway resource policies' `aws:SourceIp` and `aws:SourceVpce`: allowed
 * and denied source IP ranges (IPv4 and IPv6 CIDR) and allowed VPC endpoint ids for private APIs. A caller
 * outside them gets a Deny with reason `network_denied`, before any credential is looked at.
 *
 * Addresses are parsed and matched by Node's own `net.isIP` and `net.BlockList` (no dependency to ship);
 * IPv4-mapped IPv6 addresses (`::ffff:203.0.113.7`) match IPv4 ranges.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-examples.html
 * @module
 */
import { BlockList, isIP } from "node:net";
import type { AuthRequest } from "./events/types.ts";

/** A parsed range: network address, prefix length, family. */
export interface Range {
  readonly network: string;
  readonly prefix: number;
  readonly family: "ipv4" | "ipv6";
}

/** Parsed network conditions; empty lists impose nothing. */
export interface NetworkPolicy {
  /** The caller's source IP must be in one of these (`ALLOWED_SOURCE_IPS`). */
  readonly allowed: BlockList | undefined;
  /** The caller's source IP must be in none of these (`DENIED_SOURCE_IPS`); a deny wins over an allow. */
  readonly denied: BlockList | undefined;
  /** The request must arrive through one of these VPC endpoints (`ALLOWED_VPC_ENDPOINTS`, `vpce-...`). */
  readonly vpcEndpoints: readonly string[];
}

/**
 * Parse an address or CIDR (`203.0.113.0/24`, `2001:db8::/32`, `198.51.100.7` = `/32`).
 * @returns the range, or a string saying why not.
 */
export function parseRange(text: string): Range | string {
  const [address = "", prefixText, extra] = text.split("/");
  const version = isIP(address);
  const bits = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (version === 0 || extra !== undefined || !(prefix >= 0 && prefix <= bits)) return `"${text}" is not an IP address or CIDR range`;
  return { network: address, prefix, family: version === 4 ? "ipv4" : "ipv6" };
}

/** A `BlockList` of `ranges`, or `undefined` for none. */
export function toBlockList(ranges: readonly Range[]): BlockList | undefined {
  if (ranges.length === 0) return undefined;
  const list = new BlockList();
  for (const range of ranges) list.addSubnet(range.network, range.prefix, range.family);
  return list;
}

function inRanges(ip: string, list: BlockList): boolean {
  const version = isIP(ip);
  return version !== 0 && list.check(ip, version === 4 ? "ipv4" : "ipv6");
}

/** `true` when the policy imposes anything. */
export function hasNetworkConditions(policy: NetworkPolicy): boolean {
  return policy.allowed !== undefined || policy.denied !== undefined || policy.vpcEndpoints.length > 0;
}

/**
 * Whether `req` meets `policy`. A request without a source IP (REST TOKEN events carry none) fails any
 * IP condition, and one without a VPC endpoint id fails a VPC condition: unknown is outside.
 */
export function networkAllows(policy: NetworkPolicy, req: AuthRequest): boolean {
  if (policy.denied !== undefined && (req.sourceIp === undefined || inRanges(req.sourceIp, policy.denied))) return false;
  if (policy.allowed !== undefined && (req.sourceIp === undefined || !inRanges(req.sourceIp, policy.allowed))) return false;
  if (policy.vpcEndpoints.length > 0 && (req.vpceId === undefined || !policy.vpcEndpoints.includes(req.vpceId))) return false;
  return true;
}
