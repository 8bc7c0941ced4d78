import assert from "node:assert/strict";
import type { BackgroundCallbackManager, JobOutcome, Json } from "../../manager/contract.js";
import { asStamp, assertResult, outcomeOf, sleep, submit, withManager } from "./helpers.js";
import { JOB, type LeftoverMode } from "./job-ids.js";
import type { Suite } from "./options.js";
import { assertNoNewProcesses, descendants } from "./processes.js";

/** Calls submit `count` times without awaiting, closes the manager at once, and checks the submits. */
async function closeWhileSubmitting(manager: BackgroundCallbackManager, count: number): Promise<void> {
  // Each rejection is handled at once: close() may take a while, and none may look unhandled.
  const pending = Array.from({ length: count }, (_, i) =>
    manager.submit({ callbackId: JOB.stamp, args: [i, 0] }).then(
      () => undefined,
      (error: unknown) => error ?? new Error("submit() rejected with nothing"),
    ),
  );
  await manager.close();
  for (const error of await Promise.all(pending)) {
    if (error === undefined) continue;
    assert.equal(
      (error as { code?: unknown }).code,
      "MANAGER_CLOSED",
      `a submit() overtaken by close() may resolve or reject MANAGER_CLOSED, it rejected ${String(error)}`,
    );
  }
}

/** `close()` right after the first `submit()`: no process outlives it (checked in the process table). */
export function closeDuringSubmit(suite: Suite): void {
  suite.test("close() during the first submit() leaves no process behind", 60_000, async () => {
    for (const [round, count] of [1, 1, 3, 3].entries()) {
      const before = descendants();
      await withManager(suite, { concurrency: 2 }, (manager) => closeWhileSubmitting(manager, count));
      // A process started late by a submit that outlived close() shows up in this while.
      await sleep(suite.scale(300));
      await assertNoNewProcesses(before, suite.scale(1_000), `round ${round} (${count} submit(s))`);
    }
  });
}

/** Takes until the outcome arrives; every side update taken is passed to `seen`. */
async function poll(
  suite: Suite,
  manager: BackgroundCallbackManager,
  jobId: string,
  seen: (componentId: string) => void,
): Promise<JobOutcome> {
  const deadline = Date.now() + suite.scale(30_000);
  for (;;) {
    const update = await manager.take(jobId);
    for (const componentId of Object.keys(update.sideUpdates ?? {})) seen(componentId);
    if (update.outcome) return update.outcome;
    assert.ok(Date.now() < deadline, "the job did not end within 30 s");
    // A macrotask between takes: a manager whose take never waits for I/O would starve the loop.
    await sleep(1);
  }
}

/** Two pollers of one manager taking in parallel: every side update reaches exactly one of them. */
export function concurrentTakes(suite: Suite): void {
  suite.test("two pollers taking at once receive each side update exactly once between them", 60_000, async () => {
    const count = 240;
    const steps: Json[] = [];
    for (let i = 0; i < count; i++) {
      steps.push(["set", `c${i}`, { i }]);
      if (i % 20 === 19) steps.push(["sleep", 2]);
    }
    await withManager(suite, { concurrency: 1 }, async (manager) => {
      const jobId = await submit(manager, JOB.props, [steps]);
      const deliveries = new Map<string, number>();
      const seen = (id: string) => deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
      const outcomes = await Promise.all([poll(suite, manager, jobId, seen), poll(suite, manager, jobId, seen)]);
      for (const outcome of outcomes) assertResult(outcome, "done", "the props job, as each poller saw it");
      const twice = [...deliveries].filter(([, n]) => n > 1).map(([id]) => id);
      const missing = steps.flatMap((step) => {
        const id = (step as [string, string])[1];
        return (step as Json[])[0] === "set" && !deliveries.has(id) ? [id] : [];
      });
      const some = (ids: string[]) => ids.slice(0, 8).join(", ");
      assert.equal(twice.length, 0, `${twice.length} of ${count} side updates came twice: ${some(twice)}, …`);
      assert.equal(missing.length, 0, `${missing.length} of ${count} side updates never came: ${some(missing)}, …`);
    });
  });
}

/** A job that leaves a throwing timer or a rejected promise behind: the jobs after it still end well. */
export function leftovers(suite: Suite): void {
  suite.test("a job's leftover timer or rejection never harms the jobs after it", 60_000, async () => {
    const plan: [LeftoverMode, number][] = [
      ["throw", 50],
      ["reject", 30],
    ];
    await withManager(suite, { concurrency: 1 }, async (manager) => {
      for (const [mode, delayMs] of plan) {
        const leftover = await submit(manager, JOB.leftover, [mode, delayMs]);
        const innocents: string[] = [];
        for (let i = 0; i < 10; i++) innocents.push(await submit(manager, JOB.stamp, [i, suite.scale(15)]));
        assertResult(await outcomeOf(manager, leftover, suite.scale(15_000)), "returned", `the ${mode} job`);
        for (const [i, jobId] of innocents.entries()) {
          const outcome = await outcomeOf(manager, jobId, suite.scale(15_000));
          const what = `innocent job ${i} after a leftover ${mode} at ${delayMs} ms`;
          assert.equal(outcome.kind, "result", `${what}: expected a result, got ${JSON.stringify(outcome)}`);
          assert.equal(asStamp((outcome as { value: Json }).value).label, i, what);
        }
      }
    });
  });
}
