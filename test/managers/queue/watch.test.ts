import { getEventListeners } from "node:events";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueueManager, type QueueManagerOptions } from "../../../managers/queue/index.js";
import { QueueKeys } from "../../../managers/queue/keys.js";
import { JobStore } from "../../../managers/queue/store.js";
import type { JobOutcome } from "../../../src/index.js";
import { settlesWithin } from "../../../src/testing/suite/helpers.js";
import { queueApp, waitFor } from "./processes.js";
import { deleteKeys, redisUrl, uniqueName } from "./redis.js";

/**
 * Whether `promise` settles within `ms`: a bound for a hang, not a speed check (cold job processes
 * on a busy machine take seconds before the first start).
 */
const settles = (promise: Promise<unknown>, ms = 30_000): Promise<boolean> => settlesWithin(promise, ms);

// Real Redis, in-process queue workers with real job processes; one queue per test.
describe("QueueManager.watch: news over Redis pub/sub, one subscriber connection per manager", {
  timeout: 90_000,
}, () => {
  let url = "";
  let prefix = "";
  let queues = 0;
  let admin: Redis;
  const managers: QueueManager[] = [];

  beforeAll(async () => {
    url = await redisUrl();
    prefix = uniqueName("watch");
    admin = new Redis(url);
  });

  afterAll(async () => {
    await Promise.all(managers.map((manager) => manager.close()));
    admin.disconnect();
    await deleteKeys(url, `${prefix}:*`);
  });

  const create = (options: Partial<QueueManagerOptions> = {}): { manager: QueueManager; channel: string } => {
    const queueName = `q${queues++}`;
    const manager = new QueueManager({ connection: url, prefix, queueName, workerModule: queueApp, ...options });
    managers.push(manager);
    return { manager, channel: new QueueKeys(prefix, queueName).newsChannel };
  };
  const subscribers = async (channel: string): Promise<number> =>
    Number(((await admin.pubsub("NUMSUB", channel)) as [string, number])[1]);

  /** Watch, then take, until the outcome: the loop a long poll runs. Counts the wake-ups. */
  async function follow(manager: QueueManager, jobId: string): Promise<{ outcome: JobOutcome; wakes: number }> {
    const controller = new AbortController();
    for (let wakes = 0; ; wakes++) {
      const news = manager.watch(jobId, controller.signal);
      const { outcome } = await manager.take(jobId);
      if (outcome !== undefined) {
        controller.abort();
        await news;
        return { outcome, wakes };
      }
      expect(await settles(news), `the watch of ${jobId} missed news (wake-up ${wakes})`).toBe(true);
    }
  }

  it("overlapping jobs followed by watch then take all reach their outcome, with one subscription", async () => {
    const { manager, channel } = create({ concurrency: 2 });
    await manager.startWorker();
    const ids = await Promise.all(
      Array.from(
        { length: 12 },
        async (_, i) => (await manager.submit({ callbackId: "q.stamp", args: [i, 20] })).jobId,
      ),
    );
    const followed = await Promise.all(ids.map((jobId) => follow(manager, jobId)));
    expect(followed.map(({ outcome }) => outcome.kind)).toEqual(ids.map(() => "result"));
    expect(followed.map(({ outcome }) => (outcome as unknown as { value: { label: number } }).value.label)).toEqual(
      ids.map((_, i) => i),
    );
    expect(await subscribers(channel)).toBe(1);
    expect(manager.watching).toBe(0);
  });

  it("a cancel from another manager (another web process's view) ends this one's watches", async () => {
    const { manager } = create();
    const other = new QueueManager({ connection: url, prefix, queueName: manager.queueName, workerModule: queueApp });
    managers.push(other);
    await manager.startWorker();
    const { jobId } = await manager.submit({ callbackId: "q.wait", args: [60_000] });
    await waitFor("the job to run", async () => (await manager.status(jobId)) === "running", 15_000);
    // The first watch ends when the subscription is confirmed; from the second on, only news ends it.
    const controller = new AbortController();
    await manager.watch(jobId, controller.signal);
    await manager.take(jobId);
    const watches = Array.from({ length: 50 }, () => manager.watch(jobId, controller.signal));
    expect(manager.watching).toBe(50);
    await other.cancel(jobId);
    expect(await settles(Promise.all(watches))).toBe(true);
    expect(await manager.take(jobId)).toEqual({ outcome: { kind: "cancelled" } });
    expect(getEventListeners(controller.signal, "abort")).toEqual([]);
    expect(manager.watching).toBe(0);
  });

  it("10,000 watches started and aborted, then 10,000 ended by news, leave no watch, listener or subscription", async () => {
    const { manager, channel } = create();
    await manager.startWorker();
    const warmUp = new AbortController();
    await manager.watch("warm-up", warmUp.signal);
    const controller = new AbortController();
    const aborted = Array.from({ length: 10_000 }, (_, i) => manager.watch(`nobody-${i}`, controller.signal));
    expect(manager.watching).toBe(10_000);
    controller.abort();
    await Promise.all(aborted);
    expect(manager.watching).toBe(0);

    const { jobId } = await manager.submit({ callbackId: "q.wait", args: [60_000] });
    await waitFor("the job to run", async () => (await manager.status(jobId)) === "running", 15_000);
    await manager.take(jobId);
    const kept = new AbortController();
    const pending = Array.from({ length: 10_000 }, () => manager.watch(jobId, kept.signal));
    await manager.cancel(jobId);
    expect(await settles(Promise.all(pending))).toBe(true);
    expect(manager.watching).toBe(0);
    expect(getEventListeners(kept.signal, "abort")).toEqual([]);
    expect(await subscribers(channel)).toBe(1);
    await manager.close();
    expect(await subscribers(channel)).toBe(0);
  });

  it("a lost subscriber connection ends every watch; after the reconnection news arrives again", async () => {
    const name = uniqueName("watch-client");
    const client = new Redis(url, { connectionName: name });
    const { manager, channel } = create({ connection: client });
    // The worker runs on another manager: its connections, duplicates of the client, carry its name.
    const runner = new QueueManager({ connection: url, prefix, queueName: manager.queueName, workerModule: queueApp });
    managers.push(runner);
    try {
      await runner.startWorker();
      const { jobId } = await manager.submit({ callbackId: "q.wait", args: [60_000] });
      await waitFor("the job to run", async () => (await manager.status(jobId)) === "running", 15_000);
      const controller = new AbortController();
      await manager.watch(jobId, controller.signal);
      await manager.take(jobId);
      const before = manager.watch(jobId, controller.signal);
      const list = String(await admin.call("CLIENT", "LIST", "TYPE", "pubsub"));
      const ids = list
        .split("\n")
        .filter((line) => line.includes(` name=${name} `))
        .map((line) => /\bid=(\d+)/.exec(line)?.[1]);
      expect(ids).toHaveLength(1);
      await admin.client("KILL", "ID", String(ids[0]));
      expect(await settles(before)).toBe(true);
      await waitFor("the subscriber to come back", async () => (await subscribers(channel)) === 1, 15_000);
      // Confirmation of the new subscription ends the watches started before it; then only news does,
      // and a cancel through another manager reaches this one by pub/sub alone.
      let after = manager.watch(jobId, controller.signal);
      if (await settles(after, 500)) after = manager.watch(jobId, controller.signal);
      await runner.cancel(jobId);
      expect(await settles(after)).toBe(true);
      expect(client.status).toBe("ready");
    } finally {
      await manager.close();
      client.disconnect();
    }
  });

  it("watch checks its arguments and rejects after close(); close() ends pending watches", async () => {
    const { manager } = create();
    const signal = new AbortController().signal;
    await expect(manager.watch("", signal)).rejects.toThrow(TypeError);
    await expect(manager.watch("job", {} as AbortSignal)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    const pending = manager.watch("some-job", signal);
    await manager.close();
    expect(await settles(pending)).toBe(true);
    await expect(manager.watch("some-job", signal)).rejects.toMatchObject({ code: "MANAGER_CLOSED" });
  });
  it("a watch for the outcome only sleeps through the start and progress, and wakes at the end written elsewhere", async () => {
    const { manager } = create();
    // The first watch ends when the subscription is confirmed: after it, watches wait for news.
    const first = new AbortController();
    expect(await settles(manager.watch("warm-up", first.signal))).toBe(true);
    first.abort();
    const { jobId } = await manager.submit({ callbackId: "q.wait", args: [60_000] });
    const outcomeOnly = new AbortController();
    let woken = false;
    const watch = manager.watch(jobId, outcomeOnly.signal, { outcome: true }).then(() => {
      woken = true;
    });
    const plain = new AbortController();
    const started = manager.watch(jobId, plain.signal);
    // The worker starts after both watches: its start and progress are news that a plain watch wakes at.
    await manager.startWorker();
    expect(await settles(started), "a plain watch missed the start").toBe(true);
    await waitFor("the progress", async () => (await manager.take(jobId)).progress !== undefined, 30_000);
    expect(woken, "the outcome watch woke at the start or the progress").toBe(false);
    // Another manager on the queue cancels: only Redis's message can wake this one.
    const elsewhere = new QueueManager({ connection: url, prefix, queueName: manager.queueName });
    managers.push(elsewhere);
    await elsewhere.cancel(jobId);
    expect(await settles(watch), "the outcome watch missed the end").toBe(true);
    expect((await manager.take(jobId)).outcome).toEqual({ kind: "cancelled" });
    expect(manager.watching).toBe(0);
  });

  it("the first take of a job submitted here, with a watch pending and no news since, is answered without Redis; news, a cancel or no watch read Redis", async () => {
    const { manager } = create();
    const keys = new QueueKeys(prefix, manager.queueName);
    // The subscription is live before the submits (a first watch starts it).
    const first = new AbortController();
    await manager.watch("warm-up", first.signal);
    first.abort();
    // A write no script made (so no news): only a read of Redis sees it.
    const unpublished = (jobId: string) => admin.hset(keys.job(jobId), "progress", "1");
    const taken = async (jobId: string, watch: boolean) => {
      const controller = new AbortController();
      const news = watch ? manager.watch(jobId, controller.signal) : undefined;
      const update = await manager.take(jobId);
      controller.abort();
      await news;
      return update;
    };
    const quiet = (await manager.submit({ callbackId: "q.echo", args: [1] })).jobId;
    await unpublished(quiet);
    expect(await taken(quiet, true)).toEqual({});
    // Only the first take: the next one reads Redis.
    expect(await taken(quiet, true)).toEqual({ progress: 1 });
    const unwatched = (await manager.submit({ callbackId: "q.echo", args: [2] })).jobId;
    await unpublished(unwatched);
    expect(await taken(unwatched, false)).toEqual({ progress: 1 });
    // News of the job (here another manager's cancel) came after the submit: Redis is read.
    const elsewhere = new QueueManager({ connection: url, prefix, queueName: manager.queueName });
    managers.push(elsewhere);
    const cancelled = (await manager.submit({ callbackId: "q.echo", args: [3] })).jobId;
    const heard = new AbortController();
    const news = manager.watch(cancelled, heard.signal);
    await elsewhere.cancel(cancelled);
    expect(await settles(news), "the watch missed the cancel").toBe(true);
    heard.abort();
    expect(await taken(cancelled, true)).toEqual({ outcome: { kind: "cancelled" } });
    // This manager's own cancel: the take right after it reads the outcome, before the news arrives.
    const own = (await manager.submit({ callbackId: "q.echo", args: [4] })).jobId;
    const controller = new AbortController();
    const pending = manager.watch(own, controller.signal);
    await manager.cancel(own);
    expect(await manager.take(own)).toEqual({ outcome: { kind: "cancelled" } });
    controller.abort();
    await pending;
    expect(manager.watching).toBe(0);
  });

  it("the news of a job's end carries its outcome when nothing else is left to take: the take after it reads no Redis", async () => {
    const { manager } = create();
    const keys = new QueueKeys(prefix, manager.queueName);
    // A worker's writes, made here: claim, progress, finish.
    const worker = new JobStore(admin, { keys, ttlMs: 60_000, leaseMs: 5_000 });
    const first = new AbortController();
    await manager.watch("warm-up", first.signal);
    first.abort();
    const follow = async (write: (jobId: string) => Promise<unknown>) => {
      const { jobId } = await manager.submit({ callbackId: "q.echo", args: [1] });
      const controller = new AbortController();
      const ended = manager.watch(jobId, controller.signal, { outcome: true });
      expect(await manager.take(jobId)).toEqual({});
      expect(await worker.claim(jobId, "w1", true)).toBe("run");
      await write(jobId);
      expect(await worker.finish(jobId, "w1", { kind: "result", value: 7 })).toBe("stored");
      expect(await settles(ended), "the watch missed the end").toBe(true);
      // Only the news can tell the outcome now.
      await admin.del(keys.job(jobId), keys.props(jobId));
      return manager.take(jobId);
    };
    expect(await follow(async () => undefined)).toEqual({ outcome: { kind: "result", value: 7 } });
    // Progress or side updates not taken: the news of the end does not carry it; Redis is read (and its record is gone).
    expect(await follow((jobId) => worker.progress(jobId, "w1", 1))).toEqual({});
    expect(await follow((jobId) => worker.props(jobId, "w1", "a", { x: 1 }))).toEqual({});
    expect(manager.watching).toBe(0);
  });

  it("rejects watch options that are not an object", async () => {
    const { manager } = create();
    const controller = new AbortController();
    await expect(manager.watch("job-1", controller.signal, 5 as never)).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringContaining("Expected `options` of watch to be an object, got `5` (number)"),
    });
  });
});
