import { composePropValue } from "../app/patch-apply.js";
import type { JobUpdate, Json, SideUpdates } from "./contract.js";

/**
 * Merges one `setProps` call into pending side updates: per component, per prop, last wins; a
 * `Patch` is composed with what is pending for its prop, so none of its operations is lost.
 */
export function mergeSideUpdate(target: SideUpdates, id: string, props: Record<string, Json>): void {
  const merged = { ...target[id] };
  for (const [name, value] of Object.entries(props)) {
    merged[name] = composePropValue(Object.hasOwn(merged, name) ? merged[name] : undefined, value);
  }
  target[id] = merged;
}

/** Merges `later` side updates into `earlier`, in place. */
export function mergeSideUpdates(earlier: SideUpdates, later: SideUpdates): void {
  for (const [id, props] of Object.entries(later)) mergeSideUpdate(earlier, id, props);
}

/** Builds a `JobUpdate`, leaving out what is empty. */
export function jobUpdate(parts: {
  progress?: { value: Json } | undefined;
  sideUpdates?: SideUpdates | undefined;
  outcome?: JobUpdate["outcome"];
}): JobUpdate {
  return {
    ...(parts.progress === undefined ? {} : { progress: parts.progress.value }),
    ...(parts.sideUpdates === undefined || Object.keys(parts.sideUpdates).length === 0
      ? {}
      : { sideUpdates: parts.sideUpdates }),
    ...(parts.outcome === undefined ? {} : { outcome: parts.outcome }),
  };
}
