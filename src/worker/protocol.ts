import type { JobContext, JobOutcome, Json } from "../manager/contract.js";

/** Environment variable naming the module a worker process loads. */
export const MODULE_ENV = "BACKGROUND_CALLBACKS_MODULE";

/** One job as a worker process receives it. */
export interface WorkerJob {
  readonly jobId: string;
  readonly callbackId: string;
  readonly args: readonly Json[];
  readonly context?: JobContext;
}

/** Messages from the supervisor to a worker process. */
export type ToWorker = { readonly t: "run"; readonly job: WorkerJob } | { readonly t: "abort"; readonly jobId: string };

/** Messages from a worker process to its supervisor. */
export type FromWorker =
  | { readonly t: "ready"; readonly jobs: readonly string[] }
  | { readonly t: "fatal"; readonly message: string; readonly stack?: string }
  | { readonly t: "progress"; readonly jobId: string; readonly value: Json }
  | { readonly t: "props"; readonly jobId: string; readonly id: string; readonly props: Record<string, Json> }
  | { readonly t: "done"; readonly jobId: string; readonly outcome: JobOutcome };
