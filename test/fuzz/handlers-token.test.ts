/**
 * The built token-scheme (OIDC, Cognito, several-issuer, introspection) bundles on any event, however malformed: each resolves to an answer API Gateway
 * accepts for the event's kind or rejects with exactly `Error("Unauthorized")`, and, since no event here
 * carries a valid credential, none allows anything (see ./bundles.ts).
 */
import { describeBundlesOnAnyEvent } from "./bundles.ts";

describeBundlesOnAnyEvent(["oidc", "cognito", "multi-issuer", "introspection"]);
