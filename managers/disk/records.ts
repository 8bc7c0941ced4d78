import {
  type JobOutcome,
  type JobState,
  type JobUpdate,
  type Json,
  jobUpdate,
  mergeSideUpdate,
  type SideUpdates,
} from "../../src/index.js";

/**
 * A job as stored under `job:<id>`. The owning process writes its progress and side updates while
 * the outcome is unset; the outcome itself is set once, by whoever comes first (the owner, a
 * canceller, or a process that finds the owner's lease expired), and never changes after.
 */
export interface StoredJob {
  state: Exclude<JobState, "unknown">;
  /** The process that runs the job; its lease says whether it is alive. */
  owner: string;
  /** Sequence number of the newest progress or side update. */
  seq: number;
  progress?: { seq: number; value: Json };
  /** Side updates the owner has not yet seen acknowledged. */
  props: { seq: number; id: string; props: Record<string, Json> }[];
  outcome?: JobOutcome;
  /** When the outcome was reached (ms since epoch); the record expires `ttlMs` later. */
  endedAt?: number;
  /** The newest `seq` a `take` delivered. Written only by `take`. */
  ack?: number;
  /** The `ack` before the newest `take`: that take delivered what is newer than this. */
  taken?: number;
  /** The owner's submit sequence: its queued jobs with a lower `order` start before this one. */
  order?: number;
  /** The id the job function was registered under (what `inspect()` reports). */
  callbackId?: string;
  /** When the job left the queue to start (ms since epoch). */
  startedAt?: number;
  /** The job's time limit, as submitted. */
  timeoutMs?: number;
  /**
   * Set when the job starts with a time limit: from then on (ms since epoch) any process may end
   * it with the time-limit error, in case its owner stalls past the limit.
   */
  timeoutAt?: number;
}

/**
 * A process's heartbeat, under `lease:<owner>`: its jobs are alive until `until` (ms since epoch).
 * The other fields describe the process for `inspect()`; leases written before they existed lack them.
 */
export interface Lease {
  until: number;
  /** When the lease was written: the process's last heartbeat. */
  at?: number;
  host?: string;
  pid?: number;
  /** When the process first opened the file to run jobs. */
  since?: number;
  /** Jobs its pool ended since then (as of `at`). */
  jobsDone?: number;
}

/** The reason of a `lost` outcome stored because the owner's lease expired. */
export const LEASE_EXPIRED =
  "The process that ran the job stopped renewing its heartbeat (it died or stalled) before the job ended";

/** What a `take` returns: what is newer than `since`, and the outcome once there is one. */
export function updateSince(job: StoredJob, since: number): JobUpdate {
  const { outcome } = job;
  if (outcome?.kind === "cancelled") return { outcome };
  const sideUpdates: SideUpdates = {};
  for (const entry of job.props) if (entry.seq > since) mergeSideUpdate(sideUpdates, entry.id, entry.props);
  const progress = job.progress && job.progress.seq > since ? { value: job.progress.value } : undefined;
  return jobUpdate({ progress, sideUpdates, outcome });
}
