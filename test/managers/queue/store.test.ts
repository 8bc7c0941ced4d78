import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Departure, LocalJobs } from "../../../managers/queue/jobs.js";
import { QueueKeys } from "../../../managers/queue/keys.js";
import { JobStore } from "../../../managers/queue/store.js";
import { newJobId } from "../../../src/index.js";
import { sleep, waitFor } from "./processes.js";
import { deleteKeys, redisUrl, uniqueName } from "./redis.js";

// The Lua scripts one by one, with the interleavings that are hard to force through processes:
// every call is what a web process or a worker sends.
describe("QueueManager's job records (Lua scripts)", () => {
  let url = "";
  let prefix = "";
  let client: Redis;
  let keys: QueueKeys;
  let store: JobStore;

  beforeAll(async () => {
    url = await redisUrl();
    prefix = uniqueName("store");
    client = new Redis(url);
    keys = new QueueKeys(prefix, "q");
    store = new JobStore(client, { keys, ttlMs: 60_000, leaseMs: 200 });
  });

  afterAll(async () => {
    client.disconnect();
    await deleteKeys(url, `${prefix}:*`);
  });

  /** A submitted job, claimed by worker `owner` and started when `start`. */
  async function job(options: { retry?: boolean; owner?: string; start?: boolean } = {}): Promise<string> {
    const jobId = newJobId();
    await store.submit(jobId, options.retry ?? false);
    if (options.owner) expect(await store.claim(jobId, options.owner)).toBe("run");
    if (options.owner && options.start) expect(await store.started(jobId, options.owner)).toBe(true);
    return jobId;
  }

  it("a cancel that comes before the worker takes or starts the job stops it there", async () => {
    const untaken = await job();
    expect(await store.cancel(untaken)).toBe("queued");
    expect(await store.claim(untaken, "w1")).toBe("ended");
    const taken = await job({ owner: "w1" });
    expect(await store.cancel(taken)).toBe("queued");
    expect(await store.started(taken, "w1")).toBe(false);
    expect(await store.heartbeat(taken, "w1", "queued")).toBe(false);
    expect(await store.take(taken)).toEqual({ outcome: { kind: "cancelled" } });
  });

  it("cancel is a no-op for unknown and ended jobs, and drops what was not taken", async () => {
    expect(await store.cancel(newJobId())).toBeUndefined();
    const jobId = await job({ owner: "w1", start: true });
    await store.progress(jobId, "w1", 50);
    await store.props(jobId, "w1", "a", { x: 1 });
    expect(await store.cancel(jobId)).toBe("running");
    expect(await store.cancel(jobId)).toBeUndefined();
    await store.progress(jobId, "w1", 60);
    await store.props(jobId, "w1", "a", { x: 2 });
    expect(await store.finish(jobId, "w1", { kind: "result", value: "late" })).toBe("ended");
    expect(await store.take(jobId)).toEqual({ outcome: { kind: "cancelled" } });
  });

  it("take returns the newest progress and every side update merged in call order, then clears them", async () => {
    const jobId = await job({ owner: "w1", start: true });
    for (const value of [1, 2, 3]) await store.progress(jobId, "w1", value);
    await store.props(jobId, "w1", "b", { v: 1 });
    await store.props(jobId, "w1", "a", { v: 1 });
    await store.props(jobId, "w1", "b", { w: 2, v: 3 });
    const update = await store.take(jobId);
    expect(update).toEqual({ progress: 3, sideUpdates: { b: { v: 3, w: 2 }, a: { v: 1 } } });
    expect(Object.keys(update.sideUpdates ?? {})).toEqual(["b", "a"]);
    expect(await store.take(jobId)).toEqual({});
    expect(await store.status(jobId)).toBe("running");
  });

  it("the first outcome wins; nothing is written after it; memoises a result", async () => {
    const jobId = await job({ owner: "w1", start: true });
    await store.progress(jobId, "w1", 9);
    await store.props(jobId, "w1", "a", { before: true });
    const cache = { key: `k-${jobId}`, ttlMs: 10_000 };
    expect(await store.finish(jobId, "w1", { kind: "result", value: [1] }, cache)).toBe("stored");
    expect(await store.finish(jobId, "w1", { kind: "error", message: "second" })).toBe("ended");
    await store.progress(jobId, "w1", 10);
    await store.props(jobId, "w1", "a", { after: true });
    // What the job reported before its end comes with the outcome, once.
    expect(await store.take(jobId)).toEqual({
      progress: 9,
      sideUpdates: { a: { before: true } },
      outcome: { kind: "result", value: [1] },
    });
    expect(await store.take(jobId)).toEqual({ outcome: { kind: "result", value: [1] } });
    const hit = newJobId();
    expect(await store.submit(hit, false, cache.key)).toBe(true);
    expect(await store.take(hit)).toEqual({ outcome: { kind: "result", value: [1], cached: true } });
    expect(await client.pttl(keys.cache(cache.key))).toBeGreaterThan(0);
  });

  it("a started job whose lease expired is lost for readers and for the next worker", async () => {
    const jobId = await job({ owner: "w1", start: true });
    await store.progress(jobId, "w1", 42);
    expect(await store.status(jobId)).toBe("running");
    await sleep(300);
    expect(await store.take(jobId)).toEqual({
      progress: 42,
      outcome: { kind: "lost", reason: expect.stringContaining("its lease expired") },
    });
    expect(await store.status(jobId)).toBe("done");
    const other = await job({ owner: "w1", start: true });
    await sleep(300);
    expect(await store.claim(other, "w2")).toBe("lost");
    expect((await store.take(other)).outcome?.kind).toBe("lost");
  });

  it("a job taken but never started goes to the next worker when its worker dies", async () => {
    const jobId = await job({ owner: "w1" });
    expect(await store.claim(jobId, "w2")).toBe("busy");
    await sleep(300);
    expect(await store.status(jobId)).toBe("queued");
    expect(await store.claim(jobId, "w2")).toBe("run");
    expect(await store.started(jobId, "w2")).toBe(true);
    expect(await store.started(jobId, "w1")).toBe(false);
    expect(await store.finish(jobId, "w1", { kind: "result", value: "stale" })).toBe("superseded");
    expect(await store.finish(jobId, "w2", { kind: "result", value: "ok" })).toBe("stored");
    expect((await store.take(jobId)).outcome).toEqual({ kind: "result", value: "ok" });
  });

  it("a claim that starts the job writes what a claim then a start write; a start taken back leaves it as claimed", async () => {
    const record = async (jobId: string) => {
      const [state, runs, startedAt] = await client.hmget(keys.job(jobId), "state", "runs", "startedAt");
      return { state, runs, started: startedAt !== null };
    };
    const twoSteps = await job({ owner: "w1", start: true });
    const oneStep = await job();
    const news = new Redis(url);
    const heard: string[] = [];
    news.on("message", (_channel: string, message: string) => heard.push(message));
    await news.subscribe(keys.newsChannel);
    expect(await store.claim(oneStep, "w1", true)).toBe("run");
    expect(await record(oneStep)).toEqual(await record(twoSteps));
    expect(await record(oneStep)).toEqual({ state: "running", runs: "1", started: true });
    expect(await store.status(oneStep)).toBe("running");
    // The start was news, as STARTED's is.
    await waitFor("the news of the start", () => heard.includes(`${oneStep}:`), 5_000);
    expect(await store.unstart(oneStep, "w2")).toBe(false);
    expect(await store.unstart(oneStep, "w1")).toBe(true);
    expect(await record(oneStep)).toEqual({ state: "queued", runs: "0", started: false });
    expect(await store.unstart(oneStep, "w1")).toBe(false);
    // Not started: its worker's death sends it to the next worker, as a job taken and never started.
    await sleep(300);
    expect(await store.claim(oneStep, "w2", true)).toBe("run");
    await sleep(300);
    // Started by the claim: the next worker may not run it again (no retryLost).
    expect(await store.claim(oneStep, "w3")).toBe("lost");
    // A cancel before the claim: no start is written.
    const cancelled = await job();
    await store.cancel(cancelled);
    expect(await store.claim(cancelled, "w1", true)).toBe("ended");
    expect((await record(cancelled)).started).toBe(false);
    news.disconnect();
  });

  it("retryLost: a started job runs once more after its worker died, then ends lost", async () => {
    const jobId = await job({ retry: true, owner: "w1", start: true });
    await sleep(300);
    expect(await store.status(jobId)).toBe("queued");
    expect(await store.claim(jobId, "w2")).toBe("run");
    expect(await store.started(jobId, "w2")).toBe(true);
    await sleep(300);
    expect(await store.claim(jobId, "w3")).toBe("lost");
    expect((await store.take(jobId)).outcome?.kind).toBe("lost");
  });

  it("a job handed back at shutdown is queued again, and the hand-back counts as a start", async () => {
    const jobId = await job({ retry: true, owner: "w1", start: true });
    await store.progress(jobId, "w1", 5);
    expect(await store.handBack(jobId, "w1", "shut down")).toBe("queued");
    expect(await store.status(jobId)).toBe("queued");
    expect(await store.take(jobId)).toEqual({});
    expect(await store.claim(jobId, "w2")).toBe("run");
    expect(await store.started(jobId, "w2")).toBe(true);
    // The second start was the last one retryLost allows: no hand-back now.
    expect(await store.handBack(jobId, "w2", "shut down")).toBe("lost");
    expect(await store.take(jobId)).toEqual({ outcome: { kind: "lost", reason: "shut down" } });
    expect(await client.hget(keys.job(jobId), "runs")).toBe("2");
  });

  it("a worker puts back the record of a running job that Redis lost, and delivers its outcome", async () => {
    const jobId = await job({ owner: "w1", start: true });
    await client.del(keys.job(jobId), keys.lease(jobId));
    expect(await store.status(jobId)).toBe("unknown");
    expect(await store.heartbeat(jobId, "w1", "running")).toBe(true);
    expect(await store.status(jobId)).toBe("running");
    expect(await store.finish(jobId, "w1", { kind: "noUpdate" })).toBe("stored");
    expect(await store.take(jobId)).toEqual({ outcome: { kind: "noUpdate" } });
  });

  it("sharedSecret keeps the first secret", async () => {
    expect(await store.secret("first-secret")).toBe("first-secret");
    expect(await store.secret("second-secret")).toBe("first-secret");
  });

  // A queue worker's jobs (LocalJobs), with the pool's calls made by hand: a claim that wrote the
  // job's start, and what happens when a process takes the job in the claim's step or not.
  describe("jobs started by their claim (LocalJobs)", () => {
    const open = () => {
      const stopped: string[] = [];
      const jobs = new LocalJobs({ store, owner: "w1", log: () => undefined, stop: (jobId) => stopped.push(jobId) });
      return { jobs, stopped };
    };
    const claimed = async (jobs: LocalJobs, departed: Departure[]): Promise<string> => {
      const jobId = newJobId();
      await store.submit(jobId, false);
      expect(await store.claim(jobId, "w1", true)).toBe("run");
      jobs.add(jobId, { callbackId: "cb", args: [] }, Date.now(), (how) => departed.push(how), true);
      return jobId;
    };
    const runs = async (jobId: string) => Number(await client.hget(keys.job(jobId), "runs"));

    it("handed to a process in the claim's step: its process's start writes nothing more", async () => {
      const { jobs, stopped } = open();
      const departed: Departure[] = [];
      const jobId = await claimed(jobs, departed);
      // The pool asks, then dispatches, inside the claim's step.
      expect(jobs.admit(jobId)).toBe(true);
      expect(jobs.settle(jobId)).toBe(true);
      jobs.started(jobId, 1234);
      jobs.end(jobId, { kind: "result", value: 1 });
      await waitFor("the job to leave", () => departed.length > 0, 5_000);
      expect(departed).toEqual(["done"]);
      expect(await runs(jobId)).toBe(1);
      expect(await store.take(jobId)).toEqual({ outcome: { kind: "result", value: 1 } });
      expect(stopped).toEqual([]);
    });

    it("no idle process in the claim's step: the start is taken back, and written when a process starts it", async () => {
      const { jobs, stopped } = open();
      const departed: Departure[] = [];
      const jobId = await claimed(jobs, departed);
      expect(jobs.settle(jobId)).toBe(false);
      await waitFor("the start to be taken back", async () => (await store.status(jobId)) === "queued", 5_000);
      expect(await runs(jobId)).toBe(0);
      // Later, the pool's admit reads Redis, and the process's start is written.
      expect(await jobs.admit(jobId)).toBe(true);
      jobs.started(jobId, 1234);
      await waitFor("the start", async () => (await store.status(jobId)) === "running", 5_000);
      expect(await runs(jobId)).toBe(1);
      jobs.end(jobId, { kind: "result", value: 2 });
      await waitFor("the job to leave", () => departed.length > 0, 5_000);
      expect(await store.take(jobId)).toEqual({ outcome: { kind: "result", value: 2 } });
      expect(stopped).toEqual([]);
    });

    it("claimed as the worker shuts down, never handed to a process: handed back, not a start", async () => {
      const { jobs } = open();
      const departed: Departure[] = [];
      const jobId = await claimed(jobs, departed);
      jobs.closing = true;
      jobs.end(jobId, { kind: "lost", reason: "The worker is shutting down" });
      await waitFor("the job to leave", () => departed.length > 0, 5_000);
      expect(departed).toEqual(["handBack"]);
      expect(await store.status(jobId)).toBe("queued");
      expect(await runs(jobId)).toBe(0);
    });

    it("cancelled after its claim's start, before a process took it: the take-back fails and stops the job", async () => {
      const { jobs, stopped } = open();
      const departed: Departure[] = [];
      const jobId = await claimed(jobs, departed);
      expect(await store.cancel(jobId)).toBe("running");
      expect(jobs.settle(jobId)).toBe(false);
      await waitFor("the stop", () => stopped.length > 0, 5_000);
      expect(stopped).toEqual([jobId]);
      jobs.end(jobId, { kind: "cancelled" });
      await waitFor("the job to leave", () => departed.length > 0, 5_000);
      expect((await store.take(jobId)).outcome).toEqual({ kind: "cancelled" });
    });
  });
});
