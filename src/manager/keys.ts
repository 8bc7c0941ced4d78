import { createHash, randomBytes } from "node:crypto";
import { describeValue, invalidArgument } from "../errors.js";
import type { Json } from "./contract.js";
import { assertId, assertInteger, assertJson } from "./validate.js";

/** Returns a fresh job id: 128 random bits, URL-safe base64 (22 characters). */
export function newJobId(): string {
  return randomBytes(16).toString("base64url");
}

/** JSON with object keys sorted, so equal values always give equal text. */
export function stableStringify(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${stableStringify(value[key] as Json)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * The key a component id has in side updates: the id itself when it is a string, else its
 * JSON with sorted keys and no spaces (how Dash writes pattern-matching ids).
 */
export function componentKey(id: string | Record<string, Json>): string {
  return typeof id === "string" ? id : stableStringify(id);
}

/** What `cacheKey` hashes. */
export interface CacheKeyParts {
  /** The callback's id; two callbacks never share entries. */
  readonly callbackId: string;
  /** The callback's arguments (inputs and states, in order). */
  readonly args: readonly Json[];
  /** Positions in `args` left out of the key. @default [] */
  readonly ignoreArgs?: readonly number[];
  /** The values returned by the callback's `cacheBy` functions, at request time. @default [] */
  readonly cacheBy?: readonly Json[];
  /**
   * The `"<id>.<prop>"` of the inputs that triggered the call, so that a call triggered by another
   * input never gets a result memoised for this one. Order does not matter. @default []
   */
  readonly triggered?: readonly string[];
  /** The callback function's source text, so that a deploy with changed code never serves results of the old code. @default "" */
  readonly source?: string;
}

/**
 * Builds the memoisation key of a call: sha256 of the callback id, the arguments not ignored,
 * the `cacheBy` values, the triggering inputs and the function's source. Deterministic across
 * processes and hosts.
 *
 * @throws `INVALID_ARGUMENT` for parts of the wrong type.
 * @example
 * ```ts
 * cacheKey({ callbackId: "out.children", args: [3, "a"], ignoreArgs: [1], cacheBy: ["user-7"] });
 * ```
 */
export function cacheKey(parts: CacheKeyParts): string {
  if (parts === null || typeof parts !== "object") {
    throw invalidArgument("cacheKey", `Expected \`parts\` to be an object, got ${describeValue(parts)}`);
  }
  assertId("cacheKey", "callbackId", parts.callbackId);
  if (!Array.isArray(parts.args))
    throw invalidArgument("cacheKey", `Expected \`args\` to be an array, got ${describeValue(parts.args)}`);
  assertJson("cacheKey", "args", parts.args);
  for (const index of parts.ignoreArgs ?? []) assertInteger("cacheKey", "ignoreArgs", index, 0);
  assertJson("cacheKey", "cacheBy", [...(parts.cacheBy ?? [])]);
  const triggered = stringList("triggered", parts.triggered ?? []);
  const source = parts.source ?? "";
  if (typeof source !== "string")
    throw invalidArgument("cacheKey", `Expected \`source\` to be a string, got ${describeValue(source)}`);
  const ignored = new Set(parts.ignoreArgs ?? []);
  const args = parts.args.map((arg, index) => (ignored.has(index) ? "__ignored__" : arg));
  const sourceHash = createHash("sha256").update(source).digest("hex");
  const text = stableStringify([
    parts.callbackId,
    args as Json[],
    [...(parts.cacheBy ?? [])],
    [...triggered].sort(),
    sourceHash,
  ]);
  return createHash("sha256").update(text).digest("hex");
}

function stringList(name: string, value: unknown): readonly string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw invalidArgument("cacheKey", `Expected \`${name}\` to be a list of strings, got ${describeValue(value)}`);
  }
  return value;
}
