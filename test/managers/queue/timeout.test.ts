import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueueManager } from "../../../managers/queue/index.js";
import type { JobOutcome } from "../../../src/index.js";
import { isAlive, type Proc, startWorker, waitFor, workerStarted } from "./processes.js";
import { deleteKeys, redisUrl, uniqueName } from "./redis.js";

// A worker process started with the CLI, as in production: the limit travels in the job's data.
describe("QueueManager timeoutMs through a CLI worker", { timeout: 90_000 }, () => {
  let url = "";
  let prefix = "";
  let worker: Proc;
  let manager: QueueManager;

  beforeAll(async () => {
    url = await redisUrl();
    prefix = uniqueName("timeout");
    worker = startWorker({ REDIS_URL: url, QUEUE_PREFIX: prefix, QUEUE_NAME: "main", CANCEL_GRACE_MS: "300" });
    manager = new QueueManager({ connection: url, prefix, queueName: "main" });
    await workerStarted(worker, "main", 60_000);
  });

  afterAll(async () => {
    await manager.close();
    await worker.stop("SIGTERM");
    await deleteKeys(url, `${prefix}:*`);
  });

  const outcomeOf = (jobId: string): Promise<JobOutcome> =>
    waitFor(`the outcome of ${jobId}`, async () => (await manager.take(jobId)).outcome, 60_000, 20);

  it("a job that ignores its signal is killed at the limit and ends with the timeout error; the next job runs", async () => {
    const { jobId } = await manager.submit({ callbackId: "q.sleep", args: [60_000], timeoutMs: 500 });
    const where = await waitFor(
      "the job to report its process",
      async () => (await manager.take(jobId)).progress as { pid: number } | undefined,
      60_000,
    );
    expect(await outcomeOf(jobId)).toEqual({ kind: "error", message: "The job timed out after 0.5 s" });
    await waitFor("the job's process to be killed", () => !isAlive(where.pid), 10_000);
    const next = await manager.submit({ callbackId: "q.echo", args: ["next"] });
    expect(await outcomeOf(next.jobId)).toEqual({ kind: "result", value: "next" });
    expect(worker.json.some((line) => line.event === "job.failed" && line.jobId === jobId)).toBe(true);
  });

  it("a cooperative job that stops at the abort ends with the timeout error too; without a limit it runs on", async () => {
    const limited = await manager.submit({ callbackId: "q.wait", args: [60_000], timeoutMs: 400 });
    expect(await outcomeOf(limited.jobId)).toEqual({ kind: "error", message: "The job timed out after 0.4 s" });
    const free = await manager.submit({ callbackId: "q.wait", args: [1_500] });
    expect(await outcomeOf(free.jobId)).toEqual({ kind: "result", value: "timeout" });
  });

  it("rejects a bad timeoutMs before anything reaches Redis", async () => {
    for (const timeoutMs of [0, -1, 1.5, "1000", 2 ** 31]) {
      await expect(
        manager.submit({ callbackId: "q.echo", args: [], timeoutMs: timeoutMs as number }),
      ).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    }
  });
});
