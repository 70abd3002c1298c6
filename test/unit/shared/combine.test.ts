import { describe, expect, it } from "vitest";
import { certificateThumbprint } from "../../../functions/mtls/certificate.ts";
import { authenticate, describeRequirement, requirementSchema, schemeNames, type Requirement } from "../../../shared/combine.ts";
import type { Principal } from "../../../shared/decide.ts";
import { AuthenticationError, AuthorizationError, ReasonCode, type ReasonCode as Reason } from "../../../shared/errors.ts";
import { toAuthRequest } from "../../../shared/events/normalise.ts";
import type { Scheme } from "../../../shared/scheme.ts";
import { loadEvent } from "../../helpers/events.ts";
import * as v from "valibot";

type Behaviour = Principal | { fail: Reason; forbidden?: boolean };

/** A scheme whose outcome the test fixes: the combinators are under test, not the verifiers. */
function scheme(name: string, behaviour: Behaviour, calls: string[] = []): Scheme {
  return {
    name,
    extract: () => ({ source: name, value: "x" }),
    verify: () => {
      calls.push(name);
      if ("fail" in behaviour) {
        const error = behaviour.forbidden === true ? new AuthorizationError(behaviour.fail, name) : new AuthenticationError(behaviour.fail, name);
        return Promise.reject(error);
      }
      return Promise.resolve(behaviour);
    },
  };
}

const principal = (id: string, extra: Partial<Principal> = {}): Principal => ({ principalId: id, claims: { sub: id, from: id }, scopes: [`${id}:scope`], groups: [], ...extra });

async function outcome(requirement: Requirement, schemes: Scheme[], file = "rest-request/valid.json") {
  const req = toAuthRequest(await loadEvent(file, { token: "t" }));
  try {
    return await authenticate(requirement, new Map(schemes.map((s) => [s.name, s])), req, certificateThumbprint);
  } catch (error) {
    return { failed: (error as AuthenticationError).reason, status: error instanceof AuthorizationError ? 403 : 401 };
  }
}

describe("scheme requirements", () => {
  it("parses nested expressions and refuses malformed ones", () => {
    expect(v.safeParse(requirementSchema, { allOf: ["mtls", { anyOf: ["jwt", "apiKey"] }], certificateBound: true }).success).toBe(true);
    expect(v.safeParse(requirementSchema, { anyOf: [] }).success).toBe(false);
    expect(v.safeParse(requirementSchema, { oneOf: ["jwt"] }).success).toBe(false);
    expect(v.safeParse(requirementSchema, "j-w-t").success).toBe(false);
    expect(schemeNames({ allOf: ["mtls", { anyOf: ["jwt", "mtls"] }] })).toEqual(["mtls", "jwt"]);
    expect(describeRequirement({ allOf: ["mtls", { anyOf: ["jwt", "apiKey"] }], certificateBound: true })).toBe("allOf(mtls, anyOf(jwt, apiKey))+certificateBound");
  });

  it("anyOf: the first successful branch decides, and every scheme is tried once", async () => {
    const calls: string[] = [];
    const result = await outcome({ anyOf: ["jwt", "apiKey"] }, [scheme("jwt", principal("j"), calls), scheme("apiKey", principal("k"), calls)]);
    expect(result).toMatchObject({ principalId: "j", schemes: ["jwt", "apiKey"] });
    expect(calls.sort()).toEqual(["apiKey", "jwt"]);
  });

  it("anyOf: a later branch decides when the first fails", async () => {
    const result = await outcome({ anyOf: ["jwt", "apiKey"] }, [scheme("jwt", { fail: ReasonCode.missingToken }), scheme("apiKey", principal("k"))]);
    expect(result).toMatchObject({ principalId: "k", schemes: ["apiKey"] });
  });

  it("anyOf: reports the most specific failure (a bad credential over a missing one, a 403 over a 401)", async () => {
    expect(await outcome({ anyOf: ["jwt", "apiKey"] }, [scheme("jwt", { fail: ReasonCode.missingToken }), scheme("apiKey", { fail: ReasonCode.revokedKey })]))
      .toEqual({ failed: "revoked_key", status: 401 });
    expect(await outcome({ anyOf: ["jwt", "apiKey"] }, [scheme("jwt", { fail: ReasonCode.expired }), scheme("apiKey", { fail: ReasonCode.insufficientScope, forbidden: true })]))
      .toEqual({ failed: "insufficient_scope", status: 403 });
  });

  it("allOf: needs every branch and merges principals (first id wins, scopes united)", async () => {
    const result = await outcome({ allOf: ["mtls", "jwt"] }, [scheme("mtls", principal("cert-cn")), scheme("jwt", principal("user", { usageIdentifierKey: "k1" }))]);
    expect(result).toMatchObject({ principalId: "cert-cn", scopes: ["cert-cn:scope", "user:scope"], usageIdentifierKey: "k1", schemes: ["mtls", "jwt"] });
    expect((result as Principal).claims.from).toBe("cert-cn");
  });

  it("allOf: one failing branch fails it, with that branch's reason", async () => {
    expect(await outcome({ allOf: ["mtls", "jwt"] }, [scheme("mtls", { fail: ReasonCode.missingToken }), scheme("jwt", principal("u"))]))
      .toEqual({ failed: "missing_token", status: 401 });
  });

  describe("certificate-bound tokens (RFC 8705)", () => {
    it("accepts a token whose cnf.x5t#S256 is the client certificate's thumbprint, and refuses a mismatching one", async () => {
      const event = await loadEvent<{ requestContext: { authentication: { clientCert: { clientCertPem: string } } } }>("http-v2/mtls.json", { token: "t" });
      const thumbprint = certificateThumbprint(event.requestContext.authentication.clientCert.clientCertPem);
      const bound = { allOf: ["mtls", "jwt"], certificateBound: true } as const;
      const matching = await outcome(bound, [scheme("mtls", principal("cn")), scheme("jwt", principal("u", { claims: { sub: "u", cnf: { "x5t#S256": thumbprint } } }))], "http-v2/mtls.json");
      expect(matching).toMatchObject({ principalId: "cn" });
      const other = await outcome(bound, [scheme("mtls", principal("cn")), scheme("jwt", principal("u", { claims: { sub: "u", cnf: { "x5t#S256": "A".repeat(43) } } }))], "http-v2/mtls.json");
      expect(other).toEqual({ failed: "certificate_binding_mismatch", status: 401 });
      const unbound = await outcome(bound, [scheme("mtls", principal("cn")), scheme("jwt", principal("u"))], "http-v2/mtls.json");
      expect(unbound).toEqual({ failed: "certificate_binding_mismatch", status: 401 });
    });

    it("refuses binding when the request carries no client certificate", async () => {
      const result = await outcome({ allOf: ["mtls", "jwt"], certificateBound: true }, [scheme("mtls", principal("cn")), scheme("jwt", principal("u", { claims: { cnf: { "x5t#S256": "x" } } }))]);
      expect(result).toEqual({ failed: "certificate_binding_mismatch", status: 401 });
    });
  });
});
