import assert from "node:assert/strict";
import type { BackgroundCallbackManager, JobRequest } from "../../manager/contract.js";
import {
  isAlive,
  rejectsInvalid,
  rejectsWithCode,
  reportedPid,
  resultOf,
  sleep,
  submit,
  withManager,
} from "./helpers.js";
import { JOB } from "./job-ids.js";
import type { Suite } from "./options.js";

/** Job requests every manager must reject with `INVALID_ARGUMENT`, by what is wrong with them. */
const BAD_REQUESTS: readonly [string, unknown][] = [
  ["null", null],
  ["undefined", undefined],
  ["a string", JOB.echo],
  ["an array", [JOB.echo, []]],
  ["a missing callbackId", { args: [] }],
  ["an empty callbackId", { callbackId: "", args: [] }],
  ["a numeric callbackId", { callbackId: 7, args: [] }],
  ["missing args", { callbackId: JOB.echo }],
  ["args that are not an array", { callbackId: JOB.echo, args: "x" }],
  ["a function in args", { callbackId: JOB.echo, args: [() => 1] }],
  ["NaN in args", { callbackId: JOB.echo, args: [Number.NaN] }],
  ["undefined in args", { callbackId: JOB.echo, args: [undefined] }],
  ["a context that is not an object", { callbackId: JOB.echo, args: [], context: "ctx" }],
  ["cache with ttlMs 0", { callbackId: JOB.echo, args: [], cache: { key: "k", ttlMs: 0 } }],
  ["cache with an empty key", { callbackId: JOB.echo, args: [], cache: { key: "", ttlMs: 1000 } }],
];

const BAD_IDS: readonly unknown[] = [undefined, null, 42, {}, ["id"], ""];

/** Submits `echo` and checks its result: the manager still works. */
async function stillWorks(suite: Suite, manager: BackgroundCallbackManager): Promise<void> {
  assert.equal(
    await resultOf(manager, await submit(manager, JOB.echo, ["still works"]), suite.scale(10_000)),
    "still works",
  );
}

function expiry(suite: Suite): void {
  suite.test("an ended job's record expires after ttlMs: unknown, take gives {}", 30_000, async () => {
    const ttlMs = suite.scale(1_000);
    await withManager(suite, { ttlMs }, async (manager) => {
      const jobId = await submit(manager, JOB.echo, ["kept for a while"]);
      assert.equal(await resultOf(manager, jobId, suite.scale(10_000)), "kept for a while");
      assert.equal(await manager.status(jobId), "done", "the record is there right after the end");
      const deadline = Date.now() + ttlMs + suite.scale(5_000);
      while ((await manager.status(jobId)) !== "unknown" && Date.now() < deadline) await sleep(suite.scale(100));
      assert.equal(await manager.status(jobId), "unknown", `the record outlived ttlMs (${ttlMs} ms) by 5 s`);
      assert.deepEqual(await manager.take(jobId), {}, "an expired job's take is empty");
    });
  });
}

function closing(suite: Suite): void {
  suite.test("close() is idempotent, called twice or concurrently", 30_000, async () => {
    await withManager(suite, {}, async (unused) => {
      await unused.close();
      await unused.close();
    });
    await withManager(suite, {}, async (used) => {
      await stillWorks(suite, used);
      await Promise.all([used.close(), used.close(), used.close()]);
      await used.close();
    });
  });

  suite.test("every method rejects MANAGER_CLOSED after close()", 30_000, async () => {
    await withManager(suite, {}, async (manager) => {
      const jobId = await submit(manager, JOB.echo, ["before close"]);
      await resultOf(manager, jobId, suite.scale(10_000));
      await manager.close();
      const calls: [string, () => Promise<unknown>][] = [
        ["submit()", () => manager.submit({ callbackId: JOB.echo, args: [] })],
        ["take()", () => manager.take(jobId)],
        ["status()", () => manager.status(jobId)],
        ["cancel()", () => manager.cancel(jobId)],
        ["take() of an unknown id", () => manager.take("conformance-no-such-job")],
      ];
      for (const [what, call] of calls) await rejectsWithCode(`${what} after close()`, "MANAGER_CLOSED", call);
    });
  });
}

function closingBusy(suite: Suite): void {
  suite.test("close() while a job blocks its process returns in bounded time and kills it", 30_000, async () => {
    const graceMs = 1000;
    await withManager(suite, { cancelGraceMs: graceMs }, async (manager) => {
      const pid = await reportedPid(manager, await submit(manager, JOB.spin), suite.scale(10_000));
      const started = Date.now();
      await manager.close();
      const took = Date.now() - started;
      assert.ok(took <= graceMs + suite.scale(2_000), `close() took ${took} ms`);
      assert.equal(isAlive(pid), false, `the worker process ${pid} is still alive after close()`);
    });
  });
}

function inputs(suite: Suite): void {
  suite.test("capabilities is frozen, with boolean caching and shared", 10_000, async () => {
    await withManager(suite, {}, async (manager) => {
      const { capabilities } = manager;
      assert.ok(Object.isFrozen(capabilities), "capabilities must be frozen");
      assert.equal(typeof capabilities.caching, "boolean");
      assert.equal(typeof capabilities.shared, "boolean");
    });
  });

  suite.test("a bad job request rejects with INVALID_ARGUMENT; the manager still works", 30_000, async () => {
    await withManager(suite, {}, async (manager) => {
      for (const [what, request] of BAD_REQUESTS) {
        await rejectsInvalid(`submit() with ${what}`, () => manager.submit(request as JobRequest));
      }
      await stillWorks(suite, manager);
    });
  });

  suite.test("a job id that is not a non-empty string rejects with INVALID_ARGUMENT", 30_000, async () => {
    await withManager(suite, {}, async (manager) => {
      for (const id of BAD_IDS) {
        const shown = JSON.stringify(id) ?? String(id);
        await rejectsInvalid(`take(${shown})`, () => manager.take(id as string));
        await rejectsInvalid(`status(${shown})`, () => manager.status(id as string));
        await rejectsInvalid(`cancel(${shown})`, () => manager.cancel(id as string));
      }
      await stillWorks(suite, manager);
    });
  });
}

/** Lifecycle and input checks: close, capabilities, `INVALID_ARGUMENT`. */
export function lifecycleGroup(suite: Suite): void {
  suite.describe("lifecycle", () => {
    closing(suite);
    expiry(suite);
    closingBusy(suite);
    inputs(suite);
  });
}
