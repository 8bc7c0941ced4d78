import { QueueManager } from "background-callbacks/managers/queue";

export const manager = new QueueManager({
  connection: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  queueName: "reports",
  concurrency: 2, // jobs at once per worker process; `--concurrency` overrides it
  cancelGraceMs: 2_000,
  leaseMs: 10_000,
  heartbeatMs: 2_000,
  noWorkerTimeoutMs: 30_000, // queued jobs end with an error when no worker runs for this long
});
