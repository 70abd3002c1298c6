/**
 * A credential scheme as the pipeline and the scheme combinators see it: where its credential is, and
 * how it becomes a {@link Principal}. Each function's verifier exposes one (`jwt`, `apiKey`, `hmac`,
 * `mtls`, `introspection`), so a function can require one scheme, any of several, or all of several.
 *
 * @module
 */
import type { Principal } from "./decide.ts";
import type { Credential } from "./events/credentials.ts";
import type { AuthRequest } from "./events/types.ts";

/** One way of authenticating a request. */
export interface Scheme {
  /** Short stable name used in requirement expressions and logs: `jwt`, `apiKey`, `hmac`, `mtls`, `introspection`. */
  readonly name: string;
  /** Take this scheme's credential out of the request. @throws {AuthenticationError} `missing_token` when absent */
  extract(this: void, req: AuthRequest): Credential;
  /** Verify it. @throws {AuthenticationError} (401) or {AuthorizationError} (403) with a reason code */
  verify(this: void, credential: Credential, req: AuthRequest): Promise<Principal>;
  /** Start any key or metadata fetch now, without waiting or failing (called at init). */
  warm?(this: void): void;
}
