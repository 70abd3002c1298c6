/**
 * A secret setting that may live in the environment, in AWS Secrets Manager, or in SSM Parameter Store
 * (a SecureString), fetched once at init through Powertools Parameters.
 *
 * For a base name `X`: `X` holds the value itself, `X_ARN` names a Secrets Manager secret (ARN or name;
 * its `SecretString` is the value), `X_PARAMETER` names an SSM parameter (decrypted). Exactly one is set.
 * The AWS SDK clients come from the Lambda runtime; `AWS_ENDPOINT_URL_SECRETS_MANAGER` / `AWS_ENDPOINT_URL_SSM`
 * point them elsewhere (a VPC endpoint, an emulator).
 *
 * @see https://docs.powertools.aws.dev/lambda/typescript/latest/features/parameters/
 * @module
 */
import type { EnvReader } from "./env.ts";

/** Where a secret is. Never log `value`. */
export type SecretRef =
  | { readonly kind: "env"; readonly value: string }
  | { readonly kind: "secretsManager"; readonly id: string }
  | { readonly kind: "ssm"; readonly name: string };

/**
 * Read `base`, `base_ARN` or `base_PARAMETER`; exactly one must be set (a problem is recorded otherwise).
 * @returns the reference, or `undefined` when none or several are set.
 */
export function readSecretRef(env: EnvReader, base: string, fix: string): SecretRef | undefined {
  const value = env.raw(base);
  const id = env.raw(`${base}_ARN`);
  const name = env.raw(`${base}_PARAMETER`);
  const set = [value, id, name].filter((item) => item !== undefined).length;
  if (set !== 1) {
    env.problem(base, set === 0 ? `is missing (and neither ${base}_ARN nor ${base}_PARAMETER is set)` : `, ${base}_ARN and ${base}_PARAMETER: more than one is set`, fix);
    return undefined;
  }
  if (value !== undefined) return { kind: "env", value };
  if (id !== undefined) return { kind: "secretsManager", id };
  return { kind: "ssm", name: name as string };
}

/**
 * The secret's value: from the environment at once, or fetched (Secrets Manager `GetSecretValue`, SSM
 * `GetParameter` with decryption). Call once at init.
 * @throws {Error} naming the secret (not its value) when it cannot be fetched or is not a string: the cold start fails.
 */
export async function resolveSecret(ref: SecretRef): Promise<string> {
  if (ref.kind === "env") return ref.value;
  let value: unknown;
  try {
    if (ref.kind === "secretsManager") {
      const { getSecret } = await import("@aws-lambda-powertools/parameters/secrets");
      value = await getSecret(ref.id, { maxAge: 0 });
    } else {
      const { getParameter } = await import("@aws-lambda-powertools/parameters/ssm");
      value = await getParameter(ref.name, { decrypt: true, maxAge: 0 });
    }
  } catch (error) {
    throw new Error(`could not fetch the secret ${ref.kind === "secretsManager" ? ref.id : ref.name} from ${ref.kind === "secretsManager" ? "Secrets Manager" : "SSM"}`, { cause: error });
  }
  if (typeof value !== "string" || value === "") throw new Error(`the secret ${ref.kind === "secretsManager" ? ref.id : ref.name} is not a non-empty string`);
  return value;
}
