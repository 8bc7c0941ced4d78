import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import type { BackgroundCallbackManager } from "../../manager/contract.js";
import { newJobId } from "../../manager/keys.js";
import { rejectsInvalid, rejectsWithCode, settlesWithin, submit, waitFor, withManager } from "./helpers.js";
import { JOB } from "./job-ids.js";
import type { Suite } from "./options.js";
import { queueWatchTests } from "./queue-watch.js";
import { leaveNothing } from "./watch-leaks.js";

type Watch = NonNullable<BackgroundCallbackManager["watch"]>;

/** The manager's `watch`, bound; fails the test when the manager has none. */
function watchOf(manager: BackgroundCallbackManager): Watch {
  assert.equal(typeof manager.watch, "function", "the manager has no watch()");
  return (manager.watch as Watch).bind(manager);
}

/**
 * Runs `fn` with a manager that has `watch`; a manager without it must leave the member out
 * altogether (`undefined`), which callers detect to poll `take()` instead.
 */
async function withWatch(
  suite: Suite,
  settings: { concurrency?: number },
  fn: (manager: BackgroundCallbackManager, watch: Watch) => Promise<void>,
): Promise<void> {
  await withManager(suite, settings, async (manager) => {
    if (manager.watch === undefined) return;
    assert.equal(typeof manager.watch, "function", "watch must be a method, or absent");
    await fn(manager, watchOf(manager));
  });
}

async function running(suite: Suite, manager: BackgroundCallbackManager, jobId: string): Promise<void> {
  await waitFor(`job ${jobId} to run`, async () => (await manager.status(jobId)) === "running", suite.scale(10_000));
}

function noMissedNews(suite: Suite): void {
  suite.test("a watch started before the job's news resolves with it: start, progress, end", 30_000, async () => {
    await withWatch(suite, { concurrency: 1 }, async (manager, watch) => {
      const blocker = await submit(manager, JOB.waitCancel);
      const jobId = await submit(manager, JOB.progress, [[1, 2, 3, 4, 5], suite.scale(60), 0]);
      await running(suite, manager, blocker);
      let seen: unknown;
      let rounds = 0;
      const controller = new AbortController();
      const first = watch(jobId, controller.signal);
      await manager.cancel(blocker);
      for (let pending = first; ; pending = watch(jobId, controller.signal)) {
        rounds++;
        const update = await manager.take(jobId);
        if (update.progress !== undefined) seen = update.progress;
        if (update.outcome !== undefined) break;
        assert.ok(
          await settlesWithin(pending, suite.scale(5_000)),
          `a watch started before news of a running job never resolved (round ${rounds})`,
        );
      }
      controller.abort();
      assert.equal(seen, 5, "the last progress must arrive by the outcome at the latest");
      assert.ok(rounds >= 2, "the job's start and news must have woken the watch at least once");
    });
  });

  suite.test("overlapping watches of one job all resolve with its end", 30_000, async () => {
    await withWatch(suite, {}, async (manager, watch) => {
      const jobId = await submit(manager, JOB.waitCancel);
      await running(suite, manager, jobId);
      await manager.take(jobId);
      const controller = new AbortController();
      const watches = Array.from({ length: 20 }, () => watch(jobId, controller.signal));
      await manager.cancel(jobId);
      assert.ok(await settlesWithin(Promise.all(watches), suite.scale(5_000)), "a cancel must end every watch");
      assert.deepEqual(getEventListeners(controller.signal, "abort"), [], "ended watches must remove their listeners");
    });
  });
}

function endings(suite: Suite): void {
  suite.test("close ends every watch, of running, ended and unknown jobs", 30_000, async () => {
    const signal = new AbortController().signal;
    let watches: Promise<void>[] = [];
    await withWatch(suite, {}, async (manager, watch) => {
      const jobId = await submit(manager, JOB.waitCancel);
      await running(suite, manager, jobId);
      await manager.take(jobId);
      watches = [watch(jobId, signal), watch(newJobId(), signal), watch("conformance-no-such-job", signal)];
    });
    assert.ok(await settlesWithin(Promise.all(watches), suite.scale(5_000)), "close() must end every watch");
  });

  suite.test("an aborted signal ends the watch; an already aborted one at once", 30_000, async () => {
    await withWatch(suite, {}, async (manager, watch) => {
      const jobId = await submit(manager, JOB.waitCancel);
      await running(suite, manager, jobId);
      const controller = new AbortController();
      const pending = watch(newJobId(), controller.signal);
      controller.abort();
      assert.ok(await settlesWithin(pending, suite.scale(5_000)), "aborting the signal must end the watch");
      assert.ok(await settlesWithin(watch(jobId, controller.signal), suite.scale(5_000)), "an aborted signal");
      await manager.cancel(jobId);
    });
  });

  suite.test("watch checks its arguments and rejects after close", 30_000, async () => {
    let closed: Watch | undefined;
    await withWatch(suite, {}, async (_manager, watch) => {
      const signal = new AbortController().signal;
      await rejectsInvalid("watch('')", () => watch("", signal));
      await rejectsInvalid("watch(id, {})", () => watch(newJobId(), {} as AbortSignal));
      closed = watch;
    });
    if (closed === undefined) return;
    const watch = closed;
    await rejectsWithCode("watch() after close()", "MANAGER_CLOSED", () =>
      watch(newJobId(), new AbortController().signal),
    );
  });
}

function noLeaks(suite: Suite): void {
  suite.test("10,000 watches started and ended leave no listener, handle or subscription", 120_000, async () => {
    await withWatch(suite, {}, async (manager, watch) => {
      const jobId = await submit(manager, JOB.waitCancel);
      await running(suite, manager, jobId);
      await settlesWithin(watch(newJobId(), AbortSignal.abort()), suite.scale(1_000));
      // Half the aborted ones watch unknown ids; the ones ended by news all watch the running job.
      await leaveNothing(suite, manager, {
        what: "watches",
        start: (signal, i) => watch(i % 2 === 0 ? jobId : newJobId(), signal),
        endedBy: "a cancel",
        end: () => manager.cancel(jobId),
      });
    });
  });
}

/**
 * The optional `watch`: news after the call began is never missed; cancel and close end watches;
 * nothing leaks; where `capabilities.queueWatch` says so, a queue watch wakes when the queue moves.
 * For a manager without `watch`, each test asserts that the member is absent.
 */
export function watchGroup(suite: Suite): void {
  suite.describe("watch", () => {
    noMissedNews(suite);
    endings(suite);
    noLeaks(suite);
    queueWatchTests(suite);
  });
}
