import assert from "node:assert/strict";
import type { BackgroundCallbackManager, JobUpdate, Json } from "../../manager/contract.js";
import { newJobId } from "../../manager/keys.js";
import { assertOnlyOutcome, assertResult, sleep, submit, untilOutcome, waitFor, withManager } from "./helpers.js";
import { JOB } from "./job-ids.js";
import type { Suite } from "./options.js";

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The progress values of every take, in the order they were seen. */
const progressOf = (takes: readonly JobUpdate[]): Json[] =>
  takes.filter((take) => "progress" in take && take.progress !== undefined).map((take) => take.progress as Json);

/** Waits until the manager says the job is done, without taking anything. */
async function untilDone(suite: Suite, manager: BackgroundCallbackManager, jobId: string): Promise<void> {
  await waitFor(`job ${jobId} to be done`, async () => (await manager.status(jobId)) === "done", suite.scale(10_000));
}

function inOrder(suite: Suite): void {
  suite.test("values reach the poller in order", 30_000, async () => {
    await withManager(suite, {}, async (manager) => {
      const jobId = await submit(manager, JOB.progress, [range(1, 20), suite.scale(20), suite.scale(300)]);
      const { takes, outcome } = await untilOutcome(manager, jobId, suite.scale(15_000), 2);
      const seen = progressOf(takes) as number[];
      assert.equal(outcome.kind, "result");
      assert.ok(
        seen.length >= 2,
        `expected several progress values while polling every 2 ms, saw ${JSON.stringify(seen)}`,
      );
      for (let i = 1; i < seen.length; i++) {
        assert.ok((seen[i] as number) > (seen[i - 1] as number), `progress went backwards: ${JSON.stringify(seen)}`);
      }
      assert.equal(seen.at(-1), 20, "the last value, reported long before the end, must reach the poller");
    });
  });

  suite.test("a take returns the newest value since the last take, and clears it", 30_000, async () => {
    await withManager(suite, {}, async (manager) => {
      const jobId = await submit(manager, JOB.progress, [range(1, 10), 0, suite.scale(20_000)]);
      await waitFor("the job to run", async () => (await manager.status(jobId)) === "running", suite.scale(10_000));
      await sleep(suite.scale(400));
      const first = await manager.take(jobId);
      assert.equal(
        first.progress,
        10,
        `ten values reported at once must give the newest, got ${JSON.stringify(first)}`,
      );
      const second = await manager.take(jobId);
      assert.equal("progress" in second && second.progress !== undefined, false, "progress is read-and-clear");
      await manager.cancel(jobId);
    });
  });
}

function separation(suite: Suite): void {
  suite.test("a job never sees the progress of another job", 30_000, async () => {
    await withManager(suite, { concurrency: 2 }, async (manager) => {
      const values = (job: string): Json[] => range(1, 15).map((n) => ({ job, n }));
      const a = await submit(manager, JOB.progress, [values("a"), suite.scale(10), suite.scale(200)]);
      const b = await submit(manager, JOB.progress, [values("b"), suite.scale(10), suite.scale(200)]);
      const [takesA, takesB] = await Promise.all([
        untilOutcome(manager, a, suite.scale(15_000), 2),
        untilOutcome(manager, b, suite.scale(15_000), 2),
      ]);
      for (const [job, { takes }] of [
        ["a", takesA],
        ["b", takesB],
      ] as const) {
        const seen = progressOf(takes) as { job: string }[];
        assert.ok(seen.length > 0, `job ${job} reported progress, the poller saw none`);
        assert.ok(
          seen.every((value) => value.job === job),
          `job ${job} got foreign progress: ${JSON.stringify(seen)}`,
        );
      }
    });
  });

  suite.test("unknown job ids give {}", 10_000, async () => {
    await withManager(suite, {}, async (manager) => {
      assert.deepEqual(await manager.take(newJobId()), {});
      assert.deepEqual(await manager.take("conformance-no-such-job"), {});
    });
  });
}

function afterTheEnd(suite: Suite): void {
  suite.test("the last progress before the end arrives with the outcome, once", 30_000, async () => {
    await withManager(suite, {}, async (manager) => {
      const jobId = await submit(manager, JOB.progress, [range(1, 5), 0, 0]);
      await untilDone(suite, manager, jobId);
      const update = await manager.take(jobId);
      assertResult(update.outcome, "done");
      assert.equal(update.progress, 5, `the newest progress was lost at the end: ${JSON.stringify(update)}`);
      const again = await manager.take(jobId);
      assertResult(assertOnlyOutcome(again, "a take after the outcome was read"), "done");
    });
  });

  suite.test("progress reported after the job returned never shows up", 30_000, async () => {
    await withManager(suite, {}, async (manager) => {
      const jobId = await submit(manager, JOB.lateProgress);
      const { takes } = await untilOutcome(manager, jobId, suite.scale(10_000));
      await sleep(suite.scale(300));
      const later = [await manager.take(jobId), await manager.take(jobId)];
      assert.deepEqual(progressOf([...takes, ...later]), [], "the job reported progress only after it returned");
      for (const take of later) assertResult(assertOnlyOutcome(take, "a take after the end"), "returned");
    });
  });
}

/** `setProgress` semantics: in order, newest wins, own job only, nothing after the end. */
export function progressGroup(suite: Suite): void {
  suite.describe("progress", () => {
    inOrder(suite);
    separation(suite);
    afterTheEnd(suite);
  });
}
