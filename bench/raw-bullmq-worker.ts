/**
 * A raw BullMQ worker process with a no-op processor: the floor the QueueManager is compared to.
 * With BENCH_SANDBOXED=1 the processor is a file that BullMQ runs in child processes of its own
 * (`useWorkerThreads: false`): the closest raw equivalent of jobs in separate, killable processes.
 */
import { fileURLToPath } from "node:url";
import { Worker } from "bullmq";

const processor =
  process.env.BENCH_SANDBOXED === "1"
    ? fileURLToPath(new URL("./raw-bullmq-processor.ts", import.meta.url))
    : async (job: { data: unknown }) => job.data;
const worker = new Worker(process.env.BENCH_QUEUE ?? "bench-raw", processor, {
  connection: { host: "127.0.0.1", port: Number(process.env.REDIS_PORT ?? 6379), maxRetriesPerRequest: null },
  prefix: process.env.BENCH_PREFIX ?? "bgcb-bench-raw",
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? 1),
  useWorkerThreads: false,
});
await worker.waitUntilReady();
process.send?.("ready");
process.on("SIGTERM", () => void worker.close().then(() => process.exit(0)));
// The benchmark died: do not outlive it.
process.on("disconnect", () => process.exit(1));
