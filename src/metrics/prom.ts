import { createRequire } from "node:module";
import type * as PromClient from "prom-client";
import { BackgroundCallbackError } from "../errors.js";

/** The `prom-client` module. */
export type Prom = typeof PromClient;

let loaded: Prom | undefined;

/**
 * `prom-client`, loaded on first use: an app without metrics (and every job process) never pays
 * for its import.
 * @throws `DEPENDENCY_MISSING` when it cannot be loaded.
 */
export function prom(): Prom {
  if (loaded !== undefined) return loaded;
  try {
    loaded = createRequire(import.meta.url)("prom-client") as Prom;
  } catch (error) {
    throw new BackgroundCallbackError(
      "DEPENDENCY_MISSING",
      "[background-callbacks:metrics] Cannot load `prom-client`; make sure it is installed (`npm install prom-client`)",
      { cause: error },
    );
  }
  return loaded;
}

/** Label values of one label, at most `max` distinct ones; later new values all become `"_other"`. */
export class BoundedLabel {
  readonly #seen = new Set<string>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  of(value: string): string {
    if (this.#seen.has(value)) return value;
    if (this.#seen.size >= this.#max) return "_other";
    this.#seen.add(value);
    return value;
  }
}

/** Most distinct callback ids a label takes: far above any app's, bounded for a broken backend. */
export const MAX_CALLBACKS = 1_000;

/** Makers of metrics registered in `registry`: `name`, `help`, label names (and buckets). */
export function metricsIn(registry: PromClient.Registry) {
  const client = prom();
  const registers = [registry];
  return {
    counter: <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
      new client.Counter<L>({ name, help, labelNames, registers }),
    gauge: <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
      new client.Gauge<L>({ name, help, labelNames, registers }),
    histogram: <L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]) =>
      new client.Histogram<L>({ name, help, labelNames, buckets, registers }),
  };
}
