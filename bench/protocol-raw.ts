/** Raw backend round trips of bench/protocol.ts: BullMQ with a worker process, and Keyv on SQLite. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import KeyvSqlite from "@keyv/sqlite";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import Keyv from "keyv";
import { startChild, stopped, treeCpuMs } from "./protocol-procs.js";
import { measured, type Subject, type Trips } from "./protocol-trips.js";

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
): Promise<Trips> {
  const [trips] = await measured([openRawBullmq(concurrency, clients, sandboxed)], { rounds, clients, jobs });
  return trips as Trips;
}

/** A raw BullMQ worker process and a queue to send it no-op jobs, `clients` of them waited for at a time. */
export async function openRawBullmq(concurrency: number, clients: number, sandboxed = false): Promise<Subject> {
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
  // From the stream's start: with "$" (the default), events added before its first blocking read
  // are missed, and a job that ended then waits forever (seen under load on the very first job).
  const events = new QueueEvents(name, { connection, prefix, lastEventId: "0-0" });
  await events.waitUntilReady();
  return {
    once: async (i) =>
      (await queue.add("noop", { i }, { removeOnComplete: 5_000, removeOnFail: true })).waitUntilFinished(events),
    otherCpu: () => treeCpuMs(child.pid as number),
    close: async () => {
      await queue.obliterate({ force: true });
      await Promise.all([queue.close(), events.close()]);
      await stopped(child);
    },
  };
}

/** Keyv on @keyv/sqlite: set then get of one small record, p50 ms. */
export async function rawKeyv(rounds: number): Promise<number> {
  const [trips] = await measured([openRawKeyv()], { rounds, clients: 1, jobs: 0 });
  return (trips as Trips).p50;
}

/** Keyv on @keyv/sqlite in a new file: a round trip is a set then a get of one small record, a new key each time. */
export async function openRawKeyv(): Promise<Subject> {
  const dir = mkdtempSync(join(tmpdir(), "bgcb-bench-keyv-"));
  const keyv = new Keyv({ store: new KeyvSqlite(`sqlite://${join(dir, "k.sqlite")}`) });
  let n = 0;
  return {
    once: async () => {
      const i = n++;
      await keyv.set(`job-${i}`, { status: "done", outcome: { value: i } });
      await keyv.get(`job-${i}`);
    },
    otherCpu: () => 0,
    close: async () => {
      await keyv.disconnect();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Removes every key a run left under `prefix`. */
export async function cleanRedis(prefix: string): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 }) as AsyncIterable<string[]>)
    if (keys.length > 0) await redis.unlink(...keys);
  redis.disconnect();
}
