import { hostname } from "node:os";
import type { ResolvedDiskOptions } from "./options.js";
import type { OwnedJobs } from "./owned.js";
import type { Lease } from "./records.js";
import type { DiskStore } from "./store.js";
import type { JobTable } from "./table.js";

/** What {@link Upkeep} reports to the manager. */
export interface UpkeepEvents {
  /** Another process ended this job of ours (a cancel, `lost`): stop it. */
  stop(jobId: string): void;
  /** The sweep ended this job `lost`. */
  lost(jobId: string): void;
  error(error: unknown): void;
}

/**
 * The periodic work of a manager with an open file: its lease while it has unended jobs, the
 * check for cancels of its running jobs stored by other processes, and the sweep of expired rows
 * and of jobs whose owner died. Each task skips a tick while its previous run is still going.
 */
export class Upkeep {
  readonly #options: ResolvedDiskOptions;
  readonly #owner: string;
  readonly #timers: NodeJS.Timeout[] = [];
  #leaseAt = 0;
  /** When this process first wrote its lease; `inspect()` reports it as the process's start. */
  #since: number | undefined;
  #jobsDone = 0;

  constructor(options: ResolvedDiskOptions, owner: string) {
    this.#options = options;
    this.#owner = owner;
  }

  start(store: DiskStore, table: JobTable, owned: OwnedJobs, events: UpkeepEvents): void {
    const every = (ms: number, fn: () => Promise<unknown>): void => {
      let busy = false;
      const timer = setInterval(() => {
        if (busy) return;
        busy = true;
        fn()
          .catch(events.error)
          .finally(() => {
            busy = false;
          });
      }, ms);
      timer.unref();
      this.#timers.push(timer);
    };
    const { heartbeatMs, cancelPollMs, sweepIntervalMs } = this.#options;
    every(heartbeatMs, () => (owned.active().length > 0 ? this.renewLease(store) : Promise.resolve()));
    every(cancelPollMs, async () => {
      for (const jobId of await table.ended(owned.active())) events.stop(jobId);
    });
    every(sweepIntervalMs, async () => {
      for (const jobId of await table.markLost()) events.lost(jobId);
      await store.sweep();
    });
  }

  /** Renews this process's lease, unless it did so within half a heartbeat. */
  async renewLease(store: DiskStore): Promise<void> {
    const now = Date.now();
    if (now - this.#leaseAt < this.#options.heartbeatMs / 2) return;
    this.#leaseAt = now;
    this.#since ??= now;
    const lease: Lease = {
      until: now + this.#options.leaseMs,
      at: now,
      host: hostname(),
      pid: process.pid,
      since: this.#since,
      jobsDone: this.#jobsDone,
    };
    await store.set(`lease:${this.#owner}`, lease, this.#options.leaseMs * 4);
  }

  /** A job of this process's pool ended: counted in the next lease. */
  jobEnded(): void {
    this.#jobsDone++;
  }

  stop(): void {
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
  }
}
