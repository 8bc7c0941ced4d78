import { describeValue, invalidArgument } from "../errors.js";
import type { Json } from "../manager/contract.js";
import { toJson } from "../manager/validate.js";

/** A step of a location: an object key, or a list index (negative counts from the end). */
export type PatchKey = string | number;

/** The operations the Dash renderer applies to a prop's current value. */
export type PatchOperationName =
  | "Assign"
  | "Delete"
  | "Append"
  | "Prepend"
  | "Extend"
  | "Insert"
  | "Remove"
  | "Clear"
  | "Reverse"
  | "Merge"
  | "Add"
  | "Sub"
  | "Mul"
  | "Div";

/** One operation on the wire: what to do, where, with which parameters. */
export interface PatchOperation {
  readonly operation: PatchOperationName;
  readonly location: readonly PatchKey[];
  readonly params: { readonly value?: Json; readonly index?: number };
}

/** What a {@link Patch} sends: the renderer recognises it by the marker and applies `operations` in order. */
export interface PatchJson {
  readonly __dash_patch_update: "__dash_patch_update";
  readonly operations: readonly PatchOperation[];
}

/** The marker value the renderer looks for. */
const MARKER = "__dash_patch_update";

const part = "patch";

function checkKey(key: unknown): PatchKey {
  if (typeof key === "string" || (typeof key === "number" && Number.isInteger(key))) return key;
  throw invalidArgument(part, `Expected a location key to be a string or an integer, got ${describeValue(key)}`);
}

function json(name: string, value: unknown): Json {
  const converted = toJson(value);
  if (converted === undefined) {
    throw invalidArgument(part, `Expected \`${name}\` to be JSON, got ${describeValue(value)}`);
  }
  return converted;
}

function finite(name: string, value: unknown): number {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  throw invalidArgument(part, `Expected \`${name}\` to be a finite number, got ${describeValue(value)}`);
}

/**
 * Changes part of a prop's value in the browser instead of sending the whole value again, like
 * Dash's `Patch`. Use it as a callback's return value, in `setProps` values or in progress values.
 * Operations are recorded in call order and applied by the renderer to the prop's current value;
 * patching a prop the component does not have yet fails in the browser.
 *
 * `at(...keys)` moves to a nested location (Dash's `patch["data"][0]["y"]`); the patch it returns
 * records into the same list of operations. Every method returns its patch, so calls chain.
 * Values are copied as JSON when the operation is recorded.
 *
 * @example
 * ```ts
 * const figure = new Patch();
 * figure.at("data", 0, "y").append(3);
 * figure.at("layout").set("title", "Latest");
 * return figure;
 * ```
 */
export class Patch {
  readonly #location: readonly PatchKey[];
  readonly #operations: PatchOperation[];

  /** A patch of the whole prop value. */
  constructor();
  /** @internal a patch at a nested location, sharing the operations of its root. */
  constructor(location: readonly PatchKey[], operations: PatchOperation[]);
  constructor(location: readonly PatchKey[] = [], operations: PatchOperation[] = []) {
    this.#location = location;
    this.#operations = operations;
  }

  /** The location this patch writes at, from the prop's root. */
  get location(): readonly PatchKey[] {
    return [...this.#location];
  }

  /** The operations recorded so far (by this patch and every patch of the same root). */
  get operations(): readonly PatchOperation[] {
    return this.#operations.map((op) => ({ ...op, location: [...op.location], params: { ...op.params } }));
  }

  /** A patch at `keys` below this one (Dash: `patch["a"][0]`); records into the same operations. */
  at(...keys: PatchKey[]): Patch {
    return new Patch([...this.#location, ...keys.map(checkKey)], this.#operations);
  }

  /** Sets `key` to `value` (Dash: `patch[key] = value`). */
  set(key: PatchKey, value: unknown): this {
    return this.#record("Assign", [...this.#location, checkKey(key)], { value: json("value", value) });
  }

  /** Deletes `key` (Dash: `del patch[key]`). */
  delete(key: PatchKey): this {
    return this.#record("Delete", [...this.#location, checkKey(key)], {});
  }

  /** Adds `item` to the end of the list here. */
  append(item: unknown): this {
    return this.#here("Append", { value: json("item", item) });
  }

  /** Adds `item` to the start of the list here. */
  prepend(item: unknown): this {
    return this.#here("Prepend", { value: json("item", item) });
  }

  /** Inserts `item` at `index` of the list here (negative counts from the end). */
  insert(index: number, item: unknown): this {
    if (!Number.isInteger(index)) {
      throw invalidArgument(part, `Expected \`index\` to be an integer, got ${describeValue(index)}`);
    }
    return this.#here("Insert", { value: json("item", item), index });
  }

  /** Adds every item of `items` to the end of the list here (Dash: `extend`, or `+=` with a list). */
  extend(items: readonly unknown[]): this {
    if (!Array.isArray(items)) {
      throw invalidArgument(part, `Expected \`items\` to be an array, got ${describeValue(items)}`);
    }
    return this.#here("Extend", { value: json("items", items) });
  }

  /** Removes every item equal to `item` (deep equality) from the list here. */
  remove(item: unknown): this {
    return this.#here("Remove", { value: json("item", item) });
  }

  /** Empties the list (or object, or string) here. */
  clear(): this {
    return this.#here("Clear", {});
  }

  /** Reverses the list here. */
  reverse(): this {
    return this.#here("Reverse", {});
  }

  /** Merges the keys of `value` into the object here (Dash: `update`, or `|=`). */
  merge(value: Readonly<Record<string, unknown>>): this {
    const converted = json("value", value);
    if (converted === null || typeof converted !== "object" || Array.isArray(converted)) {
      throw invalidArgument(part, `Expected \`value\` to be a plain object, got ${describeValue(value)}`);
    }
    return this.#here("Merge", { value: converted });
  }

  /** Adds `value` to the number (or appends it to the string) here (Dash: `+=`). */
  add(value: number | string): this {
    if (typeof value !== "string") finite("value", value);
    return this.#here("Add", { value });
  }

  /** Subtracts `value` from the number here (Dash: `-=`). */
  sub(value: number): this {
    return this.#here("Sub", { value: finite("value", value) });
  }

  /** Multiplies the number here by `value` (Dash: `*=`). */
  mul(value: number): this {
    return this.#here("Mul", { value: finite("value", value) });
  }

  /** Divides the number here by `value` (Dash: `/=`). */
  div(value: number): this {
    return this.#here("Div", { value: finite("value", value) });
  }

  /** The wire form the renderer applies: `{"__dash_patch_update": ..., "operations": [...]}`. */
  toJSON(): PatchJson {
    return { __dash_patch_update: MARKER, operations: this.operations };
  }

  #here(operation: PatchOperationName, params: PatchOperation["params"]): this {
    return this.#record(operation, this.#location, params);
  }

  #record(operation: PatchOperationName, location: readonly PatchKey[], params: PatchOperation["params"]): this {
    this.#operations.push({ operation, location: [...location], params });
    return this;
  }
}

/** Whether `value` is a patch: a {@link Patch}, or its wire form after it crossed a process boundary. */
export function isPatch(value: unknown): value is Patch | PatchJson {
  if (value instanceof Patch) return true;
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    (value as Record<string, unknown>)[MARKER] === MARKER &&
    Array.isArray((value as Record<string, unknown>).operations)
  );
}

/** A value for a prop: JSON, or a {@link Patch} of the prop's current value. */
export type PropValue = Json | Patch;
