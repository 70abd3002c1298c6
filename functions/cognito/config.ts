/**
 * Configuration of the Amazon Cognito user pool authorizer, read once at init from the environment.
 *
 * | variable | meaning |
 * |---|---|
 * | `USER_POOL_ID` | pool id(s), comma-separated (`us-east-1_AbC123`); the issuer is derived from each. Required. |
 * | `CLIENT_ID` | allowed app client ids, comma-separated (`client_id` of access tokens, `aud` of ID tokens). Required. |
 * | `TOKEN_USE` | `access` (default) or `id`: the `token_use` the caller must present. |
 * | `REQUIRED_GROUPS` | `cognito:groups` the caller must all be in, comma-separated; else Deny. |
 * | `JWKS_URI` | where keys are fetched instead of the pool's well-known URI (VPC proxy, emulator); one per pool, same order. The issuer check stays on the real pool issuer. |
 * | `REQUIRED_SCOPES`, `TOKEN_SOURCES`, `HTTP_API_RESPONSE`, `HTTP_API_UNAUTHENTICATED`, `CLOCK_TOLERANCE_SECONDS` | see shared/config/common.ts |
 *
 * @see https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
 * @module
 */
import { readCommonConfig, type CommonConfig } from "#shared/config/common";
import { checkedHttpsUrl, EnvReader, type Env } from "#shared/config/env";

/** One user pool and where its keys are fetched. */
export interface UserPool {
  readonly userPoolId: string;
  /** Key location override, or `undefined` for `https://cognito-idp.<region>.amazonaws.com/<pool>/.well-known/jwks.json`. */
  readonly jwksUri: URL | undefined;
}

/** The Cognito authorizer's settings. Frozen. */
export interface CognitoConfig extends CommonConfig {
  readonly userPools: readonly UserPool[];
  readonly clientIds: readonly string[];
  readonly tokenUse: "access" | "id";
  readonly requiredGroups: readonly string[];
}

/**
 * The issuers a user pool's tokens may carry: the regional form and the global form
 * (`https://cognito-idp.<region>.amazonaws.com/<pool>`, `https://issuer-cognito-idp.<region>.amazonaws.com/<pool>`).
 */
export function cognitoIssuers(userPoolId: string): string[] {
  const region = userPoolId.split("_")[0] ?? "";
  return [`https://cognito-idp.${region}.amazonaws.com/${userPoolId}`, `https://issuer-cognito-idp.${region}.amazonaws.com/${userPoolId}`];
}

/** `<region>_<id>`, as Cognito issues them. */
const USER_POOL_ID = /^[a-z]{2}(?:-[a-z]+)+-\d+_[0-9A-Za-z]+$/;

/**
 * Parse and check the environment.
 * @throws {ConfigError} naming every bad or missing variable and its fix.
 */
export function parseCognitoConfig(source: Env): CognitoConfig {
  const env = new EnvReader(source);
  const poolIds = env.list("USER_POOL_ID", { required: true, fix: "set the user pool id(s), e.g. us-east-1_AbC123, comma-separated" });
  const badPools = poolIds.filter((id) => !USER_POOL_ID.test(id));
  if (badPools.length > 0) env.problem("USER_POOL_ID", `has ${badPools.join(", ")}`, "use ids of the form <region>_<id>, e.g. us-east-1_AbC123");
  const clientIds = env.list("CLIENT_ID", { required: true, fix: "set the app client id(s) allowed to call, comma-separated" });
  const tokenUse = env.oneOf("TOKEN_USE", ["access", "id"], { defaultValue: "access", fix: "use access (recommended) or id" });
  const requiredGroups = env.list("REQUIRED_GROUPS", { fix: "list the cognito:groups every caller must be in, comma-separated" });
  const jwksUris = env.list("JWKS_URI", { fix: "give one https JWKS URL per user pool, in USER_POOL_ID's order, or leave it empty" });
  if (jwksUris.length > 0 && jwksUris.length !== poolIds.length) {
    env.problem("JWKS_URI", `has ${jwksUris.length} URLs for ${poolIds.length} user pools`, "give one URL per pool, in USER_POOL_ID's order");
  }
  const overrides = jwksUris.map((uri) => {
    const url = checkedHttpsUrl(uri);
    if (typeof url === "string") env.problem("JWKS_URI", `has an unusable URL (${url})`, "use https (http only on a loopback host)");
    return typeof url === "string" ? undefined : url;
  });
  const common = readCommonConfig(env);
  env.finish();
  return Object.freeze({
    ...common,
    userPools: poolIds.map((userPoolId, index) => ({ userPoolId, jwksUri: overrides[index] })),
    clientIds,
    tokenUse,
    requiredGroups,
  });
}
