/**
 * Sign recorded events for the HMAC authorizer: the request an event describes (method, path as called,
 * query, host) is signed with {@link signRequest}, and the resulting headers replace those in the event
 * (`headers`, `multiValueHeaders`, and `identitySource` / `authorizationToken` where the event has them).
 *
 * @module
 */
import { signRequest, type SignRequestInput } from "../../functions/hmac/sign.ts";

type Json = Record<string, unknown>;
const objectOr = (value: unknown): Json => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {});

/** Method and URL (as the client called it) of a recorded event. */
export function requestOf(event: Json): { method: string; url: string } {
  const context = objectOr(event.requestContext);
  const headers = objectOr(event.headers);
  const hostKey = Object.keys(headers).find((name) => name.toLowerCase() === "host");
  const host = String(hostKey === undefined ? "example.com" : headers[hostKey]);
  if (context.eventType === "CONNECT") return { method: "GET", url: `https://${host}/${String(context.stage)}` };
  const http = objectOr(context.http);
  if (typeof http.method === "string") {
    const query = typeof event.rawQueryString === "string" && event.rawQueryString !== "" ? `?${event.rawQueryString}` : "";
    return { method: http.method, url: `https://${host}${String(event.rawPath)}${query}` };
  }
  const url = new URL(`https://${host}${String(context.path ?? event.path)}`);
  for (const [name, value] of Object.entries(objectOr(event.queryStringParameters))) url.searchParams.set(name, String(value));
  return { method: String(event.httpMethod), url: url.href };
}

/** Set `name` in a header map, replacing it whatever its case. */
function setHeader(map: Json, name: string, value: unknown): void {
  for (const key of Object.keys(map)) if (key.toLowerCase() === name) delete map[key];
  map[name] = value;
}

/** Options of {@link signEvent}: the signing input without method and URL, which come from the event. */
export type SignEventOptions = Omit<SignRequestInput, "method" | "url"> & { readonly method?: string; readonly url?: string };

/** A copy of `event` signed with `options` (method and URL from the event unless given). */
export function signEvent<T extends Json>(event: T, options: SignEventOptions): T {
  const copy = structuredClone(event) as Json;
  const request = requestOf(copy);
  const { headers } = signRequest({ ...options, method: options.method ?? request.method, url: options.url ?? request.url });
  const single = objectOr(copy.headers);
  copy.headers = single;
  const multi = copy.multiValueHeaders === undefined ? undefined : objectOr(copy.multiValueHeaders);
  for (const [name, value] of Object.entries(headers)) {
    setHeader(single, name, value);
    if (multi !== undefined) setHeader(multi, name, [value]);
  }
  if (multi !== undefined) copy.multiValueHeaders = multi;
  if (Array.isArray(copy.identitySource)) copy.identitySource = [headers.authorization];
  else if (typeof copy.identitySource === "string") copy.identitySource = headers.authorization;
  if (typeof copy.authorizationToken === "string") copy.authorizationToken = headers.authorization;
  return copy as T;
}

/** Set header `name` (lower-case) to `value` in a copy of `event`, in both header maps; `undefined` removes it. */
export function withHeader<T extends Json>(event: T, name: string, value: string | undefined): T {
  const copy = structuredClone(event) as Json;
  for (const field of ["headers", "multiValueHeaders"]) {
    if (copy[field] === undefined) continue;
    const map = objectOr(copy[field]);
    for (const key of Object.keys(map)) if (key.toLowerCase() === name) delete map[key];
    if (value !== undefined) map[name] = field === "headers" ? value : [value];
    copy[field] = map;
  }
  return copy as T;
}
