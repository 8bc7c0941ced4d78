import type { Json } from "../manager/contract.js";
import { isPatch, type Patch, type PatchJson, type PatchKey, type PatchOperation } from "./patch.js";

type Container = Json[] | { [key: string]: Json };

const isContainer = (value: unknown): value is Container => value !== null && typeof value === "object";

function deepEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (!isContainer(a) || !isContainer(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  if (keysA.length !== Object.keys(b).length) return false;
  return keysA.every((key) => Object.hasOwn(b, key) && deepEqual((a as never)[key] as Json, (b as never)[key] as Json));
}

/** Resolves negative list indexes against the value they index, as the renderer does. */
function resolve(location: readonly PatchKey[], root: Json): PatchKey[] {
  let current: Json | undefined = root;
  return location.map((key) => {
    const step = typeof key === "number" && key < 0 && Array.isArray(current) ? current.length + key : key;
    current = isContainer(current) && Object.hasOwn(current, step) ? (current as never)[step] : undefined;
    return step;
  });
}

/** A copy of `root` with `update` applied at `path` (missing steps become objects); `undefined` deletes. */
function write(root: Json | undefined, path: readonly PatchKey[], update: (old: Json | undefined) => Json | undefined) {
  if (path.length === 0) return update(root);
  const [key, ...rest] = path as [PatchKey, ...PatchKey[]];
  const container: Container = isContainer(root) ? (Array.isArray(root) ? [...root] : { ...root }) : {};
  const old = Object.hasOwn(container, key) ? ((container as never)[key] as Json) : undefined;
  const next = write(old, rest, update);
  if (next !== undefined) (container as Record<PatchKey, Json>)[key] = next;
  else if (Array.isArray(container) && typeof key === "number") container.splice(key, 1);
  else delete (container as Record<PatchKey, Json>)[key];
  return container;
}

const list = (value: Json | undefined): Json[] => (Array.isArray(value) ? value : []);
const num = (value: Json | undefined): number => (typeof value === "number" ? value : Number.NaN);

function step(op: PatchOperation, old: Json | undefined): Json | undefined {
  const value = op.params.value ?? null;
  switch (op.operation) {
    case "Assign":
      return value;
    case "Delete":
      return undefined;
    case "Append":
      return [...list(old), value];
    case "Prepend":
      return [value, ...list(old)];
    case "Extend":
      return [...list(old), ...list(value)];
    case "Insert": {
      const items = [...list(old)];
      const index = op.params.index ?? 0;
      items.splice(index < 0 ? items.length + index : index, 0, value);
      return items;
    }
    case "Remove":
      return list(old).filter((item) => !deepEqual(item, value));
    case "Clear":
      return Array.isArray(old) ? [] : typeof old === "string" ? "" : {};
    case "Reverse":
      return [...list(old)].reverse();
    case "Merge":
      return { ...(isContainer(old) && !Array.isArray(old) ? old : {}), ...(value as Record<string, Json>) };
    case "Add":
      return typeof old === "string" || typeof value === "string" ? `${old ?? ""}${value}` : num(old) + num(value);
    case "Sub":
      return num(old) - num(value);
    case "Mul":
      return num(old) * num(value);
    case "Div":
      return num(old) / num(value);
  }
}

/**
 * Applies a patch's operations to a value, as the renderer would. The server uses it to fold a
 * patch into a value sent earlier in the same response, so the browser gets one value.
 */
export function applyPatch(value: Json, patch: PatchJson | Patch): Json {
  let result: Json = value;
  for (const op of patch.operations) {
    result = write(result, resolve(op.location, result), (old) => step(op, old)) ?? null;
  }
  return result;
}

/**
 * The value that has the effect of `earlier` followed by `later` on one prop: a later plain value
 * replaces, two patches chain their operations, a patch after a plain value is applied to it.
 * Without this, two `setProps` patches between polls would leave only the second one's rows.
 */
export function composePropValue(earlier: Json | undefined, later: Json): Json {
  if (earlier === undefined || !isPatch(later)) return later;
  const patch = later as PatchJson;
  if (isPatch(earlier)) {
    return {
      __dash_patch_update: "__dash_patch_update",
      operations: [...earlier.operations, ...patch.operations],
    } as never;
  }
  return applyPatch(earlier, patch);
}
