import { describeValue, invalidArgument } from "../errors.js";
import type { JobContext, JobRequest, Json } from "./contract.js";

/** Whether `value` is JSON that round-trips unchanged (no undefined, NaN, functions, cycles). */
export function isJson(value: unknown, seen: Set<object> = new Set()): value is Json {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (typeof value !== "object" || seen.has(value)) return false;
  seen.add(value);
  const ok = Array.isArray(value)
    ? value.every((item) => isJson(item, seen))
    : isPlainObject(value) && Object.values(value).every((item) => isJson(item, seen));
  seen.delete(value);
  return ok;
}

/**
 * Converts a value to JSON the way `JSON.stringify` would (objects with `toJSON`, such as
 * components, become what it returns), or `undefined` when it is not JSON: functions, symbols,
 * `undefined`, NaN, class instances without `toJSON`, cycles.
 */
export function toJson(value: unknown, seen: Set<object> = new Set()): Json | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "object" || seen.has(value)) return undefined;
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === "function" && !Array.isArray(value)) return toJson(withToJson.toJSON(), seen);
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      const items = value.map((item) => toJson(item, seen));
      return items.every((item) => item !== undefined) ? (items as Json[]) : undefined;
    }
    if (!isPlainObject(value)) return undefined;
    const out: Record<string, Json> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      const converted = toJson(item, seen);
      if (converted === undefined) return undefined;
      out[key] = converted;
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Throws `INVALID_ARGUMENT` unless `value` is a non-empty string. */
export function assertId(part: string, name: string, value: unknown): asserts value is string {
  if (typeof value !== "string" || value.length === 0 || value.length > 512) {
    throw invalidArgument(
      part,
      `Expected \`${name}\` to be a non-empty string of at most 512 characters, got ${describeValue(value)}`,
    );
  }
}

/** Throws `INVALID_ARGUMENT` unless `value` is an integer in `[min, max]`. */
export function assertInteger(
  part: string,
  name: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `from ${min} and up` : `from ${min} to ${max}`;
    throw invalidArgument(part, `Expected \`${name}\` to be an integer ${range}, got ${describeValue(value)}`);
  }
}

/** The longest delay a Node.js timer honours; longer ones fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/** Throws `INVALID_ARGUMENT` unless `value` is an `AbortSignal`. */
export function assertSignal(part: string, name: string, value: unknown): asserts value is AbortSignal {
  if (!(value instanceof AbortSignal)) {
    throw invalidArgument(part, `Expected \`${name}\` to be an AbortSignal, got ${describeValue(value)}`);
  }
}

/** Throws `INVALID_ARGUMENT` unless `value` is JSON. */
export function assertJson(part: string, name: string, value: unknown): asserts value is Json {
  if (!isJson(value)) {
    throw invalidArgument(
      part,
      `Expected \`${name}\` to be JSON (null, boolean, finite number, string, array or plain object), got ${describeValue(value)}`,
    );
  }
}

/**
 * Checks a job request and returns a copy that the caller can no longer change. Every manager
 * calls this first, so a manager's own code only ever sees valid requests.
 */
export function validateJobRequest(part: string, job: unknown): JobRequest {
  if (job === null || typeof job !== "object" || Array.isArray(job)) {
    throw invalidArgument(part, `Expected \`job\` to be an object, got ${describeValue(job)}`);
  }
  const { callbackId, args, context, cache, timeoutMs } = job as Record<string, unknown>;
  assertId(part, "job.callbackId", callbackId);
  if (!Array.isArray(args)) {
    throw invalidArgument(part, `Expected \`job.args\` to be an array, got ${describeValue(args)}`);
  }
  assertJson(part, "job.args", args);
  if (context !== undefined) {
    if (context === null || typeof context !== "object" || Array.isArray(context)) {
      throw invalidArgument(part, `Expected \`job.context\` to be an object, got ${describeValue(context)}`);
    }
    assertJson(part, "job.context", context);
  }
  let cacheCopy: JobRequest["cache"];
  if (cache !== undefined) {
    if (cache === null || typeof cache !== "object") {
      throw invalidArgument(part, `Expected \`job.cache\` to be \`{ key, ttlMs }\`, got ${describeValue(cache)}`);
    }
    const { key, ttlMs } = cache as Record<string, unknown>;
    assertId(part, "job.cache.key", key);
    assertInteger(part, "job.cache.ttlMs", ttlMs, 1);
    cacheCopy = { key, ttlMs };
  }
  if (timeoutMs !== undefined) assertInteger(part, "job.timeoutMs", timeoutMs, 1, MAX_TIMER_MS);
  const copy: JobRequest = {
    callbackId,
    args: structuredClone(args) as Json[],
    ...(context === undefined ? {} : { context: structuredClone(context) as JobContext }),
    ...(cacheCopy === undefined ? {} : { cache: cacheCopy }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  };
  return copy;
}
