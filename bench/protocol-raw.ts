/** Raw backend round trips of bench/protocol.ts: BullMQ with a worker process, and Keyv on SQLite. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import KeyvSqlite from "@keyv/sqlite";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import Keyv from "keyv";
import { quantile } from "./protocol-client.js";
import { startChild, stopped } from "./protocol-procs.js";

const connection = { host: "127.0.0.1", port: 6379 };

/**
 * Queue.add → a worker process → waitUntilFinished: round trip p50 (one at a time) and jobs/s
 * (`clients` at a time). `sandboxed`: the worker runs its processor in BullMQ's child processes.
 */
export async function rawBullmq(
  concurrency: number,
  rounds: number,
  clients: number,
  jobs: number,
  sandboxed = false,
): Promise<{ p50: number; perSecond: number }> {
  const name = `bench-raw-${process.pid}${sandboxed ? "-sandboxed" : ""}`;
  const prefix = "bgcb-bench-raw";
  const { child } = await startChild(["bench/raw-bullmq-worker.ts"], {
    BENCH_QUEUE: name,
    BENCH_PREFIX: prefix,
    BENCH_CONCURRENCY: String(concurrency),
    BENCH_SANDBOXED: sandboxed ? "1" : "0",
  });
  const queue = new Queue(name, { connection, prefix });
  queue.setMaxListeners(4 * clients);
  const events = new QueueEvents(name, { connection, prefix });
  await events.waitUntilReady();
  const once = async (i: number) =>
    (await queue.add("noop", { i }, { removeOnComplete: 5_000, removeOnFail: true })).waitUntilFinished(events);
  try {
    for (let i = 0; i < 10; i++) await once(i);
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const begin = performance.now();
      await once(i);
      times.push(performance.now() - begin);
    }
    let next = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < jobs) await once(next++);
      }),
    );
    return { p50: quantile(times, 0.5), perSecond: (jobs * 1000) / (performance.now() - start) };
  } finally {
    await queue.obliterate({ force: true });
    await Promise.all([queue.close(), events.close()]);
    await stopped(child);
  }
}

/** Keyv on @keyv/sqlite: set then get of one small record, p50 ms. */
export async function rawKeyv(rounds: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "bgcb-bench-keyv-"));
  const keyv = new Keyv({ store: new KeyvSqlite(`sqlite://${join(dir, "k.sqlite")}`) });
  try {
    const times: number[] = [];
    for (let i = 0; i < rounds + 10; i++) {
      const begin = performance.now();
      await keyv.set(`job-${i}`, { status: "done", outcome: { value: i } });
      await keyv.get(`job-${i}`);
      if (i >= 10) times.push(performance.now() - begin);
    }
    return quantile(times, 0.5);
  } finally {
    await keyv.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Removes every key a run left under `prefix`. */
export async function cleanRedis(prefix: string): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 }) as AsyncIterable<string[]>)
    if (keys.length > 0) await redis.unlink(...keys);
  redis.disconnect();
}
