import { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueueManager, type QueueManagerOptions } from "../../../managers/queue/index.js";
import { loadDependencies } from "../../../managers/queue/redis.js";
import type { JobOutcome } from "../../../src/index.js";
import { queueApp, waitFor } from "./processes.js";
import { deleteKeys, freePort, redisUrl, uniqueName } from "./redis.js";

const connection = "redis://127.0.0.1:6379";

/** Constructs a QueueManager and returns what it threw. */
function thrown(options: unknown): unknown {
  try {
    new QueueManager(options as QueueManagerOptions);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("QueueManager options", () => {
  it.each([
    [{}, /`connection` to be a Redis URL/],
    [{ connection: 42 }, /`connection` to be a Redis URL .*, got `42` \(number\)/],
    [{ connection: "localhost:6379" }, /`connection` to be a Redis URL/],
    [{ connection: "http://127.0.0.1:6379" }, /`connection` to be a Redis URL/],
    [{ connection: { host: "127.0.0.1" } }, /`connection` to be a Redis URL/],
    [{ connection, queueName: "a:b" }, /`queueName` to be 1 to 100 characters without ":"/],
    [{ connection, queueName: "" }, /`queueName`/],
    [{ connection, prefix: "" }, /`prefix`/],
    [{ connection, prefix: "has space" }, /`prefix`/],
    [{ connection, prefix: "{unclosed" }, /`prefix` .*hash tag/],
    [{ connection, concurrency: 0 }, /`concurrency` to be an integer from 1 to 256, got `0` \(number\)/],
    [{ connection, cancelGraceMs: -1 }, /`cancelGraceMs`/],
    [{ connection, ttlMs: 1.5 }, /`ttlMs`/],
    [{ connection, leaseMs: "10s" }, /`leaseMs`/],
    [{ connection, heartbeatMs: 0 }, /`heartbeatMs`/],
    [{ connection, leaseMs: 1_000, heartbeatMs: 600 }, /`leaseMs` to be at least twice `heartbeatMs` \(600\)/],
    [{ connection, retryLost: "yes" }, /`retryLost` to be a boolean/],
    [{ connection, noWorkerTimeoutMs: -1 }, /`noWorkerTimeoutMs` to be an integer from 0 and up, got `-1`/],
    [{ connection, noWorkerTimeoutMs: 5_000 }, /`noWorkerTimeoutMs` to be 0 \(off\) or at least `leaseMs` \(10000\)/],
    [{ connection, workerModule: "" }, /`workerModule`/],
  ])("rejects %j with a TypeError naming the option", (options, message) => {
    const error = thrown(options);
    expect(error).toBeInstanceOf(TypeError);
    expect(error).toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringMatching(message) });
    expect((error as Error).message).toMatch(/^\[background-callbacks:queue\] /);
  });

  it("rejects missing options and options that are not an object", () => {
    for (const options of [undefined, null, "redis://127.0.0.1:6379", [connection]]) {
      expect(thrown(options)).toMatchObject({ name: "TypeError", code: "INVALID_ARGUMENT" });
    }
  });

  it("rejects an ioredis instance with keyPrefix, and a Cluster without a hash tag in the prefix", async () => {
    const prefixed = new Redis({ lazyConnect: true, keyPrefix: "app:" });
    const cluster = new Cluster([{ host: "127.0.0.1", port: 7000 }], { lazyConnect: true });
    expect(thrown({ connection: prefixed })).toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringMatching(/keyPrefix/),
    });
    expect(thrown({ connection: cluster, prefix: "bgcb" })).toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringContaining('put a hash tag in `prefix`, e.g. "{bgcb}"'),
    });
    const tagged = [
      new QueueManager({ connection: cluster, prefix: "{bgcb}" }),
      new QueueManager({ connection: cluster, queueName: "{jobs}" }),
    ];
    expect(tagged.map((manager) => [manager.prefix, manager.queueName])).toEqual([
      ["{bgcb}", "background-callbacks"],
      ["bgcb", "{jobs}"],
    ]);
    await Promise.all(tagged.map((manager) => manager.close()));
    prefixed.disconnect();
    cluster.disconnect();
  });

  it("the constructor does no I/O, and Redis that cannot be reached gives BACKEND without the password", async () => {
    const port = await freePort();
    const manager = new QueueManager({ connection: `redis://:s3cret@127.0.0.1:${port}`, workerModule: queueApp });
    expect(manager.describe()).toBe(`queue "background-callbacks" (prefix "bgcb") on redis://:***@127.0.0.1:${port}`);
    try {
      for (const call of [
        () => manager.submit({ callbackId: "q.echo", args: [] }),
        () => manager.take("x"),
        () => manager.startWorker(),
      ]) {
        const error = await call().then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(error).toMatchObject({ name: "BackgroundCallbackError", code: "BACKEND" });
        expect((error as Error).message).toContain(
          `Cannot reach Redis at redis://:***@127.0.0.1:${port} (connect ECONNREFUSED`,
        );
        expect((error as Error).message).not.toContain("s3cret");
      }
    } finally {
      await manager.close();
    }
  });

  it("a missing bullmq or ioredis gives DEPENDENCY_MISSING with the install command", async () => {
    const cause = new Error("Cannot find package 'bullmq'");
    await expect(loadDependencies(() => Promise.reject(cause))).rejects.toMatchObject({
      name: "BackgroundCallbackError",
      code: "DEPENDENCY_MISSING",
      message: expect.stringContaining("Run `npm install bullmq ioredis`"),
      cause,
    });
  });
});

describe("QueueManager with Redis", () => {
  let url = "";
  let prefix = "";
  beforeAll(async () => {
    url = await redisUrl();
    prefix = uniqueName("options");
  });
  afterAll(async () => {
    await deleteKeys(url, `${prefix}:*`);
  });

  const outcomeOf = (manager: QueueManager, jobId: string): Promise<JobOutcome> =>
    waitFor(`the outcome of ${jobId}`, async () => (await manager.take(jobId)).outcome, 15_000);

  it("never closes an ioredis instance it was given: it still answers PING after close()", async () => {
    const client = new Redis(url);
    const manager = new QueueManager({ connection: client, prefix, queueName: "given", workerModule: queueApp });
    try {
      await manager.startWorker();
      const { jobId } = await manager.submit({ callbackId: "q.echo", args: ["through the given client"] });
      expect(await outcomeOf(manager, jobId)).toEqual({ kind: "result", value: "through the given client" });
      await manager.close();
      expect(client.status).toBe("ready");
      expect(await client.ping()).toBe("PONG");
    } finally {
      await manager.close();
      client.disconnect();
    }
  });

  it("sharedSecret: one secret per queue, the same for every manager of it", async () => {
    const managers = [0, 1, 2].map(() => new QueueManager({ connection: url, prefix, queueName: "secret" }));
    const other = new QueueManager({ connection: url, prefix, queueName: "other-secret" });
    try {
      const secrets = await Promise.all(managers.map((manager) => manager.sharedSecret()));
      expect(new Set(secrets).size).toBe(1);
      expect(secrets[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(await other.sharedSecret()).not.toBe(secrets[0]);
    } finally {
      await Promise.all([...managers, other].map((manager) => manager.close()));
    }
  });

  it("keeps every key under `<prefix>:<queue>:`, and its own keys expire", async () => {
    const tagged = `{${prefix}}`;
    const manager = new QueueManager({
      connection: url,
      prefix: tagged,
      queueName: "keys",
      workerModule: queueApp,
      ttlMs: 60_000,
    });
    const client = new Redis(url);
    try {
      await manager.startWorker();
      const cache = { key: "k", ttlMs: 30_000 };
      const { jobId } = await manager.submit({ callbackId: "q.echo", args: [1], cache });
      expect(await outcomeOf(manager, jobId)).toEqual({ kind: "result", value: 1 });
      const hit = await manager.submit({ callbackId: "q.echo", args: [1], cache });
      expect(await manager.take(hit.jobId)).toEqual({ outcome: { kind: "result", value: 1, cached: true } });
      const keys = (await client.keys(`\\{${prefix}\\}*`)).sort();
      expect(keys.length).toBeGreaterThan(3);
      for (const key of keys) expect(key.startsWith(`${tagged}:keys:`)).toBe(true);
      const ours = keys.filter((key) => key.startsWith(`${tagged}:keys:cb:`));
      expect(ours).toEqual(expect.arrayContaining([`${tagged}:keys:cb:job:${jobId}`, `${tagged}:keys:cb:cache:k`]));
      // Per queue, not per job: the data's epoch and the worker registry (its entries expire).
      const perQueue = [`${tagged}:keys:cb:epoch`, `${tagged}:keys:cb:workers`];
      expect(ours).toEqual(expect.arrayContaining(perQueue));
      for (const key of ours) {
        if (!perQueue.includes(key)) expect(await client.pttl(key), key).toBeGreaterThan(0);
      }
    } finally {
      await manager.close();
      await deleteKeys(url, `\\{${prefix}\\}*`);
      client.disconnect();
    }
  });
});
