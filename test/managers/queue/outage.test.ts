import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { QueueManager } from "../../../managers/queue/index.js";
import { queueApp, waitFor } from "./processes.js";
import { startRedisServer, uniqueName } from "./redis.js";

/** How long a web call may take to reject while Redis is down or stalled (its timeouts are 2 s). */
const BOUND_MS = 2_500;

type Calls = Record<string, () => Promise<unknown>>;

/** Runs every call; returns how each one settled and after how long. */
async function attempt(calls: Calls): Promise<Record<string, { ms: number; error: unknown }>> {
  const settled: Record<string, { ms: number; error: unknown }> = {};
  await Promise.all(
    Object.entries(calls).map(async ([name, call]) => {
      const started = Date.now();
      const error = await call().then(
        () => undefined,
        (caught: unknown) => caught,
      );
      settled[name] = { ms: Date.now() - started, error };
    }),
  );
  return settled;
}

// A private redis-server with a password, stalled (SIGSTOP) and killed under a connected web side.
describe("QueueManager while Redis is unreachable", () => {
  it("every web call rejects within the bound with BACKEND naming Redis and its host, never the password", async () => {
    const redis = await startRedisServer(undefined, ["--requirepass", "s3cret"]);
    const url = `redis://:s3cret@127.0.0.1:${redis.port}`;
    const shown = `Redis at redis://:***@127.0.0.1:${redis.port}`;
    const options = { connection: url, prefix: uniqueName("outage"), queueName: "main", workerModule: queueApp };
    const manager = new QueueManager(options);
    const fresh = new QueueManager(options);
    try {
      const { jobId } = await manager.submit({ callbackId: "q.echo", args: [1] });
      const secret = await manager.sharedSecret();
      const calls = (on: QueueManager): Calls => ({
        submit: () => on.submit({ callbackId: "q.echo", args: [2] }),
        take: () => on.take(jobId),
        status: () => on.status(jobId),
        cancel: () => on.cancel(jobId),
        sharedSecret: () => on.sharedSecret(),
      });
      const expectRejected = (settled: Record<string, { ms: number; error: unknown }>, phase: string) => {
        for (const [name, { ms, error }] of Object.entries(settled)) {
          expect(error, `${phase}: ${name}`).toMatchObject({ name: "BackgroundCallbackError", code: "BACKEND" });
          const { message } = error as Error;
          expect(message, `${phase}: ${name}`).toContain(shown);
          expect(message).not.toContain("s3cret");
          expect(ms, `${phase}: ${name} took ${ms} ms`).toBeLessThanOrEqual(BOUND_MS);
        }
      };
      // Stalled: the connection is open, nothing answers.
      process.kill(redis.pid as number, "SIGSTOP");
      try {
        expectRejected(await attempt(calls(manager)), "stalled");
      } finally {
        process.kill(redis.pid as number, "SIGCONT");
      }
      expect(await manager.sharedSecret()).toBe(secret);
      // Down: the connection is refused.
      await redis.stop();
      expectRejected(await attempt(calls(manager)), "down");
      expectRejected(await attempt(calls(fresh)), "down, never connected");
      await redis.start();
      // Back (empty: it kept nothing): both managers work again without a restart of theirs.
      // The client reconnects with backoff; until then calls keep failing fast.
      const next = await waitFor(
        "the manager to reconnect",
        () => manager.submit({ callbackId: "q.echo", args: [3] }).catch(() => undefined),
        10_000,
        100,
      );
      expect(await fresh.status(next.jobId)).toBe("queued");
      expect(await fresh.sharedSecret()).toBe(await manager.sharedSecret());
    } finally {
      await Promise.all([manager.close(), fresh.close()]);
      await redis.stop();
    }
  });

  it("sharedSecret asks Redis every time: after its data is flushed, every web process converges on one new secret", async () => {
    const redis = await startRedisServer();
    const options = { connection: redis.url, prefix: uniqueName("secret"), queueName: "main" };
    const [a, b] = [new QueueManager(options), new QueueManager(options)];
    const admin = new Redis(redis.url);
    try {
      const before = await Promise.all([a.sharedSecret(), b.sharedSecret()]);
      expect(before[0]).toBe(before[1]);
      await admin.flushall();
      const after = await Promise.all([a.sharedSecret(), b.sharedSecret(), a.sharedSecret()]);
      expect(new Set(after).size).toBe(1);
      expect(after[0]).not.toBe(before[0]);
    } finally {
      admin.disconnect();
      await Promise.all([a.close(), b.close()]);
      await redis.stop();
    }
  });
});
