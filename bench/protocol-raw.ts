/** Raw backend round trips of bench/protocol.ts: BullMQ with a worker process, and Keyv on SQLite. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import KeyvSqlite from "@keyv/sqlite";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import Keyv from "keyv";
import { quantile } from "./protocol-client.js";
import { startChild, stopped, treeCpuMs } from "./protocol-procs.js";

const connection = { host: "127.0.0.1", port: 6379 };

/** What {@link roundTrips} measured. */
export type Trips = {
  /** Round trip p50, one at a time, ms. */
  p50: number;
  /** Round trips per s, `clients` at a time. */
  perSecond: number;
  /** CPU of this process per round trip, `clients` at a time, ms (all its threads). */
  cpu: number;
  /** CPU of the processes `otherCpu` reads per round trip, `clients` at a time, ms; 0 without it. */
  otherCpu: number;
};

/**
 * `once` 10 times to warm up, `rounds` times one at a time, then `jobs` times `clients` at a time.
 * `otherCpu` reads the CPU (ms) the processes that run the jobs have used so far.
 */
export async function roundTrips(
  once: (i: number) => Promise<unknown>,
  { rounds, clients, jobs }: { rounds: number; clients: number; jobs: number },
  otherCpu: () => number = () => 0,
): Promise<Trips> {
  for (let i = 0; i < 10; i++) await once(i);
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const begin = performance.now();
    await once(i);
    times.push(performance.now() - begin);
  }
  let next = 0;
  const cpu = process.cpuUsage();
  const other = otherCpu();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < jobs) await once(next++);
    }),
  );
  const elapsed = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return {
    p50: quantile(times, 0.5),
    perSecond: (jobs * 1000) / elapsed,
    cpu: (used.user + used.system) / 1000 / jobs,
    otherCpu: (otherCpu() - other) / jobs,
  };
}

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
  const once = async (i: number) =>
    (await queue.add("noop", { i }, { removeOnComplete: 5_000, removeOnFail: true })).waitUntilFinished(events);
  try {
    return await roundTrips(once, { rounds, clients, jobs }, () => treeCpuMs(child.pid as number));
  } finally {
    await queue.obliterate({ force: true });
    await Promise.all([queue.close(), events.close()]);
    await stopped(child);
  }
}

/** Keyv on @keyv/sqlite: set then get of one small record, p50 ms. */
export async function rawKeyv(rounds: number): Promise<number> {
  return (await rawKeyvTrips({ rounds, clients: 1, jobs: 0 })).p50;
}

/** Keyv on @keyv/sqlite: set then get of one small record, one at a time and `clients` at a time. */
export async function rawKeyvTrips(sizes: { rounds: number; clients: number; jobs: number }): Promise<Trips> {
  const dir = mkdtempSync(join(tmpdir(), "bgcb-bench-keyv-"));
  const keyv = new Keyv({ store: new KeyvSqlite(`sqlite://${join(dir, "k.sqlite")}`) });
  try {
    let n = 0; // a new key each time, as each job has its own record
    return await roundTrips(async () => {
      const i = n++;
      await keyv.set(`job-${i}`, { status: "done", outcome: { value: i } });
      await keyv.get(`job-${i}`);
    }, sizes);
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
