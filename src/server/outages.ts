import type { BackgroundCallbackManager } from "../manager/contract.js";

/**
 * How long each manager's backend has been unreachable, as this web process saw it: from the
 * first `BACKEND` failure after a success until the next success.
 */
export class Outages {
  readonly #since = new Map<BackgroundCallbackManager, number>();
  /** How long polls answer "still running" through an outage. */
  readonly boundMs: number;

  constructor(boundMs: number) {
    this.boundMs = boundMs;
  }

  /** Records a `BACKEND` failure; the time since the outage began, in milliseconds. */
  failed(manager: BackgroundCallbackManager): number {
    const now = Date.now();
    const since = this.#since.get(manager);
    if (since === undefined) this.#since.set(manager, now);
    return since === undefined ? 0 : now - since;
  }

  /** Records that the backend answered: the outage, if any, is over. */
  succeeded(manager: BackgroundCallbackManager): void {
    this.#since.delete(manager);
  }
}
