import assert from "node:assert/strict";
import { asStamp, assertResult, outcomeOf, resultOf, submit, waitFor, withManager, withManagers } from "./helpers.js";
import { JOB } from "./job-ids.js";
import type { Suite } from "./options.js";

function identity(suite: Suite): void {
  suite.test("every submit gets a fresh, URL-safe job id of at least 22 characters", 30_000, async () => {
    await withManager(suite, { concurrency: 2 }, async (manager) => {
      const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => submit(manager, JOB.echo, [i % 2])));
      assert.equal(new Set(ids).size, ids.length, "two submits of the same call got the same job id");
      for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{22,}$/);
      for (const [i, id] of ids.entries()) assertResult(await outcomeOf(manager, id, suite.scale(15_000)), i % 2);
    });
  });
}

function separation(suite: Suite): void {
  suite.test("two managers never see each other's jobs", 30_000, async () => {
    await withManagers(suite, [{}, {}], async ([one, two]) => {
      if (one === undefined || two === undefined) assert.fail("create() must return two managers");
      const a = await submit(one, JOB.echo, ["a"]);
      const b = await submit(two, JOB.echo, ["b"]);
      assert.notEqual(a, b);
      for (const when of ["while they run", "after they ended"]) {
        assert.equal(await two.status(a), "unknown", `status of a foreign job ${when}`);
        assert.deepEqual(await two.take(a), {}, `take of a foreign job ${when}`);
        assert.equal(await one.status(b), "unknown", `status of a foreign job ${when}`);
        assert.deepEqual(await one.take(b), {}, `take of a foreign job ${when}`);
        assertResult(await outcomeOf(one, a, suite.scale(10_000)), "a");
        assertResult(await outcomeOf(two, b, suite.scale(10_000)), "b");
      }
    });
  });

  suite.test("cancel through another manager is a no-op: the job runs on and succeeds", 30_000, async () => {
    await withManagers(suite, [{}, {}], async ([one, two]) => {
      if (one === undefined || two === undefined) assert.fail("create() must return two managers");
      const jobId = await submit(one, JOB.stamp, ["kept", suite.scale(600)]);
      await waitFor("the job to run", async () => (await one.status(jobId)) === "running", suite.scale(10_000));
      await two.cancel(jobId);
      assert.equal(await one.status(jobId), "running");
      assert.equal(asStamp(await resultOf(one, jobId, suite.scale(10_000))).label, "kept");
    });
  });
}

/** Job ids are fresh and unguessable; managers from two `create()` calls share nothing. */
export function isolationGroup(suite: Suite): void {
  suite.describe("isolation", () => {
    identity(suite);
    separation(suite);
  });
}
