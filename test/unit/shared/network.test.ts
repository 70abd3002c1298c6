import { describe, expect, it } from "vitest";
import { EnvReader } from "../../../shared/config/env.ts";
import { readCommonConfig } from "../../../shared/config/common.ts";
import { ConfigError } from "../../../shared/errors.ts";
import { toAuthRequest } from "../../../shared/events/normalise.ts";
import { networkAllows, type NetworkPolicy } from "../../../shared/network.ts";

function policy(env: Record<string, string>): NetworkPolicy {
  const reader = new EnvReader(env);
  const config = readCommonConfig(reader);
  reader.finish();
  return config.network;
}

function request(sourceIp: string | undefined, vpceId?: string) {
  return toAuthRequest({
    type: "REQUEST",
    methodArn: "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/orders/1",
    headers: vpceId === undefined ? {} : { "x-amzn-vpce-id": vpceId },
    requestContext: sourceIp === undefined ? {} : { identity: { sourceIp } },
  });
}

describe("network conditions", () => {
  it.each([
    ["203.0.113.7", true],
    ["203.0.114.7", false],
    ["2001:db8::1", true],
    ["2001:db9::1", false],
    ["::ffff:203.0.113.9", true],
    ["not-an-ip", false],
  ])("ALLOWED_SOURCE_IPS=203.0.113.0/24,2001:db8::/32 admits %s: %s", (ip, expected) => {
    expect(networkAllows(policy({ ALLOWED_SOURCE_IPS: "203.0.113.0/24, 2001:db8::/32" }), request(ip))).toBe(expected);
  });

  it("lets DENIED_SOURCE_IPS win over ALLOWED_SOURCE_IPS, for IPv4 and IPv6", () => {
    const both = policy({ ALLOWED_SOURCE_IPS: "10.0.0.0/8,fd00::/8", DENIED_SOURCE_IPS: "10.1.0.0/16,fd00:bad::/32" });
    expect(networkAllows(both, request("10.2.3.4"))).toBe(true);
    expect(networkAllows(both, request("10.1.3.4"))).toBe(false);
    expect(networkAllows(both, request("fd00::1"))).toBe(true);
    expect(networkAllows(both, request("fd00:bad::1"))).toBe(false);
  });

  it("treats a request without a source IP as outside any IP condition (REST TOKEN events carry none)", () => {
    expect(networkAllows(policy({ ALLOWED_SOURCE_IPS: "0.0.0.0/0" }), request(undefined))).toBe(false);
    expect(networkAllows(policy({ DENIED_SOURCE_IPS: "192.0.2.0/24" }), request(undefined))).toBe(false);
    expect(networkAllows(policy({}), request(undefined))).toBe(true);
  });

  it("checks ALLOWED_VPC_ENDPOINTS against the request's VPC endpoint id", () => {
    const vpc = policy({ ALLOWED_VPC_ENDPOINTS: "vpce-0123456789abcdef0" });
    expect(networkAllows(vpc, request("10.0.0.1", "vpce-0123456789abcdef0"))).toBe(true);
    expect(networkAllows(vpc, request("10.0.0.1", "vpce-0fffffffffffffff0"))).toBe(false);
    expect(networkAllows(vpc, request("10.0.0.1"))).toBe(false);
  });

  it("fails init naming the variable for a bad range", () => {
    expect(() => policy({ ALLOWED_SOURCE_IPS: "10.0.0.0/33", DENIED_SOURCE_IPS: "example.com" })).toThrow(ConfigError);
    expect(() => policy({ ALLOWED_SOURCE_IPS: "10.0.0.0/33" })).toThrow(/ALLOWED_SOURCE_IPS has "10.0.0.0\/33" is not an IP address or CIDR range/);
  });
});
