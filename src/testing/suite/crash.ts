import assert from "node:assert/strict";
import type { BackgroundCallbackManager, JobOutcome } from "../../manager/contract.js";
import { assertResult, outcomeOf, reportedPid, submit, withManager } from "./helpers.js";
import { JOB } from "./job-ids.js";
import type { Suite } from "./options.js";

/** Waits (within 5 s × timeScale) for a `lost` outcome with a reason, and `done` status. */
async function assertLost(suite: Suite, manager: BackgroundCallbackManager, jobId: string): Promise<void> {
  const outcome: JobOutcome = await outcomeOf(manager, jobId, suite.scale(5_000));
  assert.equal(outcome.kind, "lost", `a job whose process died must end lost, got ${JSON.stringify(outcome)}`);
  assert.equal(typeof outcome.reason, "string");
  assert.ok(outcome.reason.length > 0, "a lost outcome must say why");
  assert.equal(await manager.status(jobId), "done");
}

/** A worker process that dies ends its job `lost`; the manager carries on. */
export function crashGroup(suite: Suite): void {
  suite.describe("crash", () => {
    suite.test("a job that calls process.exit(1) ends lost, and the job queued behind it runs", 30_000, async () => {
      await withManager(suite, { concurrency: 1 }, async (manager) => {
        const crashing = await submit(manager, JOB.exit, [1, 0]);
        const next = await submit(manager, JOB.echo, ["survived"]);
        await assertLost(suite, manager, crashing);
        assertResult(await outcomeOf(manager, next, suite.scale(15_000)), "survived");
      });
    });

    suite.test("a job that calls process.exit(0) ends lost too", 30_000, async () => {
      await withManager(suite, { concurrency: 1 }, async (manager) => {
        await assertLost(suite, manager, await submit(manager, JOB.exit, [0, 0]));
      });
    });

    suite.test("a job whose process is killed from outside ends lost", 30_000, async () => {
      await withManager(suite, { concurrency: 1 }, async (manager) => {
        const jobId = await submit(manager, JOB.waitCancel);
        process.kill(await reportedPid(manager, jobId, suite.scale(10_000)), "SIGKILL");
        await assertLost(suite, manager, jobId);
      });
    });

    suite.test("after a crash, the next job submitted runs fine", 30_000, async () => {
      await withManager(suite, { concurrency: 1 }, async (manager) => {
        const jobId = await submit(manager, JOB.waitCancel);
        process.kill(await reportedPid(manager, jobId, suite.scale(10_000)), "SIGKILL");
        await assertLost(suite, manager, jobId);
        const next = await submit(manager, JOB.echo, ["fine"]);
        assertResult(await outcomeOf(manager, next, suite.scale(15_000)), "fine");
      });
    });
  });
}
