/**
 * Measures what `watch` changes for the QueueManager, against the Redis of the tests and one worker
 * process started with the CLI (`npx tsx test/managers/queue/measure-watch.ts [jobs]`):
 *
 * - a no-op job, submit → outcome: following it with watch-then-take, and with the take loop the
 *   server runs without watch (backing off from 10 to 200 ms);
 * - a 100 ms job: from its end (the job's own clock) to the moment the reader has the outcome;
 * - submit and position with an empty queue, and with 10,000 jobs waiting.
 *
 * It prints numbers; it asserts nothing (speed is not a test).
 */
import { QueueManager } from "../../../managers/queue/index.js";
import type { JobOutcome } from "../../../src/index.js";
import { sleep, startWorker, workerStarted } from "./processes.js";
import { deleteKeys, redisUrl, uniqueName } from "./redis.js";

const jobs = Number(process.argv[2] ?? 200);
const clock = (): number => performance.timeOrigin + performance.now();

/** Percentiles of a sample, in ms, rounded to 0.01. */
function summary(sample: number[]): string {
  const sorted = [...sample].sort((a, b) => a - b);
  const at = (q: number) => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(2);
  return `p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms (n=${sorted.length})`;
}

async function byWatch(manager: QueueManager, jobId: string): Promise<JobOutcome> {
  const controller = new AbortController();
  try {
    for (;;) {
      const news = manager.watch(jobId, controller.signal);
      const { outcome } = await manager.take(jobId);
      if (outcome) return outcome;
      await news;
    }
  } finally {
    controller.abort();
  }
}

async function byPolling(manager: QueueManager, jobId: string): Promise<JobOutcome> {
  for (let step = 10; ; step = Math.min(step * 2, 200)) {
    const { outcome } = await manager.take(jobId);
    if (outcome) return outcome;
    await sleep(step);
  }
}

type Follow = (manager: QueueManager, jobId: string) => Promise<JobOutcome>;

async function roundTrips(manager: QueueManager, follow: Follow, callbackId: string, args: number[]) {
  const total: number[] = [];
  const afterEnd: number[] = [];
  for (let i = 0; i < jobs; i++) {
    const start = clock();
    const { jobId } = await manager.submit({ callbackId, args });
    const outcome = await follow(manager, jobId);
    const seen = clock();
    total.push(seen - start);
    if (outcome.kind === "result" && typeof outcome.value === "object" && outcome.value !== null) {
      afterEnd.push(seen - Number((outcome.value as { end: number }).end));
    }
  }
  return { total, afterEnd };
}

async function backlog(url: string, prefix: string): Promise<void> {
  const manager = new QueueManager({ connection: url, prefix, queueName: "backlog", noWorkerTimeoutMs: 0 });
  const submitTimes = async (n: number) => {
    const times: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const start = clock();
      ids.push((await manager.submit({ callbackId: "q.echo", args: [i] })).jobId);
      times.push(clock() - start);
    }
    return { times, ids };
  };
  const positionTimes = async (ids: string[]) => {
    const times: number[] = [];
    for (const jobId of ids) {
      const start = clock();
      await manager.position(jobId);
      times.push(clock() - start);
    }
    return times;
  };
  try {
    // Warm-up (script loading, BullMQ's Queue), then an empty queue again.
    await positionTimes((await submitTimes(100)).ids);
    await manager.cancel((await submitTimes(1)).ids[0] as string);
    await deleteKeys(url, `${prefix}:backlog:*`);
    const empty = await submitTimes(200);
    console.log(`backlog 0..200: submit ${summary(empty.times)}`);
    console.log(`backlog 0..200: position ${summary(await positionTimes(empty.ids))}`);
    for (let done = 200; done < 10_000; done += 200) {
      await Promise.all(Array.from({ length: 200 }, (_, i) => manager.submit({ callbackId: "q.echo", args: [i] })));
    }
    const full = await submitTimes(200);
    console.log(`backlog 10,000..10,200: submit ${summary(full.times)}`);
    console.log(
      `backlog 10,000..10,200 (last 200, most jobs ahead): position ${summary(await positionTimes(full.ids))}`,
    );
    console.log(
      `backlog: first job ${await manager.position(empty.ids[0] as string)} ahead, last ${await manager.position(full.ids.at(-1) as string)} ahead`,
    );
  } finally {
    await manager.close();
  }
}

async function main(): Promise<void> {
  const url = await redisUrl();
  const prefix = uniqueName("measure-watch");
  const env = { REDIS_URL: url, QUEUE_PREFIX: prefix, QUEUE_NAME: "main" };
  const worker = startWorker(env, ["--concurrency", "1"]);
  const manager = new QueueManager({ connection: url, prefix, queueName: "main" });
  try {
    await workerStarted(worker, "main", 30_000);
    await roundTrips(manager, byWatch, "q.echo", [0]);
    for (const [name, follow] of [
      ["watch then take", byWatch],
      ["take loop, 10 to 200 ms", byPolling],
    ] as const) {
      const noOp = await roundTrips(manager, follow, "q.echo", [0]);
      console.log(`no-op submit -> outcome, ${name}: ${summary(noOp.total)}`);
      const timed = await roundTrips(manager, follow, "q.stamp", [0, 100]);
      console.log(`100 ms job, its end -> outcome read, ${name}: ${summary(timed.afterEnd)}`);
    }
    await backlog(url, prefix);
  } finally {
    await manager.close();
    await worker.stop("SIGTERM");
    await deleteKeys(url, `${prefix}:*`);
  }
}

await main();
