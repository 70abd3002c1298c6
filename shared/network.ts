/**
 * Network conditions, like API Gateway resource policies' `aws:SourceIp` and `aws:SourceVpce`: allowed
 * and denied source IP ranges (IPv4 and IPv6 CIDR) and allowed VPC endpoint ids for private APIs. A caller
 * outside them gets a Deny with reason `network_denied`, before any credential is looked at.
 *
 * Addresses are parsed by ipaddr.js; IPv4-mapped IPv6 addresses (`::ffff:203.0.113.7`) count as IPv4.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-examples.html
 * @module
 */
import ipaddr from "ipaddr.js";
import type { AuthRequest } from "./events/types.ts";

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Parsed network conditions; empty lists impose nothing. */
export interface NetworkPolicy {
  /** The caller's source IP must be in one of these (`ALLOWED_SOURCE_IPS`). */
  readonly allowed: readonly Range[];
  /** The caller's source IP must be in none of these (`DENIED_SOURCE_IPS`); a deny wins over an allow. */
  readonly denied: readonly Range[];
  /** The request must arrive through one of these VPC endpoints (`ALLOWED_VPC_ENDPOINTS`, `vpce-...`). */
  readonly vpcEndpoints: readonly string[];
}

/**
 * Parse an address or CIDR (`203.0.113.0/24`, `2001:db8::/32`, `198.51.100.7` = `/32`).
 * @returns the range, or a string saying why not.
 */
export function parseRange(text: string): Range | string {
  try {
    if (text.includes("/")) return ipaddr.parseCIDR(text);
    const address = ipaddr.parse(text);
    return [address, address.kind() === "ipv4" ? 32 : 128];
  } catch {
    return `"${text}" is not an IP address or CIDR range`;
  }
}

function inRanges(ip: string, ranges: readonly Range[]): boolean {
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = ipaddr.process(ip);
  } catch {
    return false;
  }
  return ranges.some((range) => range[0].kind() === address.kind() && address.match(range));
}

/** `true` when the policy imposes anything. */
export function hasNetworkConditions(policy: NetworkPolicy): boolean {
  return policy.allowed.length > 0 || policy.denied.length > 0 || policy.vpcEndpoints.length > 0;
}

/**
 * Whether `req` meets `policy`. A request without a source IP (REST TOKEN events carry none) fails any
 * IP condition, and one without a VPC endpoint id fails a VPC condition: unknown is outside.
 */
export function networkAllows(policy: NetworkPolicy, req: AuthRequest): boolean {
  if (policy.denied.length > 0 && (req.sourceIp === undefined || inRanges(req.sourceIp, policy.denied))) return false;
  if (policy.allowed.length > 0 && (req.sourceIp === undefined || !inRanges(req.sourceIp, policy.allowed))) return false;
  if (policy.vpcEndpoints.length > 0 && (req.vpceId === undefined || !policy.vpcEndpoints.includes(req.vpceId))) return false;
  return true;
}
