import { describeValue, invalidArgument } from "../errors.js";
import { isJson } from "../manager/validate.js";
import { isComponent } from "./brand.js";

/** Names a component in error messages: part `html`, label `html.Div`. */
export interface Where {
  readonly part: string;
  readonly label: string;
}

/** Like `describeValue`, but shows `NaN` and `Infinity` as themselves (JSON would show `null`). */
export function describe(value: unknown): string {
  if (typeof value === "number" && !Number.isFinite(value)) return `\`${String(value)}\` (number)`;
  return describeValue(value);
}

/** Whether `value` is an object literal (or made by `Object.create(null)`), not an array or class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isChild(value: unknown): boolean {
  if (value === null || typeof value === "string" || isComponent(value)) return true;
  return typeof value === "number" && Number.isFinite(value);
}

/** Throws unless `value` is a non-empty string or a non-empty object of strings, numbers and booleans. */
export function checkId(where: Where, value: unknown): void {
  if (typeof value === "string" && value.length > 0) return;
  if (isPlainObject(value)) {
    const entries = Object.values(value);
    const scalar = (item: unknown) =>
      typeof item === "string" || typeof item === "boolean" || (typeof item === "number" && Number.isFinite(item));
    if (entries.length > 0 && entries.every(scalar)) return;
  }
  throw invalidArgument(
    where.part,
    `Expected \`id\` of ${where.label} to be a non-empty string or an object id (values: string, number, boolean), got ${describe(value)}`,
  );
}

/** Throws unless `value` is a child or a flat array of them; returns a frozen copy of an array. */
export function checkChildren(where: Where, value: unknown): unknown {
  if (!Array.isArray(value)) {
    if (isChild(value)) return value;
    throw invalidArgument(
      where.part,
      `Expected \`children\` of ${where.label} to be a component, string, number, null or an array of those, got ${describe(value)}`,
    );
  }
  for (let index = 0; index < value.length; index++) {
    const item: unknown = value[index];
    if (!isChild(item)) {
      throw invalidArgument(
        where.part,
        `Expected \`children[${index}]\` of ${where.label} to be a component, string, number or null (arrays do not nest), got ${describe(item)}`,
      );
    }
  }
  return Object.freeze([...value]);
}

interface Problem {
  readonly path: string;
  readonly shown: string;
}

/** Throws unless `value` is JSON in which components may appear anywhere. */
export function checkPropValue(where: Where, key: string, value: unknown): void {
  if (isJson(value)) return;
  const problem = findProblem(value, `${key}`, new Set());
  if (problem === undefined) return;
  throw invalidArgument(
    where.part,
    `Expected \`${problem.path}\` of ${where.label} to be JSON (null, boolean, finite number, string, array or plain object) or a component, got ${problem.shown}`,
  );
}

/** The first part of `value` that `JSON.stringify` would drop or change, if any. */
function findProblem(value: unknown, path: string, seen: Set<object>): Problem | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : { path, shown: describe(value) };
  if (typeof value !== "object") return { path, shown: describe(value) };
  if (isComponent(value)) return undefined;
  if (seen.has(value)) return { path, shown: "a value that contains itself (a cycle)" };
  if (!Array.isArray(value) && !isPlainObject(value)) {
    return { path, shown: `an instance of ${value.constructor?.name ?? "a class"}: ${describe(value)}` };
  }
  seen.add(value);
  try {
    return Array.isArray(value) ? findInArray(value, path, seen) : findInObject(value, path, seen);
  } finally {
    seen.delete(value);
  }
}

function findInArray(value: readonly unknown[], path: string, seen: Set<object>): Problem | undefined {
  for (let index = 0; index < value.length; index++) {
    const item: unknown = value[index];
    // JSON turns `undefined` in an array into `null`, which is rarely what was meant.
    const problem =
      item === undefined
        ? { path: `${path}[${index}]`, shown: describe(item) }
        : findProblem(item, `${path}[${index}]`, seen);
    if (problem) return problem;
  }
  return undefined;
}

function findInObject(value: Record<string, unknown>, path: string, seen: Set<object>): Problem | undefined {
  for (const [key, item] of Object.entries(value)) {
    // JSON leaves out `undefined` members, like the factories leave out `undefined` props.
    if (item === undefined) continue;
    const problem = findProblem(item, `${path}.${key}`, seen);
    if (problem) return problem;
  }
  return undefined;
}
