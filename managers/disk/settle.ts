import type { Lease, StoredJob } from "./records.js";
import type { DiskStore } from "./store.js";
import type { JobTable } from "./table.js";

/** What {@link readSettled} needs of the manager. */
export interface SettleContext {
  readonly store: DiskStore;
  readonly table: JobTable;
  /** Whether this process runs the job now: then its own supervision decides, not the file. */
  isLocal(jobId: string): boolean;
  /** This read ended the job. */
  ended(jobId: string): void;
}

/**
 * The job's row, after ending it with the time-limit error when its owner let it run past its
 * limit (an owner that stalls), or `lost` when its owner's lease ran out. Each ending is one
 * statement that checks its condition again, so whatever it decides, the row read next is final.
 */
export async function readSettled(context: SettleContext, jobId: string): Promise<StoredJob | undefined> {
  const { store, table } = context;
  const job = await table.read(jobId);
  if (job === undefined || job.outcome !== undefined || context.isLocal(jobId)) return job;
  if (job.timeoutAt !== undefined && job.timeoutMs !== undefined && Date.now() >= job.timeoutAt) {
    if (await table.timeOut(jobId, job.timeoutMs)) context.ended(jobId);
    return table.read(jobId);
  }
  const lease = await store.get<Lease>(`lease:${job.owner}`);
  if (lease !== undefined && Date.now() <= lease.until) return job;
  for (const lost of await table.markLost(jobId)) context.ended(lost);
  return table.read(jobId);
}
