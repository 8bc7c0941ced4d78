/**
 * The manager of bench/protocol-app.ts, as its environment names it: the app's web and worker
 * processes build it there, and bench/protocol-throughput.ts builds the same one in the benchmark's
 * own process.
 */
import { DiskManager } from "background-callbacks/managers/disk";
import { QueueManager } from "background-callbacks/managers/queue";

/** The environment read: BENCH_MANAGER ("disk" or "queue"), BENCH_CONCURRENCY, BENCH_DB, BENCH_QUEUE, BENCH_PREFIX. */
export type BenchEnv = Readonly<Record<string, string | undefined>>;

/** A QueueManager or a DiskManager (whose job processes load `workerModule`), with the benchmark's settings. */
export function benchManager(env: BenchEnv, workerModule: string): QueueManager | DiskManager {
  const concurrency = Number(env.BENCH_CONCURRENCY ?? 1);
  return env.BENCH_MANAGER === "queue"
    ? new QueueManager({
        connection: env.REDIS_URL ?? "redis://127.0.0.1:6379",
        queueName: env.BENCH_QUEUE ?? "bench-protocol",
        prefix: env.BENCH_PREFIX ?? "bgcb-bench",
        concurrency,
        // The backlog phase stops the worker for a few seconds: its jobs must neither expire nor be lost.
        noWorkerTimeoutMs: 0,
        leaseMs: 120_000,
      })
    : new DiskManager({ path: env.BENCH_DB ?? "bench-protocol.sqlite", workerModule, concurrency });
}
