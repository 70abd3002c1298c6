/**
 * The built API key, HMAC, mTLS and combined bundles on any event, however malformed: each resolves to an answer API Gateway
 * accepts for the event's kind or rejects with exactly `Error("Unauthorized")`, and, since no event here
 * carries a valid credential, none allows anything (see ./bundles.ts).
 */
import { describeBundlesOnAnyEvent } from "./bundles.ts";

describeBundlesOnAnyEvent(["api-key", "hmac", "mtls", "combined"]);
