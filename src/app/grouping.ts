import { AsyncLocalStorage } from "node:async_hooks";
import { describeValue, invalidArgument } from "../errors.js";
import type { Json } from "../manager/contract.js";
import { isNoUpdate } from "../worker/outcome.js";
import { parsePropId } from "./context.js";
import { Dependency, stringifyId } from "./dependencies.js";

/**
 * Dependencies in a shape: one, a list of shapes, or an object of shapes (Dash's grouped,
 * "flexible" callback signatures). The callback's values come in the same shape.
 */
export type DependencyGroup = Dependency | readonly DependencyGroup[] | { readonly [key: string]: DependencyGroup };

/** One leaf of `ctx.argsGrouping`: an input or state with its value, as in Dash's `args_grouping`. */
export interface GroupedArg {
  readonly id: string | Record<string, Json>;
  /** The id as a string: dict ids written as JSON with sorted keys. */
  readonly idStr: string;
  readonly property: string;
  readonly value: Json;
  /** Whether this input triggered the call. */
  readonly triggered: boolean;
}

/** `ctx.argsGrouping`: the callback's arguments in the shape of its `inputs` (and `state`). */
export type ArgsGrouping = GroupedArg | readonly ArgsGrouping[] | { readonly [key: string]: ArgsGrouping };

/** One entry of `ctx.outputsList`: an output's id and prop. */
export interface OutputTarget {
  readonly id: string | Record<string, Json>;
  readonly property: string;
}

/** One output in `ctx.outputsList`: its target, or the list of targets an `ALL` wildcard matched. */
export type OutputEntry = OutputTarget | readonly OutputTarget[];

const isPlainGroup = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Dependency);

/** The dependencies of a shape, depth first, in key order. Throws for anything else in it. */
export function flattenGroup(name: string, group: unknown, kind: Dependency["kind"]): Dependency[] {
  if (group instanceof Dependency) {
    if (group.kind === kind) return [group];
  } else if (Array.isArray(group)) {
    return group.flatMap((item) => flattenGroup(name, item, kind));
  } else if (isPlainGroup(group) && Object.keys(group).length > 0) {
    return Object.values(group).flatMap((item) => flattenGroup(name, item, kind));
  }
  throw invalidArgument(
    "callback",
    `Expected \`${name}\` to hold ${kind}(...) values (alone, in lists or in objects), got ${describeValue(group)}`,
  );
}

/** Builds the shape of `group` with its leaves taken, in order, from `leaves`. */
export function fillGroup<T>(group: DependencyGroup, leaves: readonly T[], start = { at: 0 }): unknown {
  if (group instanceof Dependency) return leaves[start.at++];
  if (Array.isArray(group)) return group.map((item) => fillGroup(item, leaves, start));
  return Object.fromEntries(Object.entries(group).map(([key, item]) => [key, fillGroup(item, leaves, start)]));
}

/** Thrown when a grouped callback returns a value of another shape than its outputs. */
export class GroupShapeError extends Error {}

/**
 * The leaves of `value` where `group` has outputs, in order. `noUpdate` in place of a part leaves
 * every output of that part unchanged.
 */
export function flattenValue(group: DependencyGroup, value: unknown, path = "the return value"): unknown[] {
  if (group instanceof Dependency) return [value];
  if (isNoUpdate(value)) return flattenGroup("output", group, "Output").map(() => value);
  if (Array.isArray(group)) {
    if (!Array.isArray(value) || value.length !== group.length) {
      throw new GroupShapeError(`Expected ${path} to be a list of ${group.length} values, got ${describeValue(value)}`);
    }
    return group.flatMap((item, index) => flattenValue(item, value[index], `${path}[${index}]`));
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new GroupShapeError(
      `Expected ${path} to be an object with keys ${Object.keys(group).join(", ")}, got ${describeValue(value)}`,
    );
  }
  return Object.entries(group as Record<string, DependencyGroup>).flatMap(([key, item]) => {
    if (!Object.hasOwn(value, key)) throw new GroupShapeError(`Expected ${path} to have the key "${key}"`);
    return flattenValue(item, (value as Record<string, unknown>)[key], `${path}.${key}`);
  });
}

interface GroupingScope {
  readonly args: ArgsGrouping | readonly ArgsGrouping[];
  readonly outputs: OutputEntry | readonly OutputEntry[];
}

const scope = new AsyncLocalStorage<GroupingScope>();

/** Runs `fn` with the grouping that `ctx.argsGrouping` and `ctx.outputsList` read. */
export function runWithGrouping<T>(grouping: GroupingScope, fn: () => T): T {
  return scope.run(grouping, fn);
}

/** The grouping of the running callback, or empty lists outside one. */
export function currentGrouping(): GroupingScope {
  return scope.getStore() ?? { args: [], outputs: [] };
}

/** An output as `ctx.outputsList` lists it. */
export function outputTarget(output: Dependency): OutputTarget {
  return {
    id: typeof output.id === "string" ? output.id : (output.id as Record<string, Json>),
    property: output.property,
  };
}

/**
 * The leaf (or, for an `ALL`/`ALLSMALLER` wildcard, the list of leaves) of `ctx.argsGrouping` for a
 * dependency. `seen` holds the request's values by `"<id>.<prop>"` (`ctx.inputs` or `ctx.states`):
 * a wildcard's matches are found there, with their concrete ids, in the order the page sent them.
 */
export function groupedArg(
  dep: Dependency,
  value: Json,
  triggered: ReadonlySet<string>,
  seen: Readonly<Record<string, Json>>,
): GroupedArg | GroupedArg[] {
  if (!dep.isPattern) return leaf(dep.id as string | Record<string, Json>, dep.property, value, triggered);
  const matches = Object.keys(seen)
    .map((propId) => ({ propId, ...parsePropId(propId) }))
    .filter((found) => found.property === dep.property && matchesPattern(dep.id as Record<string, unknown>, found.id))
    .map((found) => leaf(found.id, dep.property, seen[found.propId] ?? null, triggered));
  if (Array.isArray(value)) return matches;
  // MATCH resolves to one component: the triggering one when it fits.
  return (
    matches.find((match) => match.triggered) ?? matches[0] ?? leaf(dep.id as never, dep.property, value, triggered)
  );
}

function leaf(id: string | Record<string, Json>, property: string, value: Json, triggered: ReadonlySet<string>) {
  const idStr = stringifyId(id as never);
  return { id, idStr, property, value, triggered: triggered.has(`${idStr}.${property}`) };
}

/** Whether a concrete dict id fits a pattern: the same keys, equal where the pattern has no wildcard. */
function matchesPattern(pattern: Record<string, unknown>, id: unknown): boolean {
  if (id === null || typeof id !== "object") return false;
  const keys = Object.keys(pattern);
  return (
    keys.length === Object.keys(id).length &&
    keys.every((key) => Object.hasOwn(id, key) && (Array.isArray(pattern[key]) || pattern[key] === (id as never)[key]))
  );
}
