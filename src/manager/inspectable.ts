import type { BackgroundCallbackManager } from "./contract.js";
import { globalSet } from "./global-set.js";

/** A manager that `npx background-callbacks status <module>` can report on. */
export interface InspectableManager extends BackgroundCallbackManager {
  inspect: NonNullable<BackgroundCallbackManager["inspect"]>;
  /** A short description for the report, e.g. `queue "main" (prefix "bgcb") on redis://127.0.0.1:6379`. */
  describe(): string;
}

const managers = globalSet<InspectableManager>("inspectableManagers");

/**
 * Called by a manager with `inspect` when it is created, so that the status command finds the
 * managers an app module created; {@link unregisterInspectable} when it closes.
 */
export function registerInspectable(manager: InspectableManager): void {
  managers.add(manager);
}

/** Removes a manager (when it closes). */
export function unregisterInspectable(manager: InspectableManager): void {
  managers.delete(manager);
}

/** Every open manager registered in this process so far, in creation order. */
export function inspectableManagers(): readonly InspectableManager[] {
  return [...managers];
}
