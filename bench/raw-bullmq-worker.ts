/** A raw BullMQ worker process with a no-op processor: the floor the QueueManager is compared to. */
import { Worker } from "bullmq";

const worker = new Worker(process.env.BENCH_QUEUE ?? "bench-raw", async (job) => job.data, {
  connection: { host: "127.0.0.1", port: Number(process.env.REDIS_PORT ?? 6379), maxRetriesPerRequest: null },
  prefix: process.env.BENCH_PREFIX ?? "bgcb-bench-raw",
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? 1),
});
await worker.waitUntilReady();
process.send?.("ready");
process.on("SIGTERM", () => void worker.close().then(() => process.exit(0)));
// The benchmark died: do not outlive it.
process.on("disconnect", () => process.exit(1));
