import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JobOutcome } from "../../manager/contract.js";
import {
  assertResult,
  isAlive,
  outcomeOf,
  rejectsInvalid,
  reportedPid,
  submit,
  waitFor,
  withManager,
} from "./helpers.js";
import { JOB } from "./job-ids.js";
import type { Suite } from "./options.js";

/** Asserts the error outcome of a job stopped by its `timeoutMs`. */
function assertTimedOut(outcome: JobOutcome, timeoutMs: number, what: string): void {
  assert.deepEqual(
    outcome.kind === "error" ? { kind: outcome.kind, message: outcome.message } : outcome,
    { kind: "error", message: `The job timed out after ${timeoutMs / 1000} s` },
    `${what} must end with the timeout error`,
  );
}

function stops(suite: Suite): void {
  suite.test(
    "a job that ignores its signal ends timed out, its process replaced; the next job runs",
    60_000,
    async () => {
      await withManager(suite, { concurrency: 1, cancelGraceMs: suite.scale(200) }, async (manager) => {
        const limit = suite.scale(400);
        const jobId = await submit(manager, JOB.spin, [], { timeoutMs: limit });
        const next = await submit(manager, JOB.echo, ["next"]);
        const pid = await reportedPid(manager, jobId, suite.scale(10_000));
        assertTimedOut(await outcomeOf(manager, jobId, suite.scale(15_000)), limit, "a spinning job");
        assert.equal(await manager.status(jobId), "done");
        await waitFor(`the timed-out job's process ${pid} to be killed`, () => !isAlive(pid), suite.scale(10_000));
        assertResult(await outcomeOf(manager, next, suite.scale(15_000)), "next");
      });
    },
  );

  suite.test("a cooperative job that stops at the abort also ends timed out", 30_000, async () => {
    await withManager(suite, {}, async (manager) => {
      const limit = suite.scale(300);
      const jobId = await submit(manager, JOB.waitCancel, [suite.scale(5_000)], { timeoutMs: limit });
      assertTimedOut(await outcomeOf(manager, jobId, suite.scale(15_000)), limit, "a job that returned at the abort");
    });
  });

  suite.test("a job that returns within the grace period after the abort still ends timed out", 30_000, async () => {
    const folder = mkdtempSync(join(tmpdir(), "bc-timeout-"));
    try {
      await withManager(suite, { cancelGraceMs: suite.scale(2_000) }, async (manager) => {
        const limit = suite.scale(300);
        const args = [suite.scale(100), join(folder, "aborted-at"), suite.scale(20_000)];
        const jobId = await submit(manager, JOB.deadline, args, { timeoutMs: limit });
        assertTimedOut(await outcomeOf(manager, jobId, suite.scale(15_000)), limit, "a job that returned late");
      });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
}

function bounds(suite: Suite): void {
  suite.test("a job within its limit ends normally, and time queued does not count", 60_000, async () => {
    await withManager(suite, { concurrency: 1 }, async (manager) => {
      const ahead = await submit(manager, JOB.stamp, ["ahead", suite.scale(1_500)]);
      const limited = await submit(manager, JOB.echo, ["in time"], { timeoutMs: suite.scale(1_000) });
      assert.equal((await outcomeOf(manager, ahead, suite.scale(15_000))).kind, "result");
      assertResult(
        await outcomeOf(manager, limited, suite.scale(15_000)),
        "in time",
        "a job queued longer than its limit",
      );
    });
  });

  suite.test("timeoutMs must be an integer from 1 to 2,147,483,647", 30_000, async () => {
    await withManager(suite, {}, async (manager) => {
      for (const timeoutMs of [0, -1, 1.5, Number.NaN, "100", null, 2 ** 31]) {
        await rejectsInvalid(`submit() with timeoutMs ${String(timeoutMs)}`, () =>
          manager.submit({ callbackId: JOB.echo, args: [1], timeoutMs: timeoutMs as number }),
        );
      }
      const longest = await submit(manager, JOB.echo, ["longest"], { timeoutMs: 2 ** 31 - 1 });
      assertResult(
        await outcomeOf(manager, longest, suite.scale(10_000)),
        "longest",
        "the longest limit a timer honours",
      );
    });
  });
}

/** `JobRequest.timeoutMs`: the signal aborts at the limit, the process dies after the grace period, the job ends timed out. */
export function timeoutGroup(suite: Suite): void {
  suite.describe("timeout", () => {
    stops(suite);
    bounds(suite);
  });
}
