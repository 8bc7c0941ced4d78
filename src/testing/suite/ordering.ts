import assert from "node:assert/strict";
import type { BackgroundCallbackManager } from "../../manager/contract.js";
import { asStamp, CLOCK_TOLERANCE_MS, resultOf, type Stamp, submit, withManager } from "./helpers.js";
import { JOB } from "./job-ids.js";
import type { Suite } from "./options.js";

/** Submits `count` stamp jobs of `ms` each at once and returns their stamps in submission order. */
async function stamps(suite: Suite, manager: BackgroundCallbackManager, count: number, ms: number): Promise<Stamp[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await submit(manager, JOB.stamp, [i, ms]));
  const results: Stamp[] = [];
  for (const id of ids) results.push(asStamp(await resultOf(manager, id, suite.scale(15_000))));
  for (const [i, stamp] of results.entries()) assert.equal(stamp.label, i, "each job must get its own arguments");
  return results;
}

/**
 * The most jobs running at one moment. Each interval loses `tolerance` ms at its start, so clock
 * skew between processes cannot make back-to-back jobs look concurrent.
 */
export function maxOverlap(intervals: readonly Stamp[], tolerance: number): number {
  const events = intervals.flatMap((s) => [
    { at: s.start + tolerance, delta: 1 },
    { at: s.end, delta: -1 },
  ]);
  // At equal times, ends come first: a job that starts as another ends does not overlap it.
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let running = 0;
  let most = 0;
  for (const event of events) {
    running += event.delta;
    most = Math.max(most, running);
  }
  return most;
}

function sequential(suite: Suite): void {
  suite.test("concurrency 1: jobs run one at a time, in submission order", 30_000, async () => {
    await withManager(suite, { concurrency: 1 }, async (manager) => {
      const results = await stamps(suite, manager, 10, suite.scale(30));
      for (let i = 1; i < results.length; i++) {
        const [previous, current] = [results[i - 1] as Stamp, results[i] as Stamp];
        assert.ok(
          current.start >= previous.end - CLOCK_TOLERANCE_MS,
          `job ${i} started at ${current.start}, before job ${i - 1} ended at ${previous.end}`,
        );
      }
    });
  });
}

function parallel(suite: Suite): void {
  suite.test("concurrency 2: never more than 2 jobs at once, and 2 do run together", 30_000, async () => {
    await withManager(suite, { concurrency: 2 }, async (manager) => {
      const results = await stamps(suite, manager, 8, suite.scale(200));
      const most = maxOverlap(results, CLOCK_TOLERANCE_MS);
      assert.ok(most <= 2, `${most} jobs ran at once with concurrency 2`);
      assert.equal(most, 2, "with concurrency 2 and 8 queued jobs, 2 must run at the same time");
    });
  });

  suite.test("concurrency 2: jobs start in submission order", 30_000, async () => {
    await withManager(suite, { concurrency: 2 }, async (manager) => {
      const results = await stamps(suite, manager, 8, suite.scale(150));
      // Two jobs handed to two processes in the same instant may start a little apart.
      const tolerance = suite.scale(50);
      for (let i = 1; i < results.length; i++) {
        const earlier = Math.max(...results.slice(0, i).map((s) => s.start));
        const current = results[i] as Stamp;
        assert.ok(
          current.start >= earlier - tolerance,
          `job ${i} started at ${current.start}, ${Math.round(earlier - current.start)} ms before a job submitted earlier`,
        );
      }
    });
  });
}

/** FIFO, at most `concurrency` at once. */
export function orderingGroup(suite: Suite): void {
  suite.describe("ordering", () => {
    sequential(suite);
    parallel(suite);
  });
}
