import assert from "node:assert/strict";
import type { BackgroundCallbackManager } from "../../manager/contract.js";
import { newJobId } from "../../manager/keys.js";
import {
  asStamp,
  assertOnlyOutcome,
  assertResult,
  CLOCK_TOLERANCE_MS,
  clock,
  isAlive,
  outcomeOf,
  reportedPid,
  resultOf,
  sleep,
  submit,
  waitFor,
  withManager,
} from "./helpers.js";
import { JOB } from "./job-ids.js";
import type { Suite } from "./options.js";

const CANCELLED = { kind: "cancelled" } as const;

/** Waits until `status` reports `done`. */
async function untilDone(suite: Suite, manager: BackgroundCallbackManager, jobId: string): Promise<void> {
  await waitFor(`job ${jobId} to be done`, async () => (await manager.status(jobId)) === "done", suite.scale(2_000));
}

function queued(suite: Suite): void {
  suite.test("a queued job never starts", 30_000, async () => {
    await withManager(suite, { concurrency: 1 }, async (manager) => {
      const first = await submit(manager, JOB.waitCancel);
      const second = await submit(manager, JOB.props, [[["set", "ran", { yes: true }]]]);
      await reportedPid(manager, first, suite.scale(10_000));
      assert.equal(await manager.status(second), "queued");
      await manager.cancel(second);
      assert.deepEqual(await outcomeOf(manager, second, suite.scale(2_000)), CANCELLED);
      await untilDone(suite, manager, second);
      await manager.cancel(first);
      // Once this job has run, the cancelled one would have run too, had it stayed in the queue.
      assert.equal(await resultOf(manager, await submit(manager, JOB.echo, ["next"]), suite.scale(10_000)), "next");
      assert.deepEqual(assertOnlyOutcome(await manager.take(second), "the cancelled queued job"), CANCELLED);
    });
  });
}

function running(suite: Suite): void {
  suite.test("a cooperative running job stops within 200 ms, and the next job starts", 30_000, async () => {
    await withManager(suite, { concurrency: 1, cancelGraceMs: 10_000 }, async (manager) => {
      const first = await submit(manager, JOB.waitCancel);
      const next = await submit(manager, JOB.stamp, ["next", 0]);
      const pid = await reportedPid(manager, first, suite.scale(10_000));
      const cancelledAt = clock();
      await manager.cancel(first);
      const stamp = asStamp(await resultOf(manager, next, suite.scale(10_000)));
      const delay = stamp.start - cancelledAt;
      assert.ok(
        delay <= suite.scale(200) + CLOCK_TOLERANCE_MS,
        `the next job started ${Math.round(delay)} ms after cancel`,
      );
      assert.equal(stamp.pid, pid, "a job that stops on its signal must not cost its worker process");
      assert.deepEqual(assertOnlyOutcome(await manager.take(first), "the cancelled job"), CANCELLED);
      assert.equal(await manager.status(first), "done");
    });
  });

  suite.test("no result after a cancel, even when the job goes on to return one", 30_000, async () => {
    await withManager(suite, { concurrency: 1, cancelGraceMs: 10_000 }, async (manager) => {
      // `stream` ignores the signal and returns "finished" well within the grace period.
      const jobId = await submit(manager, JOB.stream, [suite.scale(400)]);
      const next = await submit(manager, JOB.stamp, ["next", 0]);
      const pid = await reportedPid(manager, jobId, suite.scale(10_000));
      await manager.cancel(jobId);
      const stamp = asStamp(await resultOf(manager, next, suite.scale(10_000)));
      assert.equal(stamp.pid, pid, "the cancelled job returned normally before the next one ran");
      assert.deepEqual(assertOnlyOutcome(await manager.take(jobId), "the cancelled job"), CANCELLED);
      assert.equal(await manager.status(jobId), "done");
    });
  });
}

function killing(suite: Suite): void {
  suite.test("a busy loop is killed after the grace period; the next job runs on a fresh process", 30_000, async () => {
    const graceMs = 300;
    await withManager(suite, { concurrency: 1, cancelGraceMs: graceMs }, async (manager) => {
      const spin = await submit(manager, JOB.spin);
      const next = await submit(manager, JOB.stamp, ["next", 0]);
      const pid = await reportedPid(manager, spin, suite.scale(10_000));
      await manager.cancel(spin);
      const bound = graceMs + suite.scale(1_000);
      await waitFor(`the spinning process ${pid} to be killed within ${bound} ms`, () => !isAlive(pid), bound);
      const stamp = asStamp(await resultOf(manager, next, suite.scale(15_000)));
      assert.notEqual(stamp.pid, pid, "the next job must run on a fresh process");
      assert.deepEqual(assertOnlyOutcome(await manager.take(spin), "the killed job"), CANCELLED);
    });
  });
}

function noOps(suite: Suite): void {
  suite.test("cancel is idempotent, called twice or concurrently", 30_000, async () => {
    await withManager(suite, { concurrency: 1 }, async (manager) => {
      const first = await submit(manager, JOB.waitCancel);
      const second = await submit(manager, JOB.echo, ["never"]);
      await reportedPid(manager, first, suite.scale(10_000));
      await Promise.all([manager.cancel(second), manager.cancel(second), manager.cancel(second)]);
      await manager.cancel(first);
      await manager.cancel(first);
      await Promise.all([manager.cancel(first), manager.cancel(first)]);
      for (const jobId of [first, second]) {
        assert.deepEqual(await outcomeOf(manager, jobId, suite.scale(2_000)), CANCELLED);
        await untilDone(suite, manager, jobId);
      }
      assert.equal(await resultOf(manager, await submit(manager, JOB.echo, ["after"]), suite.scale(10_000)), "after");
      await sleep(suite.scale(100));
      assert.deepEqual(await outcomeOf(manager, second, suite.scale(1_000)), CANCELLED);
    });
  });

  suite.test("cancelling an unknown id or a finished job is a no-op", 30_000, async () => {
    await withManager(suite, {}, async (manager) => {
      assert.equal(await manager.cancel(newJobId()), undefined);
      assert.equal(await manager.cancel("conformance-no-such-job"), undefined);
      const jobId = await submit(manager, JOB.echo, ["kept"]);
      assertResult(await outcomeOf(manager, jobId, suite.scale(10_000)), "kept");
      await manager.cancel(jobId);
      assertResult(assertOnlyOutcome(await manager.take(jobId), "the finished job after cancel"), "kept");
      assert.equal(await manager.status(jobId), "done");
      assert.equal(await resultOf(manager, await submit(manager, JOB.echo, ["next"]), suite.scale(10_000)), "next");
    });
  });
}

/** Cancel: queued jobs never start, running ones stop or are killed, nothing after, idempotent. */
export function cancelGroup(suite: Suite): void {
  suite.describe("cancel", () => {
    queued(suite);
    running(suite);
    killing(suite);
    noOps(suite);
  });
}
