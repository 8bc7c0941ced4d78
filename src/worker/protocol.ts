import type { JobContext, JobOutcome, Json } from "../manager/contract.js";

/** Environment variable naming the module a worker process loads. */
export const MODULE_ENV = "BACKGROUND_CALLBACKS_MODULE";

/** One job as a worker process receives it. */
export interface WorkerJob {
  readonly jobId: string;
  readonly callbackId: string;
  readonly args: readonly Json[];
  readonly context?: JobContext;
  /**
   * Milliseconds the job may run from its start; then the pool aborts its signal, kills its
   * process after the grace period and ends it with {@link timeoutOutcome}.
   * @default undefined (no limit)
   */
  readonly timeoutMs?: number;
  /**
   * When the job was submitted to its manager (ms since the epoch), for the queue wait that pool
   * observers see (`observePools`); a manager whose jobs wait elsewhere first (a Redis queue) passes it.
   * @default when the pool received the job
   */
  readonly submittedAt?: number;
}

/** The outcome of a job stopped by its `timeoutMs`: `The job timed out after N s`. */
export function timeoutOutcome(timeoutMs: number): JobOutcome {
  return { kind: "error", message: `The job timed out after ${timeoutMs / 1000} s` };
}

/** Messages from the supervisor to a worker process. */
export type ToWorker = { readonly t: "run"; readonly job: WorkerJob } | { readonly t: "abort"; readonly jobId: string };

/** Messages from a worker process to its supervisor. */
export type FromWorker =
  | { readonly t: "ready"; readonly jobs: readonly string[] }
  | { readonly t: "fatal"; readonly message: string; readonly stack?: string }
  /** The job's function was called: from here on, a death of the process makes the job `lost`. */
  | { readonly t: "started"; readonly jobId: string }
  | { readonly t: "progress"; readonly jobId: string; readonly value: Json }
  | { readonly t: "props"; readonly jobId: string; readonly id: string; readonly props: Record<string, Json> }
  /** `leftovers`: timers, sockets or other handles the job left behind; the process is not reused. */
  | { readonly t: "done"; readonly jobId: string; readonly outcome: JobOutcome; readonly leftovers?: readonly string[] }
  /**
   * An error escaped every job's control (a finished job's stray callback, or the module's own
   * code): the process takes no new job. A job it runs now still reports "done".
   */
  | { readonly t: "retire"; readonly reason: string };
