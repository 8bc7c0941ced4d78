import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Json } from "../../../src/index.js";
import { maxOverlap } from "../../../src/testing/suite/ordering.js";
import { isAlive, type Proc, startWorker, Web, waitFor, workerStarted } from "./processes.js";
import { deleteKeys, redisUrl, uniqueName } from "./redis.js";

interface Stamp {
  label: number;
  start: number;
  end: number;
  pid: number;
  ppid: number;
}

interface Where {
  pid: number;
  ppid: number;
}

// Two web processes and two worker processes started with the CLI, all on one queue in Redis.
// The app module creates two QueueManagers: "main" (the default: dead workers' jobs end lost) and
// "retry" (retryLost: true), so each worker process runs a worker for both.
describe("QueueManager across processes: 2 web processes, 2 CLI workers", () => {
  let url = "";
  let prefix = "";
  let workers: Proc[] = [];
  let a: Web;
  let b: Web;

  beforeAll(async () => {
    url = await redisUrl();
    prefix = uniqueName("multi");
    const env = {
      REDIS_URL: url,
      QUEUE_PREFIX: prefix,
      QUEUE_NAME: "main",
      QUEUE_RETRY_NAME: "retry",
      LEASE_MS: "1000",
      HEARTBEAT_MS: "200",
    };
    workers = [startWorker(env, ["--concurrency", "1"]), startWorker(env, ["--concurrency", "1"])];
    [a, b] = [new Web(env), new Web(env)];
    await Promise.all([
      ...workers.flatMap((worker) => [workerStarted(worker, "main"), workerStarted(worker, "retry")]),
      a.ready(),
      b.ready(),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...workers, a, b].filter(Boolean).map((proc) => proc.stop("SIGKILL")));
    if (prefix) await deleteKeys(url, `${prefix}:*`);
  });

  /** Takes through `web` until the job reports where it runs. */
  const whereOf = (web: Web, queue: string, jobId: string): Promise<Where> =>
    waitFor(
      `job ${jobId} to report where it runs`,
      async () => (await web.take(queue, jobId)).progress as Where | undefined,
      15_000,
    );

  it("a job submitted through web A is polled and cancelled through web B", async () => {
    const jobId = await a.submit("main", "q.wait", [30_000]);
    const where = await whereOf(b, "main", jobId);
    expect(workers.map((worker) => worker.pid)).toContain(where.ppid);
    expect(await a.status("main", jobId)).toBe("running");
    await b.cancel("main", jobId);
    expect(await a.take("main", jobId)).toEqual({ outcome: { kind: "cancelled" } });
    expect(await b.status("main", jobId)).toBe("done");
    const owner = workers.find((worker) => worker.pid === where.ppid) as Proc;
    const line = await owner.waitForLine("job.cancelled", (l) => l.event === "job.cancelled" && l.jobId === jobId);
    expect(line).toMatchObject({ queue: "main", callbackId: "q.wait", durationMs: expect.any(Number) });
    // The job stopped on its signal within the grace period: its process was not killed.
    expect(isAlive(where.pid)).toBe(true);
  });

  it("20 jobs spread over both workers start in FIFO order, at most one per worker at a time", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await (i % 2 === 0 ? a : b).submit("main", "q.stamp", [i, 150]));
    const stamps: Stamp[] = [];
    for (const jobId of ids) {
      const { outcome } = await a.outcome("main", jobId);
      expect(outcome.kind).toBe("result");
      stamps.push((outcome as { value: Json }).value as unknown as Stamp);
    }
    expect(stamps.map((stamp) => stamp.label)).toEqual(ids.map((_, i) => i));
    // Jobs handed to two processes at the same moment may start a little apart (clock and dispatch).
    const tolerance = 50;
    for (let i = 1; i < stamps.length; i++) {
      const earlier = Math.max(...stamps.slice(0, i).map((stamp) => stamp.start));
      expect(stamps[i]?.start, `job ${i} started before a job submitted earlier`).toBeGreaterThanOrEqual(
        earlier - tolerance,
      );
    }
    expect(new Set(stamps.map((stamp) => stamp.ppid))).toEqual(new Set(workers.map((worker) => worker.pid)));
    expect(maxOverlap(stamps, 5)).toBe(2);
  });

  it("a worker killed with SIGKILL mid-job: its job ends lost (or re-runs with retryLost); the other goes on", async () => {
    const main = [await a.submit("main", "q.wait", [30_000]), await a.submit("main", "q.wait", [30_000])];
    const retry = [await a.submit("retry", "q.sleep", [2_500]), await a.submit("retry", "q.sleep", [2_500])];
    const mainWhere = await Promise.all(main.map((jobId) => whereOf(a, "main", jobId)));
    const retryWhere = await Promise.all(retry.map((jobId) => whereOf(a, "retry", jobId)));
    const [victim, survivor] = workers as [Proc, Proc];
    for (const where of [mainWhere, retryWhere]) {
      expect(where.map((w) => w.ppid).sort()).toEqual([victim.pid, survivor.pid].sort());
    }
    const onVictim = (where: Where[]) => where.findIndex((w) => w.ppid === victim.pid);
    await victim.stop("SIGKILL");

    // The default: the job is lost once the worker's lease (1 s here) expires; web B sees it.
    const lostJob = main[onVictim(mainWhere)] as string;
    const { outcome } = await b.outcome("main", lostJob, 10_000);
    expect(outcome).toMatchObject({ kind: "lost", reason: expect.stringContaining("lease expired") });
    expect(await a.status("main", lostJob)).toBe("done");
    await waitFor(
      "the killed worker's job process to exit",
      () => !isAlive((mainWhere[onVictim(mainWhere)] as Where).pid),
      5_000,
    );

    // retryLost: the job runs again on the surviving worker and completes there.
    const retried = retry[onVictim(retryWhere)] as string;
    const rerun = await b.outcome("retry", retried, 20_000);
    expect(rerun.outcome).toMatchObject({ kind: "result", value: { ppid: survivor.pid } });

    // The surviving worker was not disturbed: its job still runs, and it takes the next one.
    const kept = main[1 - onVictim(mainWhere)] as string;
    expect(await b.status("main", kept)).toBe("running");
    await b.cancel("main", kept);
    const next = await a.submit("main", "q.stamp", ["after", 0]);
    expect((await a.outcome("main", next)).outcome).toMatchObject({ kind: "result", value: { ppid: survivor.pid } });
  });
});
