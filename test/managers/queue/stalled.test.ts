import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { QueueManager } from "../../../managers/queue/index.js";
import type { JobOutcome } from "../../../src/index.js";
import { type Proc, queueApp, startWorker, waitFor, workerStarted } from "./processes.js";
import { deleteKeys, redisUrl, uniqueName } from "./redis.js";

describe("QueueManager: a worker that dies holding a job it has not started", () => {
  it("the job is not dropped or lost: another worker runs it", async () => {
    const url = await redisUrl();
    const prefix = uniqueName("stalled");
    const settings = {
      connection: url,
      prefix,
      queueName: "main",
      leaseMs: 1_000,
      heartbeatMs: 200,
      workerModule: queueApp,
    };
    const env = {
      REDIS_URL: url,
      QUEUE_PREFIX: prefix,
      QUEUE_NAME: "main",
      LEASE_MS: "1000",
      HEARTBEAT_MS: "200",
      CANCEL_GRACE_MS: "30000",
    };
    const doomed = startWorker(env);
    const web = new QueueManager(settings);
    const rescuer = new QueueManager(settings);
    const redis = new Redis(url);
    const outcomeOf = (jobId: string): Promise<JobOutcome> =>
      waitFor(`the outcome of ${jobId}`, async () => (await web.take(jobId)).outcome, 15_000);
    try {
      await workerStarted(doomed, "main");
      // The only job process stays busy: the job ignores its signal, and the grace period is 30 s.
      const stubborn = (await web.submit({ callbackId: "q.sleep", args: [60_000] })).jobId;
      await waitFor("the job to run", async () => (await web.status(stubborn)) === "running", 15_000);
      await web.cancel(stubborn);
      // The worker takes the next job from the queue, but it waits for the busy process.
      const next = (await web.submit({ callbackId: "q.stamp", args: ["next", 0] })).jobId;
      const record = `${prefix}:main:cb:job:${next}`;
      await waitFor(
        "the worker to take the next job",
        async () => (await redis.hget(record, "owner")) !== null,
        15_000,
      );
      expect(await web.status(next)).toBe("queued");
      await doomed.stop("SIGKILL");
      await rescuer.startWorker();
      expect(await outcomeOf(next)).toMatchObject({ kind: "result", value: { label: "next", ppid: process.pid } });
      expect(await web.take(stubborn)).toEqual({ outcome: { kind: "cancelled" } });
    } finally {
      await doomed.stop("SIGKILL");
      await Promise.all([web.close(), rescuer.close()]);
      redis.disconnect();
      await deleteKeys(url, `${prefix}:*`);
    }
  });
});

describe("QueueManager: a worker stalled (SIGSTOP) past its lease", () => {
  it("retryLost: another worker re-runs the job; the stalled run writes nothing when it resumes, and stops", async () => {
    const url = await redisUrl();
    const prefix = uniqueName("sigstop");
    const env = {
      REDIS_URL: url,
      QUEUE_PREFIX: prefix,
      QUEUE_NAME: "main",
      QUEUE_RETRY_NAME: "retry",
      LEASE_MS: "1000",
      HEARTBEAT_MS: "200",
      CANCEL_GRACE_MS: "300",
    };
    const web = new QueueManager({
      connection: url,
      prefix,
      queueName: "retry",
      retryLost: true,
      leaseMs: 1_000,
      heartbeatMs: 200,
      workerModule: queueApp,
    });
    const workers = [startWorker(env), startWorker(env)];
    const redis = new Redis(url);
    try {
      await Promise.all(workers.map((worker) => workerStarted(worker, "retry", 60_000)));
      // Long enough to outlast the takeover on a busy machine.
      const { jobId } = await web.submit({ callbackId: "q.sleep", args: [15_000] });
      const first = await waitFor("the first run", async () => (await web.take(jobId)).progress, 15_000);
      const stalled = workers.find((worker) => worker.pid === (first as { ppid: number }).ppid) as Proc;
      const rescuer = workers.find((worker) => worker !== stalled) as Proc;
      process.kill(stalled.pid, "SIGSTOP");
      try {
        await waitFor(
          "the second run",
          async () => ((await web.take(jobId)).progress as { ppid?: number } | undefined)?.ppid === rescuer.pid,
          40_000,
        );
      } finally {
        process.kill(stalled.pid, "SIGCONT");
      }
      const line = await stalled.waitForLine(
        "job.superseded",
        (l) => l.event === "job.superseded" && l.jobId === jobId,
      );
      expect(line).toMatchObject({ level: "warn", queue: "retry", reason: expect.stringContaining("wrote nothing") });
      const outcome = await waitFor("the outcome", async () => (await web.take(jobId)).outcome, 30_000);
      expect(outcome).toMatchObject({ kind: "result", value: { ppid: rescuer.pid } });
      expect(await redis.hget(`${prefix}:retry:cb:job:${jobId}`, "runs")).toBe("2");
      // The stalled worker neither finished nor lost the job in its own name.
      const ended = stalled.json.filter(
        (l) => l.jobId === jobId && /^job\.(finished|failed|lost|cancelled)$/.test(String(l.event)),
      );
      expect(ended).toEqual([]);
    } finally {
      await Promise.all(workers.map((worker) => worker.stop("SIGKILL")));
      await web.close();
      redis.disconnect();
      await deleteKeys(url, `${prefix}:*`);
    }
  }, 180_000);
});
