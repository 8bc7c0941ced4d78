/**
 * The no-op processor of the sandboxed raw BullMQ worker (bench/raw-bullmq-worker.ts with
 * BENCH_SANDBOXED=1): BullMQ runs it in its own child processes, as the QueueManager runs jobs.
 */
import type { SandboxedJob } from "bullmq";

export default async function noop(job: SandboxedJob): Promise<unknown> {
  return job.data;
}
