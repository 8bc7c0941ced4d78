/**
 * Submit → result latency of a no-op job on the DiskManager, waited for three ways:
 *   - take loop: `take()` with sleeps from 10 ms doubling to 200 ms (how the server waited before `watch`);
 *   - watch, same process: the process that runs the job waits with `watch` (its own writes tell it);
 *   - watch, other connection: a second manager on the file waits with `watch` (the `data_version` loop).
 * Run: `npx tsx test/managers/disk/latency.ts [jobs]`. Prints p50 / p95 / max per way, in ms.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { DiskManager } from "../../../managers/disk/index.js";
import type { BackgroundCallbackManager } from "../../../src/index.js";
import { smokeJobs, tempFile } from "./helpers.js";

type Wait = (manager: BackgroundCallbackManager, jobId: string) => Promise<void>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const takeLoop: Wait = async (manager, jobId) => {
  for (let step = 10; ; step = Math.min(step * 2, 200)) {
    if ((await manager.take(jobId)).outcome) return;
    await sleep(step);
  }
};

const watchLoop: Wait = async (manager, jobId) => {
  for (;;) {
    const controller = new AbortController();
    const watch = (manager.watch as NonNullable<BackgroundCallbackManager["watch"]>).call(
      manager,
      jobId,
      controller.signal,
    );
    if ((await manager.take(jobId)).outcome) {
      controller.abort();
      return;
    }
    await watch;
  }
};

async function measure(owner: DiskManager, reader: DiskManager, wait: Wait, jobs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < jobs; i++) {
    const started = performance.now();
    const { jobId } = await owner.submit({ callbackId: "smoke.echo", args: [i] });
    await wait(reader, jobId);
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
}

const at = (sorted: number[], q: number): string =>
  (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number).toFixed(1);

const jobs = Number(process.argv[2] ?? 200);
const path = tempFile();
const owner = new DiskManager({ path, workerModule: smokeJobs });
const other = new DiskManager({ path, workerModule: smokeJobs });
try {
  await measure(owner, owner, takeLoop, 10); // worker process started and warm
  const ways: [string, DiskManager, Wait][] = [
    ["take loop (10 → 200 ms)", owner, takeLoop],
    ["watch, same process", owner, watchLoop],
    ["watch, other connection", other, watchLoop],
    ["take loop, other connection", other, takeLoop],
  ];
  console.log(`${jobs} no-op jobs each, one after another; submit → outcome read, ms`);
  for (const [name, reader, wait] of ways) {
    const times = await measure(owner, reader, wait, jobs);
    console.log(`${name.padEnd(28)} p50 ${at(times, 0.5)}  p95 ${at(times, 0.95)}  max ${at(times, 1)}`);
  }
} finally {
  await Promise.all([owner.close(), other.close()]);
  rmSync(join(path, ".."), { recursive: true, force: true });
}
