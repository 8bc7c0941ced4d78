import assert from "node:assert/strict";
import type { BackgroundCallbackManager, JobOutcome, JobRequest, Json } from "../../manager/contract.js";
import { type CacheKeyParts, cacheKey } from "../../manager/keys.js";
import {
  assertResult,
  outcomeOf,
  rejectsWithCode,
  sleep,
  submit,
  untilOutcome,
  waitFor,
  withManager,
} from "./helpers.js";
import { JOB } from "./job-ids.js";
import type { Suite } from "./options.js";

type Cache = NonNullable<JobRequest["cache"]>;

/** A cache entry for the `random` job called with `args`. */
const entry = (args: Json[], ttlMs: number, parts: Partial<CacheKeyParts> = {}): Cache => ({
  key: cacheKey({ callbackId: JOB.random, args, ...parts }),
  ttlMs,
});

/** Runs `random`; `ran` tells whether the job function ran (it reports a fresh run id first). */
async function random(
  suite: Suite,
  manager: BackgroundCallbackManager,
  args: Json[],
  cache?: Cache,
): Promise<{ outcome: JobOutcome; ran: boolean }> {
  const jobId = await submit(manager, JOB.random, args, cache ? { cache } : {});
  const { takes, outcome } = await untilOutcome(manager, jobId, suite.scale(10_000));
  return { outcome, ran: takes.some((take) => take.sideUpdates?.run !== undefined) };
}

/** Runs `random` with `args` and returns its fresh result value. */
async function fresh(suite: Suite, manager: BackgroundCallbackManager, args: Json[], cache?: Cache): Promise<Json> {
  const { outcome, ran } = await random(suite, manager, args, cache);
  assert.ok(ran, "the job must have run");
  assert.equal(outcome.kind, "result", `expected a result, got ${JSON.stringify(outcome)}`);
  const { value } = outcome as { value: Json };
  assertResult(outcome, value);
  return value;
}

/** A memoised hit: the outcome comes with the first take, the job does not run. */
async function hit(manager: BackgroundCallbackManager, args: Json[], cache: Cache, value: Json): Promise<void> {
  const jobId = await submit(manager, JOB.random, args, { cache });
  const update = await manager.take(jobId);
  assert.deepEqual(update.outcome, { kind: "result", value, cached: true }, "expected the memoised result at once");
  assert.equal(update.sideUpdates, undefined, "a memoised result must not run the job");
  assert.equal(await manager.status(jobId), "done");
}

/**
 * Declares a caching test. When `capabilities.caching` is false, the same test asserts instead
 * that a request with `cache` rejects `NOT_SUPPORTED` and that the manager still works.
 */
function cachingTest(suite: Suite, name: string, fn: (manager: BackgroundCallbackManager) => Promise<void>): void {
  suite.test(name, 30_000, async () => {
    await withManager(suite, {}, async (manager) => {
      if (manager.capabilities.caching) return fn(manager);
      await rejectsWithCode("submit() with `cache` on a manager without caching", "NOT_SUPPORTED", () =>
        manager.submit({ callbackId: JOB.random, args: ["result"], cache: entry(["result"], 60_000) }),
      );
      await fresh(suite, manager, ["result"]);
    });
  });
}

function hits(suite: Suite): void {
  cachingTest(suite, "a second submit with the same key gets the result without running the job", async (manager) => {
    const args = ["result", 1];
    const value = await fresh(suite, manager, args, entry(args, 60_000));
    await hit(manager, args, entry(args, 60_000), value);
    await hit(manager, args, entry(args, 60_000), value);
  });

  cachingTest(suite, "another cacheBy value gives another key, and the job runs again", async (manager) => {
    const args = ["result", 2];
    const [one, two] = [entry(args, 60_000, { cacheBy: ["user-1"] }), entry(args, 60_000, { cacheBy: ["user-2"] })];
    const first = await fresh(suite, manager, args, one);
    const second = await fresh(suite, manager, args, two);
    assert.notDeepEqual(second, first);
    await hit(manager, args, one, first);
    await hit(manager, args, two, second);
  });

  cachingTest(suite, "ignoreArgs: arguments that differ only where ignored hit", async (manager) => {
    const cache = (args: Json[]): Cache => entry(args, 60_000, { ignoreArgs: [2] });
    const value = await fresh(suite, manager, ["result", 3, "a"], cache(["result", 3, "a"]));
    await hit(manager, ["result", 3, "b"], cache(["result", 3, "b"]), value);
    await fresh(suite, manager, ["result", 4, "a"], cache(["result", 4, "a"]));
  });

  cachingTest(suite, "an entry expires after ttlMs", async (manager) => {
    const args = ["result", 5];
    const cache = entry(args, suite.scale(300));
    const first = await fresh(suite, manager, args, cache);
    await sleep(suite.scale(700));
    assert.notDeepEqual(await fresh(suite, manager, args, cache), first);
  });
}

function misses(suite: Suite): void {
  cachingTest(suite, "errors and noUpdate are not memoised", async (manager) => {
    for (const mode of ["throw", "noUpdate"] as const) {
      const cache = entry([mode], 60_000);
      const runs = [await random(suite, manager, [mode], cache), await random(suite, manager, [mode], cache)];
      for (const run of runs) {
        assert.equal(run.outcome.kind, mode === "throw" ? "error" : "noUpdate");
        assert.ok(run.ran, `a ${mode} outcome must not be memoised: the job must run again`);
      }
    }
  });

  cachingTest(suite, "cancelled jobs are not memoised", async (manager) => {
    const cache = entry(["wait"], 60_000);
    const jobId = await submit(manager, JOB.random, ["wait"], { cache });
    await waitFor("the job to run", async () => (await manager.take(jobId)).sideUpdates, suite.scale(10_000));
    await manager.cancel(jobId);
    assert.deepEqual(await outcomeOf(manager, jobId, suite.scale(2_000)), { kind: "cancelled" });
    await fresh(suite, manager, ["result"], cache);
  });

  suite.test("submits without cache are never memoised", 30_000, async () => {
    await withManager(suite, {}, async (manager) => {
      const args = ["result", 6];
      if (manager.capabilities.caching) await fresh(suite, manager, args, entry(args, 60_000));
      else {
        await rejectsWithCode("submit() with `cache` on a manager without caching", "NOT_SUPPORTED", () =>
          manager.submit({ callbackId: JOB.random, args, cache: entry(args, 60_000) }),
        );
      }
      const [first, second] = [await fresh(suite, manager, args), await fresh(suite, manager, args)];
      assert.notDeepEqual(first, second);
    });
  });
}

/** Memoisation through `JobRequest.cache`, or its `NOT_SUPPORTED` rejection. */
export function cachingGroup(suite: Suite): void {
  suite.describe("caching", () => {
    hits(suite);
    misses(suite);
  });
}
