import { globalSet } from "../manager/global-set.js";

/** A running queue worker, as the worker CLI controls it. */
export interface RunningQueueWorker {
  /** Stops taking jobs, lets running ones finish within `graceMs`, then hands them back or marks them lost. */
  close(graceMs: number): Promise<void>;
}

/** Something the worker CLI can start a queue worker for (a `QueueManager`). */
export interface QueueWorkerSource {
  /** A short description for logs, e.g. `queue "background-callbacks" on redis://127.0.0.1:6379`. */
  describe(): string;
  /** Starts taking jobs; they run on worker processes that load `module`. */
  startWorker(options: QueueWorkerOptions): Promise<RunningQueueWorker>;
}

/** Options the worker CLI passes to {@link QueueWorkerSource.startWorker}. */
export interface QueueWorkerOptions {
  /** The app module worker processes load. */
  readonly module: string;
  /** Jobs run at once by this worker. @default the source's own setting (a QueueManager's `concurrency` option) */
  readonly concurrency?: number;
  /** Structured log lines (job started / finished / failed / cancelled, with durations). */
  log(event: Record<string, unknown>): void;
}

const sources = globalSet<QueueWorkerSource>("queueWorkerSources");

/** Called by managers that take jobs from a queue, when they are created. */
export function registerQueueWorkerSource(source: QueueWorkerSource): void {
  sources.add(source);
}

/** Removes a source (when its manager closes). */
export function unregisterQueueWorkerSource(source: QueueWorkerSource): void {
  sources.delete(source);
}

/** Every source created in this process so far, in creation order. */
export function queueWorkerSources(): readonly QueueWorkerSource[] {
  return [...sources];
}
