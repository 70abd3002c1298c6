import { describe, expect, it } from "vitest";
import {
  formatExecuteApiArn,
  parseExecuteApiArn,
  wholeApiResource,
  wholeStageResource,
  type ExecuteApiArn,
} from "../../../../shared/policy/arn.ts";

const REST_ARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/orders/123";

describe("parseExecuteApiArn", () => {
  it("splits a REST methodArn into its parts", () => {
    expect(parseExecuteApiArn(REST_ARN)).toEqual({
      partition: "aws",
      region: "us-east-1",
      accountId: "123456789012",
      apiId: "abcdef123",
      stage: "prod",
      route: "GET/orders/123",
    });
  });

  it.each([
    ["aws", "eu-central-1"],
    ["aws-cn", "cn-north-1"],
    ["aws-cn", "cn-northwest-1"],
    ["aws-us-gov", "us-gov-west-1"],
    ["aws-iso", "us-iso-east-1"],
    ["aws-iso-b", "us-isob-east-1"],
  ])("keeps the %s partition in %s", (partition, region) => {
    const arn = parseExecuteApiArn(`arn:${partition}:execute-api:${region}:123456789012:abcdef123/prod/GET/x`);

    expect(arn?.partition).toBe(partition);
    expect(arn?.region).toBe(region);
  });

  it("reads a WebSocket route key as the route", () => {
    expect(parseExecuteApiArn("arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/$connect")?.route).toBe("$connect");
  });

  it("reads `*` and `$default` stages", () => {
    expect(parseExecuteApiArn("arn:aws:execute-api:us-east-1:123456789012:abcdef123/*/GET/")?.stage).toBe("*");
    expect(parseExecuteApiArn("arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/POST/orders")).toMatchObject({
      stage: "$default",
      route: "POST/orders",
    });
  });

  it("keeps a route with wildcards and braces as received", () => {
    expect(parseExecuteApiArn("arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/*/admin/{proxy+}")?.route).toBe("*/admin/{proxy+}");
  });

  it("reads an ARN with a stage and no route", () => {
    expect(parseExecuteApiArn("arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod")).toMatchObject({ stage: "prod", route: "" });
  });

  it.each([
    ["another service", "arn:aws:lambda:us-east-1:123456789012:function:f"],
    ["another partition prefix", "arn:gcp:execute-api:us-east-1:123456789012:abcdef123/prod/GET/x"],
    ["a short account id", "arn:aws:execute-api:us-east-1:12345678901:abcdef123/prod/GET/x"],
    ["no region", "arn:aws:execute-api::123456789012:abcdef123/prod/GET/x"],
    ["no stage", "arn:aws:execute-api:us-east-1:123456789012:abcdef123"],
    ["an empty stage", "arn:aws:execute-api:us-east-1:123456789012:abcdef123//GET/x"],
    ["a bad api id", "arn:aws:execute-api:us-east-1:123456789012:abc-def/prod/GET/x"],
    ["leading text", ` ${REST_ARN}`],
    ["an empty string", ""],
  ])("returns undefined for %s", (_name, arn) => {
    expect(parseExecuteApiArn(arn)).toBeUndefined();
  });
});

describe("formatting", () => {
  const arn = parseExecuteApiArn(REST_ARN) as ExecuteApiArn;

  it("formats a path under the ARN's API", () => {
    expect(formatExecuteApiArn(arn, "prod/POST/orders")).toBe("arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/POST/orders");
  });

  it("covers every route of the stage with wholeStageResource", () => {
    expect(wholeStageResource(arn)).toBe("arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/*");
  });

  it("covers every stage and route of the API with wholeApiResource", () => {
    expect(wholeApiResource(arn)).toBe("arn:aws:execute-api:us-east-1:123456789012:abcdef123/*");
  });

  it.each([
    ["arn:aws-cn:execute-api:cn-north-1:123456789012:abcdef123/prod/GET/x", "arn:aws-cn:execute-api:cn-north-1:123456789012:abcdef123/prod/*"],
    ["arn:aws-us-gov:execute-api:us-gov-west-1:123456789012:abcdef123/v1/$connect", "arn:aws-us-gov:execute-api:us-gov-west-1:123456789012:abcdef123/v1/*"],
    ["arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/GET/x", "arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/*"],
  ])("keeps partition, region and stage of %s", (input, stageResource) => {
    const parsed = parseExecuteApiArn(input) as ExecuteApiArn;

    expect(wholeStageResource(parsed)).toBe(stageResource);
    expect(wholeApiResource(parsed)).toBe(stageResource.replace(/\/[^/]+\/\*$/, "/*"));
  });

  it("round-trips an ARN through parse and format", () => {
    expect(formatExecuteApiArn(arn, `${arn.stage}/${arn.route}`)).toBe(REST_ARN);
  });
});
