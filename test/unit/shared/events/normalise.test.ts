import { describe, expect, it } from "vitest";
import { AuthenticationError, ReasonCode } from "../../../../shared/errors.ts";
import { toAuthRequest } from "../../../../shared/events/normalise.ts";
import { EventKind, routeOf, type AuthRequest } from "../../../../shared/events/types.ts";
import { listEvents, loadEvent } from "../../../helpers/events.ts";

const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJub3JtYWxpc2UifQ.c2lnbmF0dXJl";
const ARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/orders/123";

/** What each recorded event must normalise to. */
const EXPECTED: Record<string, Partial<AuthRequest> & { stage: string; partition: string }> = {
  "http-v1/valid.json": { kind: EventKind.httpV1, method: "GET", path: "/orders/123", routeKey: "GET /orders/{id}", stage: "prod", partition: "aws" },
  "http-v2/default-route.json": { kind: EventKind.httpV2, method: "POST", path: "/orders", routeKey: "$default", stage: "$default", partition: "aws" },
  "http-v2/default-stage.json": { kind: EventKind.httpV2, method: "GET", path: "/orders/123", routeKey: "GET /orders/{id}", stage: "$default", partition: "aws" },
  "http-v2/missing-token.json": { kind: EventKind.httpV2, method: "GET", path: "/orders/123", routeKey: "GET /orders/{id}", stage: "$default", partition: "aws" },
  "http-v2/mtls.json": { kind: EventKind.httpV2, method: "GET", path: "/orders/123", routeKey: "GET /orders/{id}", stage: "prod", partition: "aws" },
  "http-v2/valid.json": { kind: EventKind.httpV2, method: "GET", path: "/orders/123", routeKey: "GET /orders/{id}", stage: "prod", partition: "aws" },
  "rest-request/cn-partition.json": { kind: EventKind.restRequest, method: "GET", path: "/orders/123", routeKey: "GET /orders/{id}", stage: "prod", partition: "aws-cn" },
  "rest-request/mtls.json": { kind: EventKind.restRequest, method: "GET", path: "/orders/123", routeKey: "GET /orders/{id}", stage: "prod", partition: "aws" },
  "rest-request/proxy-resource.json": { kind: EventKind.restRequest, method: "DELETE", path: "/admin/users/7", routeKey: "DELETE /admin/{proxy+}", stage: "prod", partition: "aws" },
  "rest-request/valid.json": { kind: EventKind.restRequest, method: "GET", path: "/orders/123", routeKey: "GET /orders/{id}", stage: "prod", partition: "aws" },
  "rest-token/missing-token.json": { kind: EventKind.restToken, method: "GET", path: "/orders/123", routeKey: undefined, stage: "prod", partition: "aws" },
  "rest-token/no-bearer.json": { kind: EventKind.restToken, method: "GET", path: "/orders/123", routeKey: undefined, stage: "prod", partition: "aws" },
  "rest-token/valid.json": { kind: EventKind.restToken, method: "GET", path: "/orders/123", routeKey: undefined, stage: "prod", partition: "aws" },
  "websocket-connect/valid.json": { kind: EventKind.websocketConnect, method: "", path: "$connect", routeKey: "$connect", stage: "prod", partition: "aws" },
};

/** A minimal REST REQUEST event; `overrides` replace its top-level fields. */
function restRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "REQUEST",
    methodArn: ARN,
    resource: "/orders/{id}",
    path: "/orders/123",
    httpMethod: "GET",
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: {},
    multiValueQueryStringParameters: {},
    requestContext: { stage: "prod", identity: { sourceIp: "203.0.113.25" } },
    ...overrides,
  };
}

/** A minimal HTTP API 2.0 event; `overrides` replace its top-level fields. */
function httpV2(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: "2.0",
    type: "REQUEST",
    routeArn: ARN,
    identitySource: [`Bearer ${TOKEN}`],
    routeKey: "GET /orders/{id}",
    rawPath: "/prod/orders/123",
    rawQueryString: "",
    headers: { authorization: `Bearer ${TOKEN}` },
    requestContext: { http: { method: "GET", path: "/prod/orders/123", sourceIp: "198.51.100.1" }, stage: "prod" },
    ...overrides,
  };
}

function malformedReason(event: unknown): string | undefined {
  try {
    toAuthRequest(event);
  } catch (error) {
    if (error instanceof AuthenticationError) return error.reason;
    throw error;
  }
  return undefined;
}

describe("toAuthRequest", () => {
  describe("recorded events", () => {
    it("knows every file in events/", () => {
      // Assess: a new recorded event must be added to EXPECTED, so it gets checked here
      expect(listEvents()).toEqual(Object.keys(EXPECTED).sort());
    });

    it.each(Object.entries(EXPECTED))("normalises %s", async (file, expected) => {
      // Prepare
      const event = await loadEvent(file, { token: TOKEN });

      // Act
      const req = toAuthRequest(event);

      // Assess
      expect(req.kind).toBe(expected.kind);
      expect(req.method).toBe(expected.method);
      expect(req.path).toBe(expected.path);
      expect(req.routeKey).toBe(expected.routeKey);
      expect(req.arn).toMatchObject({ partition: expected.partition, accountId: "123456789012", apiId: "abcdef123", stage: expected.stage });
      expect(req.resourceArn).toBe(event.routeArn ?? event.methodArn);
      for (const name of Object.keys(req.headers)) expect(name).toBe(name.toLowerCase());
      expect(Object.keys(req.headers).length).toBe(Object.keys(event.headers ?? {}).length);
    });

    it("reads the bearer header of every REQUEST-style event under the lower-case name", async () => {
      for (const file of Object.keys(EXPECTED).filter((name) => !name.startsWith("rest-token/") && !name.includes("missing-token"))) {
        const req = toAuthRequest(await loadEvent(file, { token: TOKEN }));
        expect(req.headers.authorization, file).toBe(`Bearer ${TOKEN}`);
      }
    });

    it("keeps the TOKEN event's authorizationToken as received", async () => {
      const req = toAuthRequest(await loadEvent("rest-token/valid.json", { token: TOKEN }));

      expect(req.authorizationToken).toBe(`Bearer ${TOKEN}`);
      expect(req.headers).toEqual({});
      expect(req.query).toEqual({});
      expect(req.identitySource).toEqual([]);
    });

    it("does not take authorizationToken from an HTTP API 1.0 event", async () => {
      const req = toAuthRequest(await loadEvent("http-v1/valid.json", { token: TOKEN }));

      expect(req.authorizationToken).toBeUndefined();
    });

    it("takes the source IP from identity (REST) and from http (2.0)", async () => {
      expect(toAuthRequest(await loadEvent("rest-request/valid.json", { token: TOKEN })).sourceIp).toBe("203.0.113.25");
      expect(toAuthRequest(await loadEvent("http-v2/default-route.json", { token: TOKEN })).sourceIp).toBe("198.51.100.23");
      expect(toAuthRequest(await loadEvent("websocket-connect/valid.json", { token: TOKEN })).sourceIp).toBe("203.0.113.25");
    });

    it("reads the WebSocket query token", async () => {
      const req = toAuthRequest(await loadEvent("websocket-connect/valid.json", { token: TOKEN }));

      expect(req.query).toEqual({ token: TOKEN });
      expect(routeOf(req)).toBe("$connect");
    });
  });

  describe("headers", () => {
    it("lower-cases header names given in any case", () => {
      const req = toAuthRequest(restRequest({ headers: { AUTHORIZATION: "Bearer a", "X-Custom-Header": "v", host: "h" } }));

      expect(req.headers).toEqual({ authorization: "Bearer a", "x-custom-header": "v", host: "h" });
    });

    it("merges one header sent twice in different case with the same value", () => {
      const req = toAuthRequest(restRequest({ headers: { Authorization: `Bearer ${TOKEN}`, authorization: `Bearer ${TOKEN}` } }));

      expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    });

    it("joins one header sent twice in different case with different values by ', '", () => {
      const req = toAuthRequest(restRequest({ headers: { Authorization: "Bearer first", authorization: "Bearer second" } }));

      expect(req.headers.authorization).toBe("Bearer first, Bearer second");
    });

    it("joins the different values of a multi-value header", () => {
      const req = toAuthRequest(
        restRequest({ headers: { Authorization: "Bearer second" }, multiValueHeaders: { Authorization: ["Bearer first", "Bearer second"] } }),
      );

      expect(req.headers.authorization).toBe("Bearer first, Bearer second");
    });

    it("reads headers from multiValueHeaders alone", () => {
      const req = toAuthRequest(restRequest({ headers: undefined, multiValueHeaders: { Authorization: ["Bearer only"], Accept: ["a/b"] } }));

      expect(req.headers).toEqual({ authorization: "Bearer only", accept: "a/b" });
    });

    it("accepts null header and query maps", () => {
      const req = toAuthRequest(
        restRequest({ headers: null, multiValueHeaders: null, queryStringParameters: null, multiValueQueryStringParameters: null }),
      );

      expect(req.headers).toEqual({});
      expect(req.query).toEqual({});
      expect(req.cookies).toEqual({});
    });

    it("ignores header values that are not strings", () => {
      const req = toAuthRequest(restRequest({ headers: { Authorization: null, Accept: 3 }, multiValueHeaders: { Authorization: [null, 5] } }));

      expect(req.headers).toEqual({});
    });

    it("keeps query parameter names as sent and joins different values", () => {
      const req = toAuthRequest(
        restRequest({ queryStringParameters: { Token: "b" }, multiValueQueryStringParameters: { Token: ["a", "b"], token: ["c"] } }),
      );

      expect(req.query).toEqual({ Token: "a, b", token: "c" });
    });

    it("has no inherited names such as constructor or toString in its maps", () => {
      const req = toAuthRequest(restRequest({ headers: { accept: "y" } }));

      expect("constructor" in req.headers).toBe(false);
      expect("toString" in req.query).toBe(false);
      expect("hasOwnProperty" in req.cookies).toBe(false);
    });
  });

  describe("ARNs and routes", () => {
    it("reads a `*` stage (console test invocation)", () => {
      const req = toAuthRequest(restRequest({ methodArn: "arn:aws:execute-api:us-east-1:123456789012:abcdef123/*/GET/orders/123" }));

      expect(req.arn.stage).toBe("*");
      expect(req.method).toBe("GET");
      expect(req.path).toBe("/orders/123");
    });

    it("reads a $default stage", () => {
      const req = toAuthRequest(httpV2({ routeArn: "arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/GET/orders/123" }));

      expect(req.arn.stage).toBe("$default");
      expect(req.arn.route).toBe("GET/orders/123");
    });

    it("keeps the called path of a {proxy+} resource and the template in the route key", () => {
      const req = toAuthRequest(
        restRequest({
          methodArn: "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/DELETE/admin/users/7",
          resource: "/admin/{proxy+}",
          httpMethod: "DELETE",
        }),
      );

      expect(req.method).toBe("DELETE");
      expect(req.path).toBe("/admin/users/7");
      expect(req.routeKey).toBe("DELETE /admin/{proxy+}");
      expect(routeOf(req)).toBe("DELETE /admin/{proxy+}");
    });

    it("takes the route key of a REST REQUEST from requestContext when the top level has none", () => {
      const req = toAuthRequest(
        restRequest({ resource: undefined, httpMethod: undefined, requestContext: { resourcePath: "/orders/{id}", httpMethod: "GET" } }),
      );

      expect(req.routeKey).toBe("GET /orders/{id}");
    });

    it("names a TOKEN event's route by method and path", () => {
      const req = toAuthRequest({ type: "TOKEN", methodArn: ARN, authorizationToken: "x" });

      expect(req.routeKey).toBeUndefined();
      expect(routeOf(req)).toBe("GET /orders/123");
    });

    it("reads an ARN without a route as method '' and path '/'", () => {
      const req = toAuthRequest({ type: "TOKEN", methodArn: "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod", authorizationToken: "x" });

      expect(req.arn.route).toBe("");
      expect(req.path).toBe("/");
    });

    it.each(["aws", "aws-cn", "aws-us-gov"])("keeps the %s partition", (partition) => {
      const region = partition === "aws-cn" ? "cn-north-1" : partition === "aws-us-gov" ? "us-gov-west-1" : "eu-west-1";
      const req = toAuthRequest(restRequest({ methodArn: `arn:${partition}:execute-api:${region}:123456789012:abcdef123/prod/GET/x` }));

      expect(req.arn.partition).toBe(partition);
      expect(req.arn.region).toBe(region);
    });
  });

  describe("identitySource", () => {
    it("wraps the 1.0 string in an array", () => {
      const req = toAuthRequest(restRequest({ version: "1.0", identitySource: "Bearer abc" }));

      expect(req.identitySource).toEqual(["Bearer abc"]);
    });

    it("keeps the 2.0 array, without non-strings", () => {
      const req = toAuthRequest(httpV2({ identitySource: ["Bearer abc", 7, null, "other"] }));

      expect(req.identitySource).toEqual(["Bearer abc", "other"]);
    });

    it("is empty when absent", () => {
      const req = toAuthRequest(httpV2({ identitySource: undefined }));

      expect(req.identitySource).toEqual([]);
    });
  });

  describe("client certificates", () => {
    it("reads the REST certificate from requestContext.identity.clientCert", async () => {
      const req = toAuthRequest(await loadEvent("rest-request/mtls.json", { token: TOKEN }));

      expect(req.clientCert?.clientCertPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
      expect(req.clientCert?.serialNumber).toBe("3a:7f:0c:91:d2:e4:b8:05:6a:1f");
    });

    it("reads the 2.0 certificate from requestContext.authentication.clientCert", async () => {
      const req = toAuthRequest(await loadEvent("http-v2/mtls.json", { token: TOKEN }));

      expect(req.clientCert?.clientCertPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
      expect(req.clientCert?.subjectDN).toContain("CN=orders-client.example.com");
    });

    it("has no certificate when the event carries none, or one without a PEM", async () => {
      expect(toAuthRequest(await loadEvent("rest-request/valid.json", { token: TOKEN })).clientCert).toBeUndefined();
      expect(toAuthRequest(httpV2({ requestContext: { authentication: { clientCert: { subjectDN: "CN=x" } } } })).clientCert).toBeUndefined();
    });
  });

  describe("cookies", () => {
    it("reads the 2.0 cookies array", async () => {
      const req = toAuthRequest(await loadEvent("http-v2/valid.json", { token: TOKEN }));

      expect(req.cookies).toEqual({ theme: "dark", locale: "en-US" });
    });

    it("reads a Cookie header", async () => {
      const req = toAuthRequest(await loadEvent("rest-request/proxy-resource.json", { token: TOKEN }));

      expect(req.cookies).toEqual({ theme: "dark", locale: "en-US" });
    });

    it("keeps '=' inside a cookie value and skips pairs without a name", () => {
      const req = toAuthRequest(restRequest({ headers: { Cookie: `session=${TOKEN}==;=x; flag; a=1` } }));

      expect(req.cookies).toEqual({ session: `${TOKEN}==`, a: "1" });
    });

    it("joins a cookie sent twice with different values", () => {
      const req = toAuthRequest(httpV2({ cookies: ["session=a", "session=b", "other=c"] }));

      expect(req.cookies).toEqual({ session: "a, b", other: "c" });
    });

    it("reads two Cookie headers (different case) as one list", () => {
      const req = toAuthRequest(restRequest({ headers: { Cookie: "a=1", cookie: "b=2" } }));

      expect(req.cookies).toEqual({ a: "1", b: "2" });
    });
  });

  describe("events it cannot read", () => {
    it.each([
      ["null", null],
      ["a string", "TOKEN"],
      ["an array", [{ type: "TOKEN", methodArn: ARN }]],
      ["an unknown type", { type: "COGNITO", methodArn: ARN }],
      ["no type or version", { methodArn: ARN }],
      ["an unknown version", { version: "3.0", routeArn: ARN }],
      ["a TOKEN event without methodArn", { type: "TOKEN", authorizationToken: "x" }],
      ["a methodArn that is not a string", { type: "TOKEN", methodArn: 42 }],
      ["a 2.0 event without routeArn", { version: "2.0", type: "REQUEST", methodArn: ARN }],
      ["a non execute-api ARN", { type: "TOKEN", methodArn: "arn:aws:lambda:us-east-1:123456789012:function:f" }],
      ["a garbage ARN", { type: "REQUEST", methodArn: "not-an-arn" }],
      ["an ARN without a stage", { type: "TOKEN", methodArn: "arn:aws:execute-api:us-east-1:123456789012:abcdef123" }],
      ["an ARN with a short account id", { type: "TOKEN", methodArn: "arn:aws:execute-api:us-east-1:12345:abcdef123/prod/GET/x" }],
    ])("throws malformed_event for %s", (_name, event) => {
      expect(malformedReason(event)).toBe(ReasonCode.malformedEvent);
    });

    it("throws an AuthenticationError whose message names no event content", () => {
      expect(() => toAuthRequest({ type: "TOKEN", methodArn: "arn:aws:s3:::secret-bucket" })).toThrow(AuthenticationError);
      expect(() => toAuthRequest({ type: "TOKEN", methodArn: "arn:aws:s3:::secret-bucket" })).not.toThrow(/secret-bucket/);
    });
  });
});
