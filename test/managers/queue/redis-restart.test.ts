import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { QueueManager } from "../../../managers/queue/index.js";
import { QueueKeys } from "../../../managers/queue/keys.js";
import type { JobOutcome } from "../../../src/index.js";
import { queueApp, sleep, startWorker, waitFor, workerStarted } from "./processes.js";
import { freePort, startRedisServer, uniqueName } from "./redis.js";

/** Settles with what `promise` did, or "pending" when it has not settled within `ms`. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<"resolved" | "rejected" | "pending"> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<"pending">((resolve) => {
    timer = setTimeout(() => resolve("pending"), ms);
  });
  const settled = promise.then(
    () => "resolved" as const,
    () => "rejected" as const,
  );
  try {
    return await Promise.race([settled, pending]);
  } finally {
    clearTimeout(timer);
  }
}

/** Takes until the outcome arrives; BACKEND failures while Redis comes back count as "no news". */
function outcomeOf(manager: QueueManager, jobId: string, timeoutMs: number): Promise<JobOutcome> {
  return waitFor(
    `the outcome of ${jobId}`,
    async () => {
      try {
        return (await manager.take(jobId)).outcome;
      } catch (error) {
        expect(error).toMatchObject({ code: "BACKEND" });
        return undefined;
      }
    },
    timeoutMs,
    50,
  );
}

// A private redis-server (no persistence): killing it loses every key, the worst case of a restart.
describe("QueueManager when Redis restarts", () => {
  it("web and worker reconnect after a restart mid-job: the job ends, and polls never hang", async () => {
    const redis = await startRedisServer();
    const prefix = uniqueName("restart");
    const env = {
      REDIS_URL: redis.url,
      QUEUE_PREFIX: prefix,
      QUEUE_NAME: "main",
      LEASE_MS: "3000",
      HEARTBEAT_MS: "300",
    };
    const worker = startWorker(env);
    const web = new QueueManager({
      connection: redis.url,
      prefix,
      queueName: "main",
      leaseMs: 3000,
      heartbeatMs: 300,
      workerModule: queueApp,
    });
    try {
      await workerStarted(worker, "main");
      const { jobId } = await web.submit({ callbackId: "q.sleep", args: [1_500] });
      await waitFor("the job to run", async () => (await web.status(jobId)) === "running", 15_000);
      // Killed: it keeps nothing, so the queue and every record are gone when it comes back.
      await redis.stop();
      // While Redis is down a poll fails fast with BACKEND; it never hangs.
      const poll = web.take(jobId);
      expect(await settledWithin(poll, 3_000)).toBe("rejected");
      await expect(poll).rejects.toMatchObject({ code: "BACKEND", message: expect.stringContaining(redis.url) });
      await sleep(300);
      await redis.start();
      const outcome = await outcomeOf(web, jobId, 20_000);
      expect(["result", "lost"]).toContain(outcome.kind);
      expect(await web.status(jobId)).toBe("done");
      await worker.waitForLine("the reconnection", (line) => line.event === "redis.reconnected");
      // Both sides work again.
      const next = await web.submit({ callbackId: "q.echo", args: ["after the restart"] });
      expect(await outcomeOf(web, next.jobId, 15_000)).toEqual({ kind: "result", value: "after the restart" });
    } finally {
      await web.close();
      await worker.stop("SIGKILL");
      await redis.stop();
    }
  });

  it("a submit after Redis lost its scripts writes the record before BullMQ has the job", async () => {
    const redis = await startRedisServer();
    const prefix = uniqueName("noscript");
    const keys = new QueueKeys(prefix, "main");
    const web = new QueueManager({ connection: redis.url, prefix, queueName: "main", noWorkerTimeoutMs: 0 });
    const watcher = new Redis(redis.url);
    const monitor = await watcher.monitor();
    // ioredis mistakes MONITOR's first lines for replies while other commands start at once.
    await sleep(100);
    const admin = new Redis(redis.url);
    const other = new Queue("other", { connection: admin, prefix });
    // Every command Redis runs, scripts' own included, in the order it ran them.
    const ran: string[][] = [];
    monitor.on("monitor", (_time: string, args: string[]) => ran.push(args.map(String)));
    try {
      // Once a submit confirmed the queue's epoch, the record's script and BullMQ's add go out together.
      const first = await web.submit({ callbackId: "q.echo", args: ["first"] });
      for (let round = 0; round < 3; round++) {
        // After a restart, another process (a worker, BullMQ's own calls) may have loaded BullMQ's
        // scripts again but not this manager's: the record's EVALSHA fails, the add behind it runs.
        await admin.script("FLUSH");
        await other.add("load BullMQ's scripts", {});
        const next = await web.submit({ callbackId: "q.echo", args: [round] });
        expect(await web.status(next.jobId)).toBe("queued");
      }
      const recorded = async (id: string) => (await admin.hget(keys.job(id), "state")) === "queued";
      const waiting = await waitFor(
        "the adds that went out without a record to be taken back",
        async () => {
          const ids = await admin.lrange(keys.wait, 0, -1);
          return (await Promise.all(ids.map(recorded))).every(Boolean) ? ids : undefined;
        },
        10_000,
      );
      expect(waiting).toHaveLength(4);
      expect(waiting).toContain(first.jobId);
      await sleep(200);

      // A worker may take a job the moment it is in the wait list: its record was there already.
      for (const id of waiting) {
        const written = ran.findIndex((args) => args[0]?.toLowerCase() === "hset" && args[1] === keys.job(id));
        const pushed = ran.findIndex(
          (args) => /push$/i.test(args[0] ?? "") && args[1] === keys.wait && args.includes(id),
        );
        expect(written, `record of ${id}`).toBeGreaterThanOrEqual(0);
        expect(pushed, `BullMQ's push of ${id}`).toBeGreaterThan(written);
      }
    } finally {
      monitor.disconnect();
      watcher.disconnect();
      await other.close();
      admin.disconnect();
      await web.close();
      await redis.stop();
    }
  });

  it("a worker started while Redis is down says why, retries with backoff, and starts once Redis is up", async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const prefix = uniqueName("down");
    const worker = startWorker({ REDIS_URL: url, QUEUE_PREFIX: prefix, QUEUE_NAME: "main" });
    try {
      const first = await worker.waitForLine("redis.unreachable", (line) => line.event === "redis.unreachable");
      expect(first).toMatchObject({
        level: "error",
        retryInMs: 1_000,
        message: expect.stringContaining(`Cannot reach Redis at ${url}`),
      });
      expect(first.message).toMatch(/ECONNREFUSED/);
      await worker.waitForLine(
        "a second try",
        (line) => line.event === "redis.unreachable" && line.retryInMs === 2_000,
      );
      expect(worker.child.exitCode).toBe(null);
      const redis = await startRedisServer(port);
      try {
        await workerStarted(worker, "main", 20_000);
        const web = new QueueManager({ connection: url, prefix, queueName: "main", workerModule: queueApp });
        const { jobId } = await web.submit({ callbackId: "q.echo", args: ["up"] });
        expect(await outcomeOf(web, jobId, 15_000)).toEqual({ kind: "result", value: "up" });
        await web.close();
      } finally {
        await worker.stop("SIGKILL");
        await redis.stop();
      }
    } finally {
      await worker.stop("SIGKILL");
    }
  });
  // Jobs finished (not yet read), running and queued when Redis is killed and started again.
  // With AOF (fsync always) Redis keeps everything: every job ends with its result. Without
  // persistence it keeps nothing: the running job's worker puts its record back and delivers the
  // result; the finished and the queued job end lost, saying that Redis lost them. Either way
  // each job ends once, and two pollers read the same outcome.
  it.each([
    ["with AOF", ["--appendonly", "yes", "--appendfsync", "always"], ["result", "result", "result"]],
    ["without persistence", [], ["lost", "result", "lost"]],
  ])(
    "%s: every job queued, running or finished before the restart ends once",
    async (_, args, kinds) => {
      const dir = mkdtempSync(join(tmpdir(), "bgcb-aof-"));
      const redis = await startRedisServer(undefined, [...args, "--dir", dir]);
      const prefix = uniqueName("recover");
      const env = {
        REDIS_URL: redis.url,
        QUEUE_PREFIX: prefix,
        QUEUE_NAME: "main",
        LEASE_MS: "3000",
        HEARTBEAT_MS: "300",
      };
      const worker = startWorker(env);
      const settings = { connection: redis.url, prefix, queueName: "main", leaseMs: 3000, heartbeatMs: 300 };
      const [web, other] = [new QueueManager(settings), new QueueManager(settings)];
      try {
        await workerStarted(worker, "main");
        const finished = (await web.submit({ callbackId: "q.echo", args: ["finished"] })).jobId;
        await waitFor("the first job to finish", async () => (await web.status(finished)) === "done", 15_000);
        const running = (await web.submit({ callbackId: "q.sleep", args: [2_500] })).jobId;
        const queued = (await web.submit({ callbackId: "q.echo", args: ["queued"] })).jobId;
        await waitFor("the second job to run", async () => (await web.status(running)) === "running", 15_000);
        await redis.stop();
        await sleep(300);
        await redis.start();
        const jobs = [finished, running, queued];
        const read = await Promise.all(
          jobs.flatMap((jobId) => [outcomeOf(web, jobId, 30_000), outcomeOf(other, jobId, 30_000)]),
        );
        for (let i = 0; i < jobs.length; i++) {
          const [first, second] = [read[2 * i], read[2 * i + 1]];
          expect(first, `job ${i}`).toEqual(second);
          expect(first?.kind, `job ${i}: ${JSON.stringify(first)}`).toBe(kinds[i]);
          if (first?.kind === "lost") expect(first.reason).toContain("Redis lost the job's record");
          // Once ended, always the same outcome.
          expect((await other.take(jobs[i] as string)).outcome).toEqual(first);
        }
      } finally {
        await Promise.all([web.close(), other.close()]);
        await worker.stop("SIGKILL");
        await redis.stop();
      }
    },
    90_000,
  );
});
