import { Cluster } from "ioredis";
import { describe, expect, it } from "vitest";
import { QueueManager } from "../../../managers/queue/index.js";
import type { JobOutcome } from "../../../src/index.js";
import { queueApp, waitFor } from "./processes.js";
import { startRedisCluster } from "./redis.js";

// A real Redis Cluster: a multi-key Lua script or BullMQ command across slots fails with CROSSSLOT,
// so this passes only if the `{hash tag}` prefix puts every key of the queue in one slot.
describe("QueueManager on Redis Cluster", () => {
  it("runs, polls, watches, cancels and memoises jobs, and reads positions, with a {hash tag} prefix, through a Cluster instance", async () => {
    const cluster = await startRedisCluster();
    const client = new Cluster(cluster.ports.map((port) => ({ host: "127.0.0.1", port })));
    const manager = new QueueManager({ connection: client, prefix: "{bgcb-cluster}", workerModule: queueApp });
    const outcomeOf = (jobId: string): Promise<JobOutcome> =>
      waitFor(`the outcome of ${jobId}`, async () => (await manager.take(jobId)).outcome, 15_000);
    try {
      await manager.startWorker();
      const cache = { key: "answer", ttlMs: 60_000 };
      const first = await manager.submit({ callbackId: "q.echo", args: [42], cache });
      expect(await outcomeOf(first.jobId)).toEqual({ kind: "result", value: 42 });
      const hit = await manager.submit({ callbackId: "q.echo", args: [42], cache });
      expect(await manager.take(hit.jobId)).toEqual({ outcome: { kind: "result", value: 42, cached: true } });
      const waiting = await manager.submit({ callbackId: "q.wait", args: [30_000] });
      const behind = await manager.submit({ callbackId: "q.echo", args: ["behind"] });
      await waitFor("the job to run", async () => (await manager.take(waiting.jobId)).progress, 15_000);
      expect(await manager.position(behind.jobId)).toBe(0);
      expect(await manager.position(waiting.jobId)).toBeUndefined();
      // News published inside the scripts reaches the subscriber, a duplicate of the Cluster.
      const controller = new AbortController();
      await manager.watch(behind.jobId, controller.signal);
      const news = manager.watch(behind.jobId, controller.signal);
      await manager.cancel(waiting.jobId);
      expect(await manager.take(waiting.jobId)).toEqual({ outcome: { kind: "cancelled" } });
      await news;
      expect(await outcomeOf(behind.jobId)).toEqual({ kind: "result", value: "behind" });
      expect(await manager.sharedSecret()).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const next = await manager.submit({ callbackId: "q.echo", args: ["next"] });
      expect(await outcomeOf(next.jobId)).toEqual({ kind: "result", value: "next" });
    } finally {
      await manager.close();
      expect(client.status).toBe("ready");
      client.disconnect();
      await cluster.stop();
    }
  });
});
