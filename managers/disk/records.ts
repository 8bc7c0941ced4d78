import {
  type JobOutcome,
  type JobState,
  type JobUpdate,
  type Json,
  jobUpdate,
  mergeSideUpdate,
  type SideUpdates,
} from "../../src/index.js";

/** A job as stored under `job:<id>`. Only the owning process writes it. */
export interface StoredJob {
  state: Exclude<JobState, "unknown">;
  /** The process that runs the job; its lease says whether it is alive. */
  owner: string;
  /** Sequence number of the newest progress or side update. */
  seq: number;
  progress?: { seq: number; value: Json };
  /** Side updates not yet acknowledged by a poller. */
  props: { seq: number; id: string; props: Record<string, Json> }[];
  outcome?: JobOutcome;
  /** When the outcome was reached (ms since epoch). */
  endedAt?: number;
}

/** A cancel request, stored under `cancel:<id>` by whichever process asked. */
export interface CancelRequest {
  at: number;
}

/** A process's heartbeat, under `lease:<owner>`: its jobs are alive until `until` (ms since epoch). */
export interface Lease {
  until: number;
}

/**
 * The outcome a reader should see. A cancel request made before the job ended wins over what the
 * job returned; a job whose owner stopped renewing its lease is `lost`.
 */
export function effectiveOutcome(
  job: StoredJob,
  cancel: CancelRequest | undefined,
  ownerAlive: boolean,
): JobOutcome | undefined {
  if (cancel !== undefined && (job.endedAt === undefined || cancel.at < job.endedAt)) return { kind: "cancelled" };
  if (job.outcome !== undefined) return job.outcome;
  if (!ownerAlive) {
    return {
      kind: "lost",
      reason: "The process that ran the job stopped (its heartbeat expired) before the job ended",
    };
  }
  return undefined;
}

/** The state a reader should see, given the effective outcome. */
export function effectiveState(job: StoredJob, outcome: JobOutcome | undefined): Exclude<JobState, "unknown"> {
  return outcome === undefined ? job.state : "done";
}

/** What a `take` returns, given what the poller acknowledged before (`ack`). */
export function updateSince(job: StoredJob, outcome: JobOutcome | undefined, ack: number): JobUpdate {
  if (outcome?.kind === "cancelled") return { outcome };
  const sideUpdates: SideUpdates = {};
  for (const entry of job.props) if (entry.seq > ack) mergeSideUpdate(sideUpdates, entry.id, entry.props);
  const progress = job.progress && job.progress.seq > ack ? { value: job.progress.value } : undefined;
  return jobUpdate({ progress, sideUpdates, outcome });
}
