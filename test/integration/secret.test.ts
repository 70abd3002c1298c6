/**
 * Secrets from Secrets Manager and SSM through Powertools Parameters and the real AWS SDK clients,
 * against a loopback server that speaks the two services' JSON protocols (GetSecretValue, GetParameter).
 */
import { createServer } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveSecret } from "../../shared/config/secret.ts";
import { listenOnLoopback, type LoopbackListener } from "../helpers/loopback.ts";

let server: LoopbackListener;
const targets: string[] = [];

beforeAll(async () => {
  const http = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"]);
      targets.push(target);
      const input = JSON.parse(body) as { SecretId?: string; Name?: string; WithDecryption?: boolean };
      res.setHeader("content-type", "application/x-amz-json-1.1");
      if (target === "secretsmanager.GetSecretValue" && input.SecretId === "introspection-client") {
        res.end(JSON.stringify({ ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:introspection-client-AbCdEf", Name: input.SecretId, SecretString: "s3cr3t-from-sm" }));
      } else if (target === "AmazonSSM.GetParameter" && input.Name === "/authorizer/client-secret" && input.WithDecryption === true) {
        res.end(JSON.stringify({ Parameter: { Name: input.Name, Type: "SecureString", Value: "s3cr3t-from-ssm", Version: 1 } }));
      } else {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: "ResourceNotFoundException", message: "not found" }));
      }
    });
  });
  server = await listenOnLoopback(http, { maxLifetimeMs: 60_000 });
  Object.assign(process.env, {
    AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local",
    AWS_ENDPOINT_URL_SECRETS_MANAGER: server.origin, AWS_ENDPOINT_URL_SSM: server.origin, AWS_MAX_ATTEMPTS: "1",
  });
});

afterAll(async () => server.close());

describe("resolveSecret", () => {
  it("returns an environment value as it is, without any call", async () => {
    const before = targets.length;
    expect(await resolveSecret({ kind: "env", value: "plain" })).toBe("plain");
    expect(targets.length).toBe(before);
  });

  it("fetches a Secrets Manager secret's SecretString", async () => {
    expect(await resolveSecret({ kind: "secretsManager", id: "introspection-client" })).toBe("s3cr3t-from-sm");
    expect(targets).toContain("secretsmanager.GetSecretValue");
  });

  it("fetches and decrypts an SSM SecureString", async () => {
    expect(await resolveSecret({ kind: "ssm", name: "/authorizer/client-secret" })).toBe("s3cr3t-from-ssm");
    expect(targets).toContain("AmazonSSM.GetParameter");
  });

  it("fails naming the secret, not carrying its value, when it does not exist", async () => {
    await expect(resolveSecret({ kind: "secretsManager", id: "missing" })).rejects.toThrow(/could not fetch the secret missing from Secrets Manager/);
  });
});
