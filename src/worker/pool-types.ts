import type { JobOutcome, Json } from "../manager/contract.js";

/** Options of a {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /** The app module each worker process loads; it registers the job functions. */
  readonly module: string;
  /** Worker processes, and so jobs running at once. @default 1 */
  readonly concurrency?: number;
  /** How long a cancelled job may keep running after its signal aborts before its process is killed. @default 1000 */
  readonly graceMs?: number;
  /** Extra environment variables for the worker processes. */
  readonly env?: Readonly<Record<string, string>>;
}

/** What a pool reports, and the gate it asks. `end` comes exactly once per submitted job. */
export interface WorkerPoolEvents {
  /** The job's function was called in process `pid`. At most once per job, never after its `end`. */
  start?(jobId: string, pid: number): void;
  progress?(jobId: string, value: Json): void;
  props?(jobId: string, id: string, props: Record<string, Json>): void;
  /**
   * A gate in front of every start, e.g. to read cancel requests made elsewhere. It is asked for
   * the job at the head of the queue once a worker process is free for it, in submit order and one
   * job at a time: while a returned promise is pending, that process stays reserved and no later
   * job is asked or started, so starts stay FIFO.
   *
   * - `false`: the job never starts; the pool reports `end(jobId, { kind: "cancelled" })` and
   *   takes the next job.
   * - `true`, a throw or a rejection: the job starts (a broken gate must not stall the queue).
   *
   * A job cancelled through {@link WorkerPool.cancel} while its admit is pending ends `cancelled`
   * at once and never starts, whatever the answer.
   *
   * @default every job is admitted
   */
  admit?(jobId: string): boolean | Promise<boolean>;
  end(jobId: string, outcome: JobOutcome): void;
}
