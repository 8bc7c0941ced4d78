import assert from "node:assert/strict";
import type { BackgroundCallbackManager, WatchOptions } from "../../manager/contract.js";
import { settlesWithin, submit, waitFor, withManager } from "./helpers.js";
import { JOB } from "./job-ids.js";
import type { Suite } from "./options.js";
import { leaveNothing } from "./watch-leaks.js";

type Watch = NonNullable<BackgroundCallbackManager["watch"]>;

const QUEUE: WatchOptions = Object.freeze({ queue: true });

/** Most wakes a queue watch may have before the job ahead starts: early wakes are allowed, endless ones are not. */
const MAX_ROUNDS = 50;

/**
 * Runs `fn` at concurrency 1 with job A running and jobs B and C queued behind it (C 2nd), for a
 * manager that declares `capabilities.queueWatch`; others pass without it. Cancels all three after.
 */
async function withQueue(
  suite: Suite,
  fn: (manager: BackgroundCallbackManager, watch: Watch, jobs: { a: string; b: string; c: string }) => Promise<void>,
): Promise<void> {
  await withManager(suite, { concurrency: 1 }, async (manager) => {
    if (manager.capabilities.queueWatch !== true) return;
    assert.equal(typeof manager.watch, "function", "capabilities.queueWatch without a watch() method");
    assert.equal(typeof manager.position, "function", "capabilities.queueWatch without a position() method");
    const watch = (manager.watch as Watch).bind(manager);
    const position = (manager.position as NonNullable<BackgroundCallbackManager["position"]>).bind(manager);
    const a = await submit(manager, JOB.waitCancel);
    const b = await submit(manager, JOB.waitCancel);
    const c = await submit(manager, JOB.waitCancel);
    await waitFor(`job ${a} to run`, async () => (await manager.status(a)) === "running", suite.scale(10_000));
    await waitFor(`job ${c} to be 2nd in the queue`, async () => (await position(c)) === 1, suite.scale(10_000));
    try {
      await fn(manager, watch, { a, b, c });
    } finally {
      for (const jobId of [c, b, a]) await manager.cancel(jobId);
    }
  });
}

/**
 * Follows `jobId`'s position with queue watches until it reads `expected`: each watch starts
 * before the read, and must resolve when the read finds the position not there yet.
 */
async function followUntil(
  suite: Suite,
  manager: BackgroundCallbackManager,
  watch: Watch,
  jobId: string,
  expected: number,
  signal: AbortSignal,
  first: Promise<void>,
): Promise<void> {
  let pending = first;
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    if ((await manager.position?.(jobId)) === expected) return;
    assert.ok(
      await settlesWithin(pending, suite.scale(5_000)),
      `a queue watch of a queued job never resolved when a job ahead started (round ${round})`,
    );
    pending = watch(jobId, signal, QUEUE);
  }
  assert.fail(`a queue watch resolved ${MAX_ROUNDS} times and the position never read ${expected}`);
}

function wakes(suite: Suite): void {
  suite.test("a queue watch of a queued job resolves when a job ahead starts", 60_000, async () => {
    await withQueue(suite, async (manager, watch, { a, c }) => {
      const controller = new AbortController();
      const first = watch(c, controller.signal, QUEUE);
      await manager.cancel(a);
      await followUntil(suite, manager, watch, c, 0, controller.signal, first);
      controller.abort();
    });
  });
}

function noLeaks(suite: Suite): void {
  suite.test("10,000 queue watches started and ended leave no listener, handle or pending watch", 120_000, async () => {
    await withQueue(suite, async (manager, watch, { a, c }) => {
      // A first watch that resolves at once (a subscription being confirmed, say) does so now.
      const warm = new AbortController();
      await settlesWithin(watch(c, warm.signal, QUEUE), suite.scale(1_000));
      warm.abort();
      await leaveNothing(suite, manager, {
        what: "queue watches",
        start: (signal) => watch(c, signal, QUEUE),
        endedBy: "a job ahead starting",
        end: () => manager.cancel(a),
      });
    });
  });
}

/**
 * `watch(jobId, signal, { queue: true })` of a manager that declares `capabilities.queueWatch`:
 * it resolves when a job ahead starts, and leaves nothing behind.
 */
export function queueWatchTests(suite: Suite): void {
  wakes(suite);
  noLeaks(suite);
}
