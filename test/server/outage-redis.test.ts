import { afterEach, describe, expect, it } from "vitest";
import { QueueManager } from "../../managers/queue/index.js";
import { callback, Dash, Input, Output, type RunningApp } from "../../src/index.js";
import { type PrivateRedis, startRedisServer, uniqueName } from "../managers/queue/redis.js";
import { body, DashClient } from "./http.js";

// Web processes on the QueueManager and a private redis-server that the tests stall and restart.
// No worker runs: the jobs stay queued, which is all the web side needs here.
callback({ output: Output("rq-out", "children"), inputs: Input("rq-in", "value"), background: true }, (v: string) => v);

const run = body("rq-out", "rq-in", "x");
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function privateRedis(): Promise<PrivateRedis> {
  const redis = await startRedisServer();
  cleanups.push(async () => {
    if (redis.pid !== undefined) process.kill(redis.pid, "SIGCONT");
    await redis.stop();
  });
  return redis;
}

async function serve(redis: PrivateRedis, prefix: string): Promise<DashClient> {
  const manager = new QueueManager({ connection: redis.url, prefix, queueName: "web" });
  const app = new Dash({ backgroundCallbackManager: manager, longPollMs: 200, firstResponseWaitMs: 0 });
  const running = (await app.run({ port: 0, host: "127.0.0.1" })) as RunningApp;
  cleanups.push(() => running.close());
  return new DashClient(running.url);
}

/** Starts a job, retrying while the web process's Redis connection comes back (503). */
async function start(client: DashClient): Promise<Record<string, string>> {
  for (let attempt = 0; ; attempt++) {
    const response = await client.update(run);
    if (response.status === 200) return (await response.json()) as Record<string, string>;
    expect(response.status, await response.text()).toBe(503);
    expect(attempt).toBeLessThan(40);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe("web processes on a QueueManager through Redis faults", () => {
  it("after a Redis restart that lost the secret, two web processes accept each other's handles", async () => {
    const redis = await privateRedis();
    const prefix = uniqueName("web-secret");
    const viaA = await serve(redis, prefix);
    await viaA.loadPage();
    const before = await start(viaA);
    const oldEndId = viaA.endId;
    await redis.stop();
    await redis.start();
    const viaB = await serve(redis, prefix);
    await viaB.loadPage();
    // A page of B reaches A: A re-reads the secret from Redis, adopts it, answers.
    const bPageOnA = new DashClient(viaA.base);
    bPageOnA.endId = viaB.endId;
    const fromA = await start(bPageOnA);
    const onB = await viaB.poll(run, fromA);
    expect(onB.status).toBe(200);
    expect(await onB.json()).toEqual({ multi: true });
    // Never two secrets side by side: the page signed with the lost secret is refused by both.
    for (const via of [viaA, viaB]) {
      const stale = new DashClient(via.base);
      stale.endId = oldEndId;
      expect((await stale.poll(run, before)).status).toBe(400);
    }
  });

  it("while Redis is stalled, starts answer 503 with Retry-After and polls still running; afterwards polls go on", async () => {
    const redis = await privateRedis();
    const client = await serve(redis, uniqueName("web-stall"));
    await client.loadPage();
    const handles = await start(client);
    process.kill(redis.pid as number, "SIGSTOP");
    const [refused, polled] = await Promise.all([client.update(run), client.poll(run, handles)]);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(await refused.text()).toContain("backend is unreachable");
    expect(polled.status).toBe(200);
    expect(await polled.json()).toEqual({ multi: true });
    process.kill(redis.pid as number, "SIGCONT");
    const after = await client.poll(run, handles);
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ multi: true });
  });
});
