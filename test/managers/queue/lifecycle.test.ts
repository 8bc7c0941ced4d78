import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueueManager, type QueueManagerOptions } from "../../../managers/queue/index.js";
import { QueueKeys } from "../../../managers/queue/keys.js";
import { JobStore } from "../../../managers/queue/store.js";
import type { JobOutcome, JobState } from "../../../src/index.js";
import { queueApp, sleep, waitFor } from "./processes.js";
import { deleteKeys, redisUrl, uniqueName } from "./redis.js";

// A web-side manager with in-process workers (each with real job processes), on the shared Redis.
describe("QueueManager: live jobs never expire, starts are bounded, a missing worker is reported", () => {
  let url = "";
  let prefix = "";
  let queues = 0;
  const managers: QueueManager[] = [];

  beforeAll(async () => {
    url = await redisUrl();
    prefix = uniqueName("lifecycle");
  });

  afterAll(async () => {
    await Promise.all(managers.map((manager) => manager.close()));
    await deleteKeys(url, `${prefix}:*`);
  });

  const create = (options: Partial<QueueManagerOptions> = {}): QueueManager => {
    const manager = new QueueManager({
      connection: url,
      prefix,
      queueName: `q${queues++}`,
      workerModule: queueApp,
      ...options,
    });
    managers.push(manager);
    return manager;
  };
  const outcomeOf = (manager: QueueManager, jobId: string, timeoutMs = 20_000): Promise<JobOutcome> =>
    waitFor(`the outcome of ${jobId}`, async () => (await manager.take(jobId)).outcome, timeoutMs, 50);

  /**
   * A job's states, read until its outcome: a take, then (without an outcome) a status, then a wait
   * for the outcome's news (or 50 ms). The status follows a take that saw no outcome by one round
   * trip, so an expired record is the only way it reads `unknown`; that ends the follow at once.
   */
  async function follow(manager: QueueManager, jobId: string): Promise<{ states: JobState[]; outcome?: JobOutcome }> {
    const states: JobState[] = [];
    for (;;) {
      const watching = new AbortController();
      const woken = manager.watch(jobId, watching.signal, { outcome: true });
      try {
        const { outcome } = await manager.take(jobId);
        if (outcome) return { states, outcome };
        const state = await manager.status(jobId);
        states.push(state);
        if (state === "unknown") return { states };
        await Promise.race([woken, sleep(50)]);
      } finally {
        watching.abort();
      }
    }
  }

  it("ttlMs shorter than the wait and the run: the job is never unknown, and both jobs end with their result", async () => {
    // The TTL only has to outlast the step from a job's end to the read of its outcome (a take woken
    // by the outcome): scale it with this machine's slowest take now, so a busy machine gets a longer one.
    const probe = create();
    await probe.take("no-such-job"); // connects
    let slowest = 0;
    for (let i = 0; i < 10; i++) {
      const begin = performance.now();
      await probe.take("no-such-job");
      slowest = Math.max(slowest, performance.now() - begin);
    }
    const ttlMs = Math.round(Math.min(3_000, Math.max(300, 50 * slowest)));
    const manager = create({ ttlMs });
    await manager.startWorker();
    // One job process: the second job waits for the whole run of the first; both last 5 TTLs.
    const first = (await manager.submit({ callbackId: "q.sleep", args: [5 * ttlMs] })).jobId;
    const second = (await manager.submit({ callbackId: "q.echo", args: ["second"] })).jobId;
    const [one, two] = await Promise.all([follow(manager, first), follow(manager, second)]);
    expect(one.states).not.toContain("unknown");
    expect(two.states).not.toContain("unknown");
    expect(one.states).toContain("running");
    expect(two.states).toContain("queued");
    expect(one.outcome?.kind).toBe("result");
    expect(two.outcome).toEqual({ kind: "result", value: "second" });
  });

  it("retryLost: four workers shut down in turn while the job runs, and it started twice, then ended lost", async () => {
    const manager = create({ retryLost: true, leaseMs: 1_000, heartbeatMs: 200 });
    const starts: unknown[] = [];
    const { jobId } = await manager.submit({ callbackId: "q.wait", args: [60_000] });
    for (let i = 0; i < 4; i++) {
      const worker = await manager.startWorker({
        log: (event) => {
          if (event.event === "job.started" && event.jobId === jobId) starts.push(i);
        },
      });
      // Until this worker runs the job, or the job has ended.
      await waitFor(
        `worker ${i} to run the job or the job to end`,
        async () => starts.includes(i) || (await manager.status(jobId)) === "done",
        15_000,
      );
      await worker.close(0);
    }
    expect(starts).toEqual([0, 1]);
    expect((await manager.take(jobId)).outcome).toEqual({
      kind: "lost",
      reason: expect.stringContaining("The worker shut down before the job ended"),
    });
  });

  it("no worker: a queued job's poll reads the error and the web process warns once; a worker then runs new jobs", async () => {
    const manager = create({ leaseMs: 1_000, heartbeatMs: 200, noWorkerTimeoutMs: 1_500 });
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      if ((warning as { code?: string }).code === "NO_WORKER") warnings.push(warning);
    };
    process.on("warning", onWarning);
    const redis = new Redis(url);
    try {
      const orphans = await Promise.all([0, 1].map(() => manager.submit({ callbackId: "q.echo", args: ["orphan"] })));
      for (const { jobId } of orphans) {
        const outcome = await outcomeOf(manager, jobId, 10_000);
        expect(outcome).toEqual({
          kind: "error",
          message: expect.stringContaining(`No worker runs for queue "${manager.queueName}"`),
        });
        expect((outcome as { message: string }).message).toContain("npx background-callbacks worker <your app module>");
        // Gone from BullMQ: it never starts later.
        await waitFor(
          "the job to leave BullMQ",
          async () => (await redis.exists(`${prefix}:${manager.queueName}:${jobId}`)) === 0,
          5_000,
        );
      }
      await sleep(50);
      expect(warnings.map((warning) => warning.message)).toEqual([
        expect.stringMatching(
          /^\[background-callbacks:queue\] No worker runs for queue ".*" \(prefix .*\) on redis:\/\/.*npx background-callbacks worker/,
        ),
      ]);
      const waiting = (await manager.submit({ callbackId: "q.echo", args: ["waiting"] })).jobId;
      const starts: unknown[] = [];
      await manager.startWorker({ log: (event) => event.event === "job.started" && starts.push(event.jobId) });
      const next = (await manager.submit({ callbackId: "q.echo", args: ["next"] })).jobId;
      expect(await outcomeOf(manager, waiting)).toEqual({ kind: "result", value: "waiting" });
      expect(await outcomeOf(manager, next)).toEqual({ kind: "result", value: "next" });
      expect(starts).toEqual([waiting, next]);
      expect(warnings).toHaveLength(1);
    } finally {
      process.off("warning", onWarning);
      redis.disconnect();
    }
  });
  it("a cancel the worker never heard of (no message) still keeps a job waiting in its pool from starting", async () => {
    const manager = create({ leaseMs: 20_000, heartbeatMs: 10_000, cancelGraceMs: 2_000 });
    const started: unknown[] = [];
    await manager.startWorker({ log: (event) => event.event === "job.started" && started.push(event.jobId) });
    const redis = new Redis(url);
    // Another web process's cancel, minus its pub/sub message: only the record says it.
    const store = new JobStore(redis, {
      keys: new QueueKeys(prefix, manager.queueName),
      ttlMs: 60_000,
      leaseMs: 20_000,
    });
    try {
      // It ignores its signal: its process stays busy for the 2 s grace, and the next job waits for it.
      const stubborn = (await manager.submit({ callbackId: "q.sleep", args: [60_000] })).jobId;
      await waitFor("the job to run", async () => (await manager.status(stubborn)) === "running", 15_000);
      await manager.cancel(stubborn);
      const waiting = (await manager.submit({ callbackId: "q.echo", args: ["never"] })).jobId;
      const record = `${prefix}:${manager.queueName}:cb:job:${waiting}`;
      await waitFor(
        "the worker to take the waiting job",
        async () => (await redis.hget(record, "owner")) !== null,
        15_000,
      );
      expect(await store.cancel(waiting)).toBe("queued");
      const next = (await manager.submit({ callbackId: "q.echo", args: ["next"] })).jobId;
      expect(await outcomeOf(manager, next)).toEqual({ kind: "result", value: "next" });
      expect(await manager.take(waiting)).toEqual({ outcome: { kind: "cancelled" } });
      expect(started).toEqual([stubborn, next]);
    } finally {
      redis.disconnect();
    }
  });
});
