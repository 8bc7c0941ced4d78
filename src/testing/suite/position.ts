import assert from "node:assert/strict";
import type { BackgroundCallbackManager } from "../../manager/contract.js";
import { newJobId } from "../../manager/keys.js";
import { rejectsInvalid, rejectsWithCode, submit, waitFor, withManager } from "./helpers.js";
import { JOB } from "./job-ids.js";
import type { Suite } from "./options.js";

type Position = NonNullable<BackgroundCallbackManager["position"]>;

/**
 * Runs `fn` with a manager that has `position`; a manager without it must leave the member out
 * altogether (`undefined`).
 */
async function withPosition(
  suite: Suite,
  fn: (manager: BackgroundCallbackManager, position: Position) => Promise<void>,
): Promise<void> {
  await withManager(suite, { concurrency: 1 }, async (manager) => {
    if (manager.position === undefined) return;
    assert.equal(typeof manager.position, "function", "position must be a method, or absent");
    await fn(manager, manager.position.bind(manager));
  });
}

/** Waits until the positions of `jobIds` read `expected`, in order. */
async function positionsRead(
  suite: Suite,
  position: Position,
  jobIds: readonly string[],
  expected: readonly (number | undefined)[],
): Promise<void> {
  let last: (number | undefined)[] = [];
  await waitFor(
    `positions ${JSON.stringify(expected)}`,
    async () => {
      last = await Promise.all(jobIds.map((id) => position(id)));
      return last.every((value, i) => value === expected[i]);
    },
    suite.scale(10_000),
  ).catch((error: unknown) => {
    assert.fail(`${String(error)}; the positions read ${JSON.stringify(last)}`);
  });
}

async function runs(suite: Suite, manager: BackgroundCallbackManager, jobId: string): Promise<void> {
  await waitFor(`job ${jobId} to run`, async () => (await manager.status(jobId)) === "running", suite.scale(10_000));
}

/** The optional `position`: how many jobs start before a queued one; `undefined` once it runs or ended. */
export function positionGroup(suite: Suite): void {
  suite.describe("position", () => {
    suite.test("one running and three queued read 0/1/2, and move down as jobs ahead end", 60_000, async () => {
      await withPosition(suite, async (manager, position) => {
        const jobs: string[] = [];
        for (let i = 0; i < 4; i++) jobs.push(await submit(manager, JOB.waitCancel));
        const [a, b, c, d] = jobs as [string, string, string, string];
        await runs(suite, manager, a);
        await positionsRead(suite, position, jobs, [undefined, 0, 1, 2]);
        await manager.cancel(a);
        await runs(suite, manager, b);
        await positionsRead(suite, position, jobs, [undefined, undefined, 0, 1]);
        await manager.cancel(c);
        await positionsRead(suite, position, jobs, [undefined, undefined, undefined, 0]);
        await manager.cancel(b);
        await runs(suite, manager, d);
        await positionsRead(suite, position, jobs, [undefined, undefined, undefined, undefined]);
        await manager.cancel(d);
        assert.equal(await position(d), undefined, "an ended job has no position");
      });
    });

    suite.test("positions of overlapping calls agree, and a job that ended on its own has none", 60_000, async () => {
      await withPosition(suite, async (manager, position) => {
        const first = await submit(manager, JOB.stamp, ["first", suite.scale(300)]);
        const queued = await submit(manager, JOB.echo, ["second"]);
        const reads = await Promise.all(Array.from({ length: 20 }, (_, i) => position(i % 2 ? queued : first)));
        for (const [i, read] of reads.entries()) {
          const allowed = i % 2 ? [0, 1, undefined] : [0, undefined];
          assert.ok(allowed.includes(read), `read ${String(read)} for the ${i % 2 ? "second" : "first"} job`);
        }
        const [ofFirst, ofQueued] = await Promise.all([position(first), position(queued)]);
        if (ofFirst === 0) assert.equal(ofQueued, 1, "a job queued behind a queued one has one job ahead");
        await waitFor("both jobs to end", async () => (await manager.status(queued)) === "done", suite.scale(10_000));
        assert.equal(await position(first), undefined);
        assert.equal(await position(queued), undefined);
      });
    });

    suite.test("unknown ids have no position; bad ids and a closed manager reject", 30_000, async () => {
      let closed: Position | undefined;
      await withPosition(suite, async (_manager, position) => {
        assert.equal(await position(newJobId()), undefined);
        assert.equal(await position("conformance-no-such-job"), undefined);
        await rejectsInvalid("position('')", () => position(""));
        await rejectsInvalid("position(1)", () => position(1 as unknown as string));
        closed = position;
      });
      if (closed === undefined) return;
      const position = closed;
      await rejectsWithCode("position() after close()", "MANAGER_CLOSED", () => position(newJobId()));
    });
  });
}
