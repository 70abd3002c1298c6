import { describe, expect, it } from "vitest";
import { checkedHttpsUrl, EnvReader, isLoopbackUrl, type Env } from "../../../../shared/config/env.ts";
import { ConfigError } from "../../../../shared/errors.ts";

const FIX = { fix: "the fix" };

/** The problems `finish()` reports, or `[]` when it does not throw. */
function problemsOf(reader: EnvReader): readonly string[] {
  try {
    reader.finish();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

function reader(env: Env): EnvReader {
  return new EnvReader(env);
}

describe("EnvReader", () => {
  describe("raw", () => {
    it("trims the value", () => {
      expect(reader({ A: "  value \n" }).raw("A")).toBe("value");
    });

    it("treats unset, empty and blank values as unset", () => {
      const env = reader({ EMPTY: "", BLANK: "  \t " });

      expect(env.raw("UNSET")).toBeUndefined();
      expect(env.raw("EMPTY")).toBeUndefined();
      expect(env.raw("BLANK")).toBeUndefined();
    });
  });

  describe("requiredString", () => {
    it("returns the value", () => {
      const env = reader({ ISSUER: " https://issuer.example.com/ " });

      expect(env.requiredString("ISSUER", FIX)).toBe("https://issuer.example.com/");
      expect(problemsOf(env)).toEqual([]);
    });

    it("records a problem naming the variable and the fix when missing, and returns ''", () => {
      const env = reader({ ISSUER: "   " });

      expect(env.requiredString("ISSUER", { fix: "set the exact iss" })).toBe("");
      expect(problemsOf(env)).toEqual(["ISSUER is missing: set the exact iss."]);
    });
  });

  describe("list", () => {
    it("splits on commas, trims and drops blanks, keeping order and repeats (lists may be positional)", () => {
      expect(reader({ L: " a, b ,,a , c," }).list("L", FIX)).toEqual(["a", "b", "a", "c"]);
    });

    it("splits on any whitespace with separator ' '", () => {
      expect(reader({ L: "orders:read \t orders:write\norders:admin" }).list("L", { ...FIX, separator: " " })).toEqual([
        "orders:read",
        "orders:write",
        "orders:admin",
      ]);
    });

    it("keeps commas inside items with separator ' '", () => {
      expect(reader({ L: "a,b c" }).list("L", { ...FIX, separator: " " })).toEqual(["a,b", "c"]);
    });

    it("returns a copy of the default when unset", () => {
      const defaultValue = ["RS256"];
      const value = reader({}).list("L", { ...FIX, defaultValue });

      expect(value).toEqual(["RS256"]);
      expect(value).not.toBe(defaultValue);
    });

    it("returns [] when unset, optional and without a default", () => {
      const env = reader({});

      expect(env.list("L", FIX)).toEqual([]);
      expect(problemsOf(env)).toEqual([]);
    });

    it("records a problem when required and missing", () => {
      const env = reader({ AUDIENCE: "" });

      env.list("AUDIENCE", { ...FIX, required: true });

      expect(problemsOf(env)).toEqual(["AUDIENCE is missing: the fix."]);
    });

    it("records a problem when required and only separators are given", () => {
      const env = reader({ AUDIENCE: " , ," });

      expect(env.list("AUDIENCE", { ...FIX, required: true })).toEqual([]);
      expect(problemsOf(env)).toEqual(["AUDIENCE is empty: the fix."]);
    });

    it.each(["*", "api://orders,*", " * "])("refuses a `*` in %j", (value) => {
      const env = reader({ AUDIENCE: value });

      env.list("AUDIENCE", { ...FIX, required: true });

      expect(problemsOf(env)).toEqual(["AUDIENCE may not contain `*`: the fix."]);
    });

    it("accepts items that merely contain a `*`", () => {
      const env = reader({ L: "orders:*" });

      expect(env.list("L", FIX)).toEqual(["orders:*"]);
      expect(problemsOf(env)).toEqual([]);
    });
  });

  describe("oneOf", () => {
    it("returns an allowed value", () => {
      expect(reader({ MODE: " iam " }).oneOf("MODE", ["simple", "iam"], { ...FIX, defaultValue: "simple" })).toBe("iam");
    });

    it("returns the default when unset", () => {
      expect(reader({}).oneOf("MODE", ["simple", "iam"], { ...FIX, defaultValue: "simple" })).toBe("simple");
    });

    it("records a problem naming the value and the choices, and returns the default", () => {
      const env = reader({ MODE: "IAM" });

      expect(env.oneOf("MODE", ["simple", "iam"], { ...FIX, defaultValue: "simple" })).toBe("simple");
      expect(problemsOf(env)).toEqual(['MODE is "IAM", not one of simple, iam: the fix.']);
    });
  });

  describe("integer", () => {
    const opts = { ...FIX, defaultValue: 0, min: 0, max: 300 };

    it.each([
      ["0", 0],
      ["300", 300],
      [" 42 ", 42],
    ])("reads %j", (value, expected) => {
      const env = reader({ N: value });

      expect(env.integer("N", opts)).toBe(expected);
      expect(problemsOf(env)).toEqual([]);
    });

    it("returns the default when unset", () => {
      expect(reader({}).integer("N", { ...opts, defaultValue: 7 })).toBe(7);
    });

    it.each(["301", "-1", "1.5", "1e2", "0x10", "ten", "99999999999999999999"])("records a problem for %j and returns the default", (value) => {
      const env = reader({ N: value });

      expect(env.integer("N", { ...opts, defaultValue: 5 })).toBe(5);
      expect(problemsOf(env)).toEqual([`N is "${value}", not an integer from 0 to 300: the fix.`]);
    });
  });

  describe("httpsUrl", () => {
    it("returns an https URL", () => {
      expect(reader({ U: "https://issuer.example.com/.well-known/jwks.json" }).httpsUrl("U", FIX)?.href).toBe(
        "https://issuer.example.com/.well-known/jwks.json",
      );
    });

    it("returns undefined without a problem when unset and optional", () => {
      const env = reader({});

      expect(env.httpsUrl("U", FIX)).toBeUndefined();
      expect(problemsOf(env)).toEqual([]);
    });

    it("records a problem when unset and required", () => {
      const env = reader({});

      env.httpsUrl("U", { ...FIX, required: true });

      expect(problemsOf(env)).toEqual(["U is missing: the fix."]);
    });

    it("records a problem with the reason when the URL is unusable", () => {
      const env = reader({ U: "http://issuer.example.com/" });

      expect(env.httpsUrl("U", FIX)).toBeUndefined();
      expect(problemsOf(env)).toEqual(["U is not usable (must be https (http only on a loopback host)): the fix."]);
    });
  });

  describe("finish", () => {
    it("does not throw when there is no problem", () => {
      const env = reader({ A: "x" });
      env.requiredString("A", FIX);

      expect(() => env.finish()).not.toThrow();
    });

    it("throws one ConfigError naming every problem", () => {
      // Prepare
      const env = reader({ MODE: "bogus", N: "x", AUDIENCE: "*" });
      env.requiredString("ISSUER", { fix: "set the issuer" });
      env.list("AUDIENCE", { required: true, fix: "set the audience" });
      env.oneOf("MODE", ["a", "b"], { defaultValue: "a", fix: "use a or b" });
      env.integer("N", { defaultValue: 0, min: 0, max: 1, fix: "use 0 or 1" });
      env.problem("CUSTOM", "is odd", "make it even");

      // Act
      let thrown: unknown;
      try {
        env.finish();
      } catch (error) {
        thrown = error;
      }

      // Assess
      expect(thrown).toBeInstanceOf(ConfigError);
      const error = thrown as ConfigError;
      expect(error.problems).toHaveLength(5);
      for (const name of ["ISSUER", "AUDIENCE", "MODE", "N ", "CUSTOM"]) expect(error.message).toContain(name);
      expect(error.message).toMatch(/^Invalid configuration:\n- ISSUER is missing: set the issuer\.\n- AUDIENCE may not contain `\*`/);
      expect(error.name).toBe("ConfigError");
    });
  });
});

describe("checkedHttpsUrl", () => {
  it.each([
    "https://issuer.example.com/",
    "https://issuer.example.com:8443/keys?x=1",
    "http://localhost:8080/jwks.json",
    "http://127.0.0.1:3000/",
    "http://127.4.5.6/",
    "http://[::1]:9000/",
    "http://LOCALHOST/",
  ])("accepts %s", (value) => {
    expect(checkedHttpsUrl(value)).toBeInstanceOf(URL);
  });

  it.each([
    ["http://issuer.example.com/", "must be https (http only on a loopback host)"],
    ["http://10.0.0.1/", "must be https (http only on a loopback host)"],
    ["http://127.0.0.1.nip.io/", "must be https (http only on a loopback host)"],
    ["http://localhost.example.com/", "must be https (http only on a loopback host)"],
    ["http://[::2]/", "must be https (http only on a loopback host)"],
    ["ftp://localhost/", "must be https (http only on a loopback host)"],
    ["file:///etc/passwd", "must be https (http only on a loopback host)"],
    ["issuer.example.com", "not an absolute URL"],
    ["/relative/path", "not an absolute URL"],
    ["https://user:secret@issuer.example.com/", "credentials in URLs are not allowed"],
    ["https://issuer.example.com/#keys", "fragments are not allowed"],
  ])("refuses %s: %s", (value, reason) => {
    expect(checkedHttpsUrl(value)).toBe(reason);
  });
});

describe("isLoopbackUrl", () => {
  it.each([
    ["http://localhost/", true],
    ["http://127.0.0.1/", true],
    ["http://127.255.255.254/", true],
    ["http://[::1]/", true],
    ["http://128.0.0.1/", false],
    ["http://example.com/", false],
    ["http://[::ffff:7f00:1]/", false],
  ])("%s → %s", (value, expected) => {
    expect(isLoopbackUrl(new URL(value))).toBe(expected);
  });
});
