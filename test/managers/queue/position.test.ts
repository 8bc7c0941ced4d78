import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueueManager, type QueueManagerOptions } from "../../../managers/queue/index.js";
import type { JobOutcome } from "../../../src/index.js";
import { queueApp, waitFor } from "./processes.js";
import { deleteKeys, redisUrl, uniqueName } from "./redis.js";

// Real Redis and BullMQ's own wait list; one queue per test.
describe("QueueManager.position: jobs ahead in BullMQ's wait list", () => {
  let url = "";
  let prefix = "";
  let queues = 0;
  const managers: QueueManager[] = [];

  beforeAll(async () => {
    url = await redisUrl();
    prefix = uniqueName("position");
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
      concurrency: 1,
      ...options,
    });
    managers.push(manager);
    return manager;
  };
  const outcomeOf = (manager: QueueManager, jobId: string): Promise<JobOutcome> =>
    waitFor(`the outcome of ${jobId}`, async () => (await manager.take(jobId)).outcome, 20_000, 20);

  it("one running and three queued: 0, 1, 2, moving down as jobs ahead start, end or are cancelled", async () => {
    const manager = create();
    await manager.startWorker();
    const submit = async (args: unknown[]) =>
      (await manager.submit({ callbackId: "q.wait", args: args as number[] })).jobId;
    const blocker = await submit([60_000]);
    await waitFor("the first job to run", async () => (await manager.status(blocker)) === "running", 15_000);
    const [a, b, c] = [await submit([60_000]), await submit([60_000]), await submit([60_000])] as [
      string,
      string,
      string,
    ];
    const positions = () => Promise.all([blocker, a, b, c].map((jobId) => manager.position(jobId)));
    expect(await positions()).toEqual([undefined, 0, 1, 2]);
    await manager.cancel(blocker);
    await waitFor("the second job to run", async () => (await manager.status(a)) === "running", 15_000);
    expect(await positions()).toEqual([undefined, undefined, 0, 1]);
    await manager.cancel(b);
    expect(await positions()).toEqual([undefined, undefined, undefined, 0]);
    await manager.cancel(a);
    await waitFor("the last job to run", async () => (await manager.status(c)) === "running", 15_000);
    expect(await positions()).toEqual([undefined, undefined, undefined, undefined]);
    await manager.cancel(c);
    expect(await manager.position("no-such-job")).toBeUndefined();
  });

  it("overlapping submits get the positions 0..n-1, once each, and start in the order of their positions", async () => {
    const manager = create();
    const ids = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => (await manager.submit({ callbackId: "q.stamp", args: [i] })).jobId),
    );
    const positions = await Promise.all(ids.map((jobId) => manager.position(jobId)));
    expect([...positions].sort((x, y) => (x ?? -1) - (y ?? -1))).toEqual(ids.map((_, i) => i));
    await manager.startWorker();
    const outcomes = await Promise.all(ids.map((jobId) => outcomeOf(manager, jobId)));
    const starts = outcomes.map((outcome) => (outcome as unknown as { value: { start: number } }).value.start);
    const byPosition = ids.map((_, i) => starts[positions.indexOf(i)] as number);
    expect(byPosition).toEqual([...byPosition].sort((x, y) => x - y));
    expect(await Promise.all(ids.map((jobId) => manager.position(jobId)))).toEqual(ids.map(() => undefined));
  });

  it("position checks its argument, fails with BACKEND while Redis is unreachable, and rejects after close()", async () => {
    const manager = create();
    await expect(manager.position("")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    const unreachable = create({ connection: "redis://127.0.0.1:1" });
    await expect(unreachable.position("job")).rejects.toMatchObject({ code: "BACKEND" });
    await manager.close();
    await expect(manager.position("job")).rejects.toMatchObject({ code: "MANAGER_CLOSED" });
  });
});
