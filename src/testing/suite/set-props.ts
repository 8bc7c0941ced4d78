import assert from "node:assert/strict";
import type { BackgroundCallbackManager, Json, SideUpdates } from "../../manager/contract.js";
import { componentKey } from "../../manager/keys.js";
import {
  assertOnlyOutcome,
  assertResult,
  resultOf,
  sleep,
  submit,
  untilOutcome,
  waitFor,
  withManager,
} from "./helpers.js";
import { JOB } from "./job-ids.js";
import type { Suite } from "./options.js";

type Step = ["set", string | Record<string, Json>, Record<string, Json>] | ["sleep", number];

/** Runs the `props` job with `steps`, waits until it is done, then takes once. */
async function propsAtEnd(suite: Suite, manager: BackgroundCallbackManager, steps: Step[]): Promise<SideUpdates> {
  const jobId = await submit(manager, JOB.props, [steps]);
  await waitFor(`job ${jobId} to be done`, async () => (await manager.status(jobId)) === "done", suite.scale(10_000));
  const update = await manager.take(jobId);
  assertResult(update.outcome, "done");
  assert.ok(
    update.sideUpdates,
    `side updates made before the end must arrive with the outcome: ${JSON.stringify(update)}`,
  );
  return update.sideUpdates;
}

function merging(suite: Suite): void {
  suite.test("every call arrives, merged per component and prop in call order", 30_000, async () => {
    await withManager(suite, {}, async (manager) => {
      const steps: Step[] = [
        ["set", "a", { x: 1 }],
        ["set", "a", { y: 2 }],
        ["set", "a", { x: 3 }],
      ];
      assert.deepEqual(await propsAtEnd(suite, manager, steps), { a: { x: 3, y: 2 } });
    });
  });

  suite.test("several components between two takes: all present, in first-touched order", 30_000, async () => {
    await withManager(suite, {}, async (manager) => {
      const steps: Step[] = [
        ["set", "b", { v: 1 }],
        ["set", "a", { v: 1 }],
        ["set", "c", { v: 1 }],
        ["set", "a", { v: 2 }],
        ["set", "b", { w: 1 }],
      ];
      const updates = await propsAtEnd(suite, manager, steps);
      assert.deepEqual(updates, { b: { v: 1, w: 1 }, a: { v: 2 }, c: { v: 1 } });
      assert.deepEqual(Object.keys(updates), ["b", "a", "c"], "components must keep their first-touched order");
    });
  });

  suite.test("object ids become componentKey(id)", 30_000, async () => {
    await withManager(suite, {}, async (manager) => {
      const id = { type: "item", index: 2, nested: { z: 1, a: [1, "x"] } };
      const updates = await propsAtEnd(suite, manager, [
        ["set", id, { value: 1 }],
        ["set", "plain", { value: 2 }],
        ["set", { index: 2, nested: { a: [1, "x"], z: 1 }, type: "item" }, { other: 3 }],
      ]);
      assert.deepEqual(updates, { [componentKey(id)]: { value: 1, other: 3 }, plain: { value: 2 } });
    });
  });
}

function delivery(suite: Suite): void {
  suite.test("each take returns only what is new", 30_000, async () => {
    await withManager(suite, {}, async (manager) => {
      const pause = suite.scale(400);
      const steps: Step[] = [
        ["set", "a", { x: 1 }],
        ["sleep", pause],
        ["set", "a", { x: 2 }],
        ["sleep", pause],
      ];
      const jobId = await submit(manager, JOB.props, [steps]);
      const { takes } = await untilOutcome(manager, jobId, suite.scale(15_000));
      const seen = takes.filter((take) => take.sideUpdates !== undefined).map((take) => take.sideUpdates);
      assert.deepEqual(seen, [{ a: { x: 1 } }, { a: { x: 2 } }]);
      assertOnlyOutcome(await manager.take(jobId), "a take after the outcome");
    });
  });

  suite.test("updates made just before the job returns arrive with or before the outcome", 30_000, async () => {
    await withManager(suite, {}, async (manager) => {
      const jobId = await submit(manager, JOB.props, [[["set", "last", { words: "just before return" }]]]);
      const { takes, outcome } = await untilOutcome(manager, jobId, suite.scale(10_000), 1);
      assertResult(outcome, "done");
      const seen = takes.filter((take) => take.sideUpdates !== undefined).map((take) => take.sideUpdates);
      assert.deepEqual(seen, [{ last: { words: "just before return" } }]);
      assertOnlyOutcome(await manager.take(jobId), "a take after the outcome");
    });
  });
}

function endings(suite: Suite): void {
  suite.test("none after a cancel", 30_000, async () => {
    await withManager(suite, { cancelGraceMs: 10_000 }, async (manager) => {
      // `stream` ignores the signal and keeps calling setProps; only the manager can drop them.
      const jobId = await submit(manager, JOB.stream, [suite.scale(600)]);
      await waitFor("a first side update", async () => (await manager.take(jobId)).sideUpdates, suite.scale(10_000));
      // Let more updates pile up untaken: the cancel must drop them too.
      await sleep(suite.scale(50));
      await manager.cancel(jobId);
      assert.deepEqual(assertOnlyOutcome(await manager.take(jobId), "the take after cancel"), { kind: "cancelled" });
      await sleep(suite.scale(800));
      assert.deepEqual(assertOnlyOutcome(await manager.take(jobId), "a take after the job returned"), {
        kind: "cancelled",
      });
    });
  });

  suite.test("a prop value that is not JSON fails the job with an error outcome", 30_000, async () => {
    await withManager(suite, {}, async (manager) => {
      const jobId = await submit(manager, JOB.badProps);
      const { outcome } = await untilOutcome(manager, jobId, suite.scale(10_000));
      assert.equal(outcome.kind, "error", `expected an error, got ${JSON.stringify(outcome)}`);
      assert.ok(outcome.message.length > 0, "the error must have a message");
      // The job is done, and the manager runs the next one.
      assert.equal(await resultOf(manager, await submit(manager, JOB.echo, [1]), suite.scale(10_000)), 1);
    });
  });
}

/** `setProps` side updates: merged, ordered, keyed by component, nothing after a cancel. */
export function setPropsGroup(suite: Suite): void {
  suite.describe("setProps", () => {
    merging(suite);
    delivery(suite);
    endings(suite);
  });
}
