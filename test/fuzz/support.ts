/**
 * Shared pieces of the property-based tests (fast-check): run counts, recorded events and their
 * mutations, and a checker of answers against what API Gateway accepts.
 *
 * Run counts: each property names its count for the normal test run (a few hundred, so `npm test`
 * stays fast); `FUZZ_RUNS` (set by `npm run fuzz`) replaces it for a deeper pass. `FUZZ_SEED` replays
 * a failure fast-check reported.
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { EVENTS_DIR } from "../helpers/events.ts";

/** `FUZZ_RUNS` when set (the deep pass), else `undefined`. */
const DEEP_RUNS = process.env.FUZZ_RUNS === undefined || process.env.FUZZ_RUNS === "" ? undefined : Number(process.env.FUZZ_RUNS);
if (DEEP_RUNS !== undefined && !(Number.isInteger(DEEP_RUNS) && DEEP_RUNS > 0)) throw new Error(`FUZZ_RUNS is "${process.env.FUZZ_RUNS}", not a positive integer`);

/** True during `npm run fuzz`. */
export const DEEP = DEEP_RUNS !== undefined;

/** fast-check parameters for a property run `ciRuns` times in the normal test run (`FUZZ_RUNS` in the deep pass). */
export function fuzzParams<T>(ciRuns: number): fc.Parameters<T> {
  const seed = process.env.FUZZ_SEED;
  return { numRuns: DEEP_RUNS ?? ciRuns, ...(seed === undefined || seed === "" ? {} : { seed: Number(seed) }) };
}

/** Test timeout for a property: `ciMs` normally, 10 minutes in the deep pass. */
export function fuzzTimeout(ciMs: number): number {
  return DEEP ? 600_000 : ciMs;
}

type Json = Record<string, unknown>;

/** Every recorded event file under `events/` (all folders), relative path → text with `{{token}}` left in. */
export const RECORDED_EVENT_TEXTS: ReadonlyMap<string, string> = (() => {
  const texts = new Map<string, string>();
  for (const dir of readdirSync(EVENTS_DIR, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const file of readdirSync(join(EVENTS_DIR, dir.name), { withFileTypes: true })) {
      if (file.isFile() && file.name.endsWith(".json")) texts.set(`${dir.name}/${file.name}`, readFileSync(join(EVENTS_DIR, dir.name, file.name), "utf8"));
    }
  }
  return texts;
})();

/** The recorded events with every `{{token}}` replaced by `credential` (JSON-escaped). */
export function recordedEvents(credential: string): Json[] {
  const escaped = JSON.stringify(credential).slice(1, -1);
  return [...RECORDED_EVENT_TEXTS.values()].map((text) => JSON.parse(text.replaceAll("{{token}}", () => escaped)) as Json);
}

/** Every path (list of keys) to a value inside `value`, the root included, down to `maxDepth` levels. */
export function pathsOf(value: unknown, maxDepth = 8, prefix: readonly (string | number)[] = []): (string | number)[][] {
  const paths: (string | number)[][] = [[...prefix]];
  if (prefix.length >= maxDepth) return paths;
  if (Array.isArray(value)) value.forEach((item, index) => paths.push(...pathsOf(item, maxDepth, [...prefix, index])));
  else if (typeof value === "object" && value !== null) for (const [key, inner] of Object.entries(value)) paths.push(...pathsOf(inner, maxDepth, [...prefix, key]));
  return paths;
}

/** A long string: a short pattern repeated up to `max` characters. */
export const hugeString = (max = 300_000): fc.Arbitrary<string> =>
  fc.tuple(fc.string({ minLength: 1, maxLength: 8, unit: "grapheme" }), fc.integer({ min: 1_000, max: max })).map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length));

/** Values that stress a reader: wrong types, empty and odd strings, deep nesting, prototype keys. */
export const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: "small" },
  fc.constant(null),
  fc.boolean(),
  fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, 1e308, -1, Number.MAX_SAFE_INTEGER + 2)),
  fc.string({ unit: "binary" }),
  fc.constantFrom("", " ", "null", "Bearer", "Bearer ", "2.0", "1.0", "TOKEN", "REQUEST", "CONNECT", "__proto__", "\u0000", "\uD800", "a\r\nb"),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  fc.constant(JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}') as unknown),
  hugeString(70_000),
  fc.integer({ min: 1, max: 200 }).map((depth) => {
    let nested: unknown = "x";
    for (let index = 0; index < depth; index += 1) nested = { a: [nested] };
    return nested;
  }),
);

/** One mutation of an event: at the `at`-th path (modulo the number of paths). */
type Mutation =
  | { readonly op: "set"; readonly at: number; readonly value: unknown }
  | { readonly op: "delete"; readonly at: number }
  | { readonly op: "recase"; readonly at: number; readonly mask: number }
  | { readonly op: "duplicateHeader"; readonly name: string; readonly value: string }
  | { readonly op: "addKey"; readonly at: number; readonly key: string; readonly value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("set" as const), at: fc.nat(), value: oddValue }),
  fc.record({ op: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("recase" as const), at: fc.nat(), mask: fc.nat() }),
  fc.record({
    op: fc.constant("duplicateHeader" as const),
    name: fc.constantFrom("Authorization", "AUTHORIZATION", "authorization", "Cookie", "COOKIE", "x-api-key", "X-Api-Key", "Host", "x-auth-date", "X-Auth-Nonce", "Sec-WebSocket-Protocol"),
    value: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom("Bearer a.b.c", "Bearer ", "session=x; session=y", "bearer.abc")),
  }),
  fc.record({ op: fc.constant("addKey" as const), at: fc.nat(), key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty")), value: oddValue }),
);

function recase(name: string, mask: number): string {
  return [...name].map((char, index) => ((mask >> (index % 30)) & 1 ? char.toUpperCase() : char.toLowerCase())).join("");
}

/**
 * Apply one mutation to `event` in place. Inserted values are copied first: a generated value may be a
 * shared constant, and a later mutation of the same event must not change it for every later run.
 */
function applyMutation(event: Json, change: Mutation): void {
  if (change.op === "duplicateHeader") {
    for (const field of ["headers", "multiValueHeaders"]) {
      const map = event[field];
      if (typeof map === "object" && map !== null && !Array.isArray(map)) (map as Json)[change.name] = field === "headers" ? change.value : [change.value];
    }
    return;
  }
  const paths = pathsOf(event);
  const path = paths[change.at % paths.length] ?? [];
  if (path.length === 0) {
    if (change.op === "addKey") Object.defineProperty(event, change.key, { value: structuredClone(change.value), enumerable: true, configurable: true, writable: true });
    return; // the root itself is not replaced here (arbitrary roots are a property of their own)
  }
  let parent: unknown = event;
  for (const key of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[key];
  const last = path[path.length - 1] as string | number;
  const container = parent as Record<string | number, unknown>;
  switch (change.op) {
    case "set":
      Object.defineProperty(container, last, { value: structuredClone(change.value), enumerable: true, configurable: true, writable: true });
      return;
    case "delete":
      if (Array.isArray(container) && typeof last === "number") container.splice(last, 1);
      else delete container[last];
      return;
    case "recase": {
      if (typeof last !== "string" || Array.isArray(container)) return;
      const value = container[last];
      delete container[last];
      Object.defineProperty(container, recase(last, change.mask), { value, enumerable: true, configurable: true, writable: true });
      return;
    }
    case "addKey": {
      const target = container[last];
      if (typeof target === "object" && target !== null && !Array.isArray(target)) {
        Object.defineProperty(target, change.key, { value: structuredClone(change.value), enumerable: true, configurable: true, writable: true });
      }
      return;
    }
  }
}

/**
 * An event of `events`, changed by up to `maxMutations` mutations: values set to nulls, wrong types,
 * huge strings or deep nesting; keys deleted, re-cased (odd header casing) or added (`__proto__`,
 * `constructor`); credential headers duplicated under another casing. The drawn event is copied first.
 */
export function withMutations(events: fc.Arbitrary<Json>, maxMutations = 6): fc.Arbitrary<Json> {
  return fc.tuple(events, fc.array(mutation, { maxLength: maxMutations })).map(([drawn, changes]) => {
    const event = structuredClone(drawn);
    for (const change of changes) applyMutation(event, change);
    return event;
  });
}

/** A recorded event (one of `events`), mutated as {@link withMutations} does. */
export function mutatedEvent(events: readonly Json[], maxMutations = 6): fc.Arbitrary<Json> {
  return withMutations(fc.constantFrom(...events), maxMutations);
}

/** A copy of `value` with every `{{token}}` in its strings replaced by `credential`. */
export function fillToken(value: unknown, credential: string): unknown {
  if (typeof value === "string") return value.includes("{{token}}") ? value.replaceAll("{{token}}", () => credential) : value;
  if (Array.isArray(value)) return value.map((item) => fillToken(item, credential));
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, fillToken(inner, credential)]));
  return value;
}

/**
 * An `execute-api` ARN as API Gateway sends one, with random parts: `.../{apiId}/{stage}/{route}`, the
 * route possibly empty or long enough to cross 512 characters. (The normaliser also reads an ARN with
 * no `/{route}` at all, which API Gateway never sends; the policy for it is a Deny, so it is left out.)
 */
export const executeApiArn: fc.Arbitrary<string> = fc
  .record({
    partition: fc.constantFrom("aws", "aws-cn", "aws-us-gov"),
    region: fc.constantFrom("us-east-1", "eu-west-2", "cn-north-1", "ap-southeast-2"),
    account: fc.stringMatching(/^\d{12}$/),
    api: fc.stringMatching(/^[a-z0-9]{1,12}$/),
    stage: fc.oneof(fc.constantFrom("prod", "$default", "*", "dev"), fc.stringMatching(/^[A-Za-z0-9_$-]{1,20}$/)),
    route: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom("GET/orders/123", "$connect", "POST/", "DELETE/admin/users/7", "", "GET") },
      {
        weight: 4,
        arbitrary: fc.tuple(fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"), fc.array(fc.stringMatching(/^[A-Za-z0-9._~%*?-]{0,30}$/), { maxLength: 8 }))
          .map(([method, segments]) => `${method}/${segments.join("/")}`),
      },
      // Long enough for a policy ARN to cross 512 characters.
      { weight: 1, arbitrary: fc.integer({ min: 400, max: 700 }).map((length) => `GET/${"a".repeat(length)}`) },
    ),
  })
  .map(({ partition, region, account, api, stage, route }) => `arn:${partition}:execute-api:${region}:${account}:${api}/${stage}/${route}`);

/** The event kinds, as the normaliser names them. */
export type Kind = "rest-token" | "rest-request" | "websocket-connect" | "http-v1" | "http-v2";

/** Longest Resource ARN API Gateway accepts in a policy statement. */
const MAX_ARN = 512;
/** Largest WebSocket authorizer result, in bytes of JSON. */
const MAX_WEBSOCKET_BYTES = 8_192;

const isRecord = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * What is wrong with `answer` as an authorizer answer to an event of `kind`, by API Gateway's rules, or
 * `undefined` when nothing is: an IAM policy (`principalId`; `Version` "2012-10-17"; a non-empty
 * `Statement` list, each `Action` "execute-api:Invoke", `Effect` Allow or Deny, `Resource` a non-empty
 * list of execute-api ARNs of at most 512 characters); `context` of strings, numbers and booleans except
 * on HTTP API 2.0; a WebSocket answer of at most 8 KB; or, on HTTP API 2.0 only, `{isAuthorized, context?}`.
 */
export function answerProblem(answer: unknown, kind: Kind): string | undefined {
  if (!isRecord(answer)) return `answer is ${answer === null ? "null" : typeof answer}`;
  if ("isAuthorized" in answer) {
    if (kind !== "http-v2") return `a simple response for ${kind}`;
    if (typeof answer.isAuthorized !== "boolean") return "isAuthorized is not a boolean";
    const extra = Object.keys(answer).filter((key) => key !== "isAuthorized" && key !== "context");
    if (extra.length > 0) return `simple response has ${extra.join(", ")}`;
    if (answer.context !== undefined && !isRecord(answer.context)) return "simple response context is not an object";
    return undefined;
  }
  const extra = Object.keys(answer).filter((key) => !["principalId", "policyDocument", "context", "usageIdentifierKey"].includes(key));
  if (extra.length > 0) return `policy answer has ${extra.join(", ")}`;
  if (typeof answer.principalId !== "string" || answer.principalId === "") return "principalId is not a non-empty string";
  const document = answer.policyDocument;
  if (!isRecord(document)) return "no policyDocument";
  if (document.Version !== "2012-10-17") return `Version is ${String(document.Version)}`;
  if (!Array.isArray(document.Statement) || document.Statement.length === 0) return "Statement is not a non-empty array";
  for (const statement of document.Statement as unknown[]) {
    if (!isRecord(statement)) return "a statement is not an object";
    if (statement.Action !== "execute-api:Invoke") return `Action is ${JSON.stringify(statement.Action)}`;
    if (statement.Effect !== "Allow" && statement.Effect !== "Deny") return `Effect is ${JSON.stringify(statement.Effect)}`;
    const resources: unknown = statement.Resource;
    if (!Array.isArray(resources) || resources.length === 0) return "Resource is not a non-empty array";
    for (const resource of resources as unknown[]) {
      if (typeof resource !== "string" || !resource.startsWith("arn:") || !resource.includes(":execute-api:")) return `Resource ${JSON.stringify(resource)} is not an execute-api ARN`;
      if (resource.length > MAX_ARN) return `Resource ARN of ${resource.length} characters`;
    }
  }
  if (answer.usageIdentifierKey !== undefined && typeof answer.usageIdentifierKey !== "string") return "usageIdentifierKey is not a string";
  if (answer.context !== undefined) {
    if (!isRecord(answer.context)) return "context is not an object";
    if (kind !== "http-v2") {
      for (const [name, value] of Object.entries(answer.context)) {
        if (typeof value === "number" ? !Number.isFinite(value) : typeof value !== "string" && typeof value !== "boolean") return `context.${name} is ${typeof value}`;
      }
    }
  }
  if (kind === "websocket-connect" && Buffer.byteLength(JSON.stringify(answer)) > MAX_WEBSOCKET_BYTES) return "WebSocket answer over 8 KB";
  return undefined;
}

/** True when `answer` contains any Allow: an Allow statement, or `isAuthorized: true`. */
export function allowsAnything(answer: unknown): boolean {
  if (!isRecord(answer)) return false;
  if (answer.isAuthorized === true) return true;
  const statements = isRecord(answer.policyDocument) && Array.isArray(answer.policyDocument.Statement) ? (answer.policyDocument.Statement as unknown[]) : [];
  return statements.some((statement) => isRecord(statement) && statement.Effect === "Allow");
}
