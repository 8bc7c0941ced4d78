import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { epochOf, queueJobId } from "../../../managers/queue/ids.js";
import { QueueKeys } from "../../../managers/queue/keys.js";
import { JobStore, MAX_RUNS } from "../../../managers/queue/store.js";
import { newJobId } from "../../../src/index.js";
import { sleep } from "./processes.js";
import { deleteKeys, redisUrl, uniqueName } from "./redis.js";

// Life cycle of a record: what keeps a live job alive (no TTL, leases, the worker registry),
// what bounds its starts, and what a reader learns when a worker or Redis's data is gone.
describe("QueueManager's job records: TTLs, starts, superseded runs, no worker, lost data", () => {
  let url = "";
  let prefix = "";
  let client: Redis;

  beforeAll(async () => {
    url = await redisUrl();
    prefix = uniqueName("life");
    client = new Redis(url);
  });

  afterAll(async () => {
    client.disconnect();
    await deleteKeys(url, `${prefix}:*`);
  });

  let queues = 0;
  const open = (settings: {
    ttlMs?: number;
    leaseMs?: number;
    noWorkerMs?: number;
    submitGraceMs?: number;
    onNoWorker?(id: string): void;
  }) => {
    const keys = new QueueKeys(prefix, `q${queues++}`);
    const store = new JobStore(client, {
      keys,
      ttlMs: 60_000,
      leaseMs: 200,
      noWorkerMessage: "no worker",
      ...settings,
    });
    return { keys, store };
  };

  it("a queued or running job never expires: its record has no TTL until the outcome, then ttlMs", async () => {
    const { keys, store } = open({ ttlMs: 150, leaseMs: 5_000 });
    const queued = newJobId();
    const running = newJobId();
    await Promise.all([store.submit(queued, false), store.submit(running, false)]);
    // No TTL from the start: the record of a submit that failed half-way is swept instead.
    expect(await client.pttl(keys.job(queued))).toBe(-1);
    expect(await store.claim(running, "w1")).toBe("run");
    expect(await store.started(running, "w1")).toBe(true);
    await store.props(running, "w1", "a", { x: 1 });
    for (let i = 0; i < 4; i++) {
      await sleep(100);
      expect(await store.status(queued)).toBe("queued");
      expect(await store.status(running)).toBe("running");
      expect(await store.heartbeat(running, "w1", "running")).toBe(true);
    }
    for (const key of [keys.job(queued), keys.job(running), keys.props(running)]) {
      expect(await client.pttl(key), key).toBe(-1);
    }
    expect(await store.finish(running, "w1", { kind: "result", value: 1 })).toBe("stored");
    const ttl = await client.pttl(keys.job(running));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(150);
    expect(await client.pttl(keys.props(running))).toBeGreaterThan(0);
    await sleep(250);
    expect(await store.status(running)).toBe("unknown");
    expect(await store.status(queued)).toBe("queued");
  });

  it("a sweep deletes the record of a submit whose job never reached BullMQ, once older than the grace period; a job waiting in BullMQ or claimed keeps its record", async () => {
    const { keys, store } = open({ submitGraceMs: 200 });
    const [halfWay, waiting, claimed, young, cancelled] = [newJobId(), newJobId(), newJobId(), newJobId(), newJobId()];
    for (const jobId of [halfWay, waiting, claimed, cancelled]) await store.submit(jobId, false);
    // A job cancelled before any worker claimed it leaves the set at once.
    expect(await store.cancel(cancelled)).toBe("queued");
    expect(await client.zscore(keys.pending, cancelled)).toBeNull();
    // BullMQ's job hash of a job in its queue.
    await client.hset(`${keys.bullPrefix}${waiting}`, "name", "q.echo");
    expect(await store.claim(claimed, "w1")).toBe("run");
    expect(await client.zrange(keys.pending, "0", "-1")).toEqual(expect.arrayContaining([halfWay, waiting]));
    expect(await store.sweep()).toBe(0);
    await sleep(250);
    await store.submit(young, false);
    expect(await store.sweep()).toBe(2);
    expect(await store.status(halfWay)).toBe("unknown");
    expect(await store.status(waiting)).toBe("queued");
    expect(await store.status(claimed)).toBe("queued");
    expect(await store.status(young)).toBe("queued");
    expect(await client.zrange(keys.pending, "0", "-1")).toEqual([young]);
    // A worker's check-in sweeps too.
    await sleep(250);
    await store.register("w1", { host: "h", pid: 1 });
    expect(await client.zcard(keys.pending)).toBe(0);
    expect(await store.status(young)).toBe("unknown");
    await client.del(`${keys.bullPrefix}${waiting}`);
  });

  it("every start counts, hand-backs included: at most 2 starts with retryLost, 1 without", async () => {
    const { store } = open({ leaseMs: 5_000 });
    for (const retry of [true, false]) {
      const jobId = newJobId();
      await store.submit(jobId, retry);
      let starts = 0;
      // Four workers shut down in turn while the job runs on each.
      for (const owner of ["w1", "w2", "w3", "w4"]) {
        const claim = await store.claim(jobId, owner);
        if (claim !== "run") break;
        expect(await store.started(jobId, owner)).toBe(true);
        starts++;
        await store.handBack(jobId, owner, "shut down");
      }
      expect(starts, `retryLost ${retry}`).toBe(retry ? MAX_RUNS : 1);
      expect((await store.take(jobId)).outcome).toEqual({ kind: "lost", reason: "shut down" });
    }
  });

  it("a run superseded while its worker stalled writes nothing when it resumes, and is told to stop", async () => {
    const { keys, store } = open({});
    const jobId = newJobId();
    await store.submit(jobId, true);
    expect(await store.claim(jobId, "stalled")).toBe("run");
    expect(await store.started(jobId, "stalled")).toBe(true);
    await sleep(300);
    expect(await store.claim(jobId, "w2")).toBe("run");
    expect(await store.started(jobId, "w2")).toBe(true);
    // The stalled worker resumes: every write of its run is refused.
    expect(await store.heartbeat(jobId, "stalled", "running")).toBe(false);
    await store.progress(jobId, "stalled", "old");
    await store.props(jobId, "stalled", "a", { old: true });
    expect(await store.finish(jobId, "stalled", { kind: "result", value: "old" })).toBe("superseded");
    expect(await store.handBack(jobId, "stalled", "shut down")).toBe("ended");
    expect(await client.get(keys.lease(jobId))).toBe("w2");
    await store.progress(jobId, "w2", "new");
    expect(await store.finish(jobId, "w2", { kind: "result", value: "new" })).toBe("stored");
    expect(await store.take(jobId)).toEqual({ progress: "new", outcome: { kind: "result", value: "new" } });
  });

  it("no live worker for noWorkerMs: a queued job ends with the error once; a registered worker keeps it queued", async () => {
    const decided: string[] = [];
    const { keys, store } = open({ noWorkerMs: 300, onNoWorker: (jobId) => decided.push(jobId) });
    const orphan = newJobId();
    await store.submit(orphan, false);
    expect(await store.status(orphan)).toBe("queued");
    await sleep(400);
    const readers = await Promise.all([store.take(orphan), store.take(orphan), store.status(orphan)]);
    expect(readers.slice(0, 2)).toEqual([
      { outcome: { kind: "error", message: "no worker" } },
      { outcome: { kind: "error", message: "no worker" } },
    ]);
    expect(readers[2]).toBe("done");
    expect(decided).toEqual([orphan]);
    // Ended before any worker claimed it: no longer a pending submit.
    expect(await client.zscore(keys.pending, orphan)).toBeNull();
    expect(await store.claim(orphan, "late")).toBe("ended");

    const served = newJobId();
    await store.submit(served, false);
    for (let i = 0; i < 6; i++) {
      await store.register("w1", { host: "h", pid: 1 });
      await sleep(100);
      expect(await store.status(served)).toBe("queued");
    }
    expect(await client.zscore(keys.workers, "w1")).not.toBeNull();
    expect(await client.hgetall(keys.worker("w1"))).toMatchObject({ host: "h", pid: "1" });
    expect(await client.pttl(keys.worker("w1"))).toBeGreaterThan(0);
    await store.unregister("w1");
    expect(await client.zscore(keys.workers, "w1")).toBeNull();
    await sleep(400);
    expect(await store.status(served)).toBe("done");
  });

  it("a record Redis lost ends lost after the lease's grace (ids carry the data's epoch); an expired one is unknown", async () => {
    const { keys, store } = open({ leaseMs: 300 });
    const epoch = "AAAAAAAA";
    const queued = queueJobId(keys.tag, epoch);
    const restored = queueJobId(keys.tag, epoch);
    expect(epochOf(queued, keys.tag)).toBe(epoch);
    // Another queue's id, whatever its epoch, is unknown here: never lost.
    const foreign = queueJobId(new QueueKeys(prefix, "elsewhere").tag, "CCCCCCCC");
    expect(epochOf(foreign, keys.tag)).toBe("");
    expect(await store.submit(queued, false)).toBe(false);
    expect(await store.submit(queueJobId(keys.tag, "BBBBBBBB"), false)).toEqual({ epoch });
    expect(await store.submit(restored, false)).toBe(false);
    expect(await store.claim(restored, "w1")).toBe("run");
    expect(await store.started(restored, "w1")).toBe(true);
    // Redis loses everything of this queue.
    await client.del(keys.epoch, keys.job(queued), keys.job(restored), keys.lease(restored));
    expect(await store.status(queued)).toBe("running");
    // Within the grace, the worker of the running job puts its record back.
    expect(await store.heartbeat(restored, "w1", "running")).toBe(true);
    await sleep(350);
    expect(await store.take(queued)).toEqual({
      outcome: { kind: "lost", reason: expect.stringContaining("Redis lost the job's record") },
    });
    expect(await store.finish(restored, "w1", { kind: "result", value: 1 })).toBe("stored");
    expect((await store.take(restored)).outcome).toEqual({ kind: "result", value: 1 });
    // Same epoch, no record: it expired (or never existed).
    const current = String(await client.hget(keys.epoch, "id"));
    expect(await store.take(queueJobId(keys.tag, current))).toEqual({});
    expect(await store.take(foreign)).toEqual({});
    expect(await client.exists(keys.job(foreign))).toBe(0);
    expect(await store.status(newJobId())).toBe("unknown");
  });
});
