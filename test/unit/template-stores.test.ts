/**
 * template.yaml's DynamoDB tables and IAM policies agree with the code that uses them: key attribute
 * names, the nonce TTL attribute, the attributes each function may read, and the environment variables.
 */
import { describe, expect, it } from "vitest";
import { templateTables } from "../../scripts/lib/dynamodb-local.ts";
import { ATTRIBUTES_READ } from "../../shared/store/keys.ts";

interface Statement {
  Action: string;
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** The template with CloudFormation tags resolved by scripts/build.mjs (an untyped module: a computed specifier, typed here). */
const buildScript = new URL("../../scripts/build.mjs", import.meta.url).href;
const { loadTemplate } = (await import(buildScript)) as { loadTemplate: () => { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> } };
const template = loadTemplate();
const tables = Object.fromEntries(templateTables().map((table) => [table.logicalId, table.properties]));

function statementsOf(logicalId: string): Statement[] {
  const policies = template.Resources[logicalId]?.Properties.Policies as { Statement: Statement[] }[];
  return policies.flatMap((policy) => policy.Statement);
}

describe("template.yaml DynamoDB tables", () => {
  it("keys the keys table by keyId and the nonces table by nonce, on demand and encrypted", () => {
    expect(tables.ApiKeysTable).toMatchObject({ BillingMode: "PAY_PER_REQUEST", KeySchema: [{ AttributeName: "keyId", KeyType: "HASH" }], SSESpecification: { SSEEnabled: true } });
    expect(tables.NoncesTable).toMatchObject({ BillingMode: "PAY_PER_REQUEST", KeySchema: [{ AttributeName: "nonce", KeyType: "HASH" }], SSESpecification: { SSEEnabled: true } });
  });

  it("expires nonces by the expiresAt attribute functions/hmac/nonces.ts writes", () => {
    expect(tables.NoncesTable?.TimeToLiveSpecification).toEqual({ AttributeName: "expiresAt", Enabled: true });
  });
});

describe("template.yaml least-privilege policies", () => {
  it("lets the API key function only GetItem the api-key attributes of the keys table", () => {
    const statements = statementsOf("ApiKeyAuthorizerFunction");
    expect(statements).toHaveLength(1);
    expect(statements[0]?.Action).toBe("dynamodb:GetItem");
    expect(statements[0]?.Resource).toEqual({ "Fn::GetAtt": ["ApiKeysTable", "Arn"] });
    expect(statements[0]?.Condition?.["ForAllValues:StringEquals"]?.["dynamodb:Attributes"]).toEqual(ATTRIBUTES_READ["api-key"]);
  });

  it("lets the HMAC function GetItem the hmac attributes of the keys table and PutItem nonces", () => {
    const statements = statementsOf("HmacAuthorizerFunction");
    expect(statements.map((statement) => statement.Action)).toEqual(["dynamodb:GetItem", "dynamodb:PutItem"]);
    expect(statements[0]?.Condition?.["ForAllValues:StringEquals"]?.["dynamodb:Attributes"]).toEqual(ATTRIBUTES_READ.hmac);
    expect(statements[1]?.Resource).toEqual({ "Fn::GetAtt": ["NoncesTable", "Arn"] });
    expect(statements[1]?.Condition?.["ForAllValues:StringEquals"]?.["dynamodb:Attributes"]).toEqual(["nonce", "expiresAt"]);
  });

  it("names the tables in API_KEYS_TABLE and NONCES_TABLE", () => {
    const variables = (id: string) => ((template.Resources[id]?.Properties.Environment as { Variables: Record<string, unknown> }).Variables);
    expect(variables("ApiKeyAuthorizerFunction").API_KEYS_TABLE).toEqual({ Ref: "ApiKeysTable" });
    expect(variables("HmacAuthorizerFunction")).toMatchObject({ API_KEYS_TABLE: { Ref: "ApiKeysTable" }, NONCES_TABLE: { Ref: "NoncesTable" } });
  });

  it("turns API Gateway's authorizer cache off for HMAC (a cached answer would skip the nonce check)", () => {
    const api = template.Resources.HmacHttpApi?.Properties as { Auth: { Authorizers: Record<string, { Identity: { ReauthorizeEvery: number } }> } };
    expect(api.Auth.Authorizers.HmacLambdaAuthorizer?.Identity.ReauthorizeEvery).toBe(0);
  });
});
