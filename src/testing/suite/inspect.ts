import assert from "node:assert/strict";
import type { BackgroundCallbackManager, ManagerSnapshot } from "../../manager/contract.js";
import { CLOCK_TOLERANCE_MS, outcomeOf, rejectsWithCode, submit, waitFor, withManager } from "./helpers.js";
import { JOB } from "./job-ids.js";
import type { Suite } from "./options.js";

type Inspect = NonNullable<BackgroundCallbackManager["inspect"]>;

/** Runs `fn` with a manager that has `inspect`; a manager without it leaves the member out (`undefined`). */
async function withInspect(
  suite: Suite,
  fn: (manager: BackgroundCallbackManager, inspect: Inspect) => Promise<void>,
): Promise<void> {
  await withManager(suite, { concurrency: 1 }, async (manager) => {
    if (manager.inspect === undefined) return;
    assert.equal(typeof manager.inspect, "function", "inspect must be a method, or absent");
    await fn(manager, manager.inspect.bind(manager));
  });
}

/** A snapshot, checked for the contract's shape and orders. */
async function snapshot(inspect: Inspect): Promise<ManagerSnapshot> {
  const before = Date.now();
  const snap = await inspect();
  const after = Date.now();
  assert.ok(snap.at >= before - CLOCK_TOLERANCE_MS && snap.at <= after + CLOCK_TOLERANCE_MS, "`at` is the read's time");
  assert.ok(Number.isInteger(snap.queued) && snap.queued >= 0, `queued: ${snap.queued}`);
  assert.ok(Number.isInteger(snap.lostLastHour) && snap.lostLastHour >= 0, `lostLastHour: ${snap.lostLastHour}`);
  for (const job of snap.running) {
    assert.equal(typeof job.jobId, "string");
    assert.equal(typeof job.callbackId, "string");
    assert.ok(job.startedAt <= snap.at + CLOCK_TOLERANCE_MS, "a running job started before the snapshot");
    if (job.worker !== undefined) assert.match(job.worker, /^.+:\d+$/, "worker is `<host>:<pid>`");
  }
  for (const [i, job] of snap.running.entries()) {
    if (i > 0) assert.ok(job.startedAt >= (snap.running[i - 1]?.startedAt ?? 0), "running jobs: oldest first");
  }
  for (const [i, worker] of snap.workers.entries()) {
    assert.equal(worker.id, `${worker.host}:${worker.pid}`);
    assert.ok(worker.startedAt <= worker.lastSeen, "a worker was seen after it started");
    assert.ok(Number.isInteger(worker.jobsDone) && Number.isInteger(worker.running));
    if (i > 0) assert.ok(worker.lastSeen <= (snap.workers[i - 1]?.lastSeen ?? 0), "workers: newest first");
  }
  return snap;
}

/** The optional `inspect`: a snapshot of the queue for operators (the status command, metrics). */
export function inspectGroup(suite: Suite): void {
  suite.describe("inspect", () => {
    suite.test("a fresh manager reads an empty queue", 30_000, async () => {
      await withInspect(suite, async (_manager, inspect) => {
        const snap = await snapshot(inspect);
        assert.deepEqual([snap.queued, snap.running, snap.lostLastHour], [0, [], 0]);
      });
    });

    suite.test(
      "queued counts the waiting jobs; a running job shows with its callback and worker until it ends",
      60_000,
      async () => {
        await withInspect(suite, async (manager, inspect) => {
          const submitted = Date.now();
          const jobs: string[] = [];
          for (let i = 0; i < 4; i++) jobs.push(await submit(manager, JOB.waitCancel));
          const [first, ...rest] = jobs as [string, ...string[]];
          let snap = await waitFor(
            "the first job to run and three to wait",
            async () => {
              const read = await snapshot(inspect);
              return read.queued === 3 && read.running.length === 1 ? read : undefined;
            },
            suite.scale(10_000),
          );
          const [running] = snap.running;
          assert.equal(running?.jobId, first, "the running job is the first submitted");
          assert.equal(running?.callbackId, JOB.waitCancel);
          assert.ok((running?.startedAt ?? 0) >= submitted - CLOCK_TOLERANCE_MS, "it started after its submit");
          if (running?.worker !== undefined) {
            const { worker } = running;
            await waitFor(
              `its worker ${worker} among the live workers`,
              async () => (await snapshot(inspect)).workers.some((each) => each.id === worker),
              suite.scale(10_000),
            );
          }
          await manager.cancel(first);
          snap = await waitFor(
            "the second job to run and two to wait",
            async () => {
              const read = await snapshot(inspect);
              return read.queued === 2 && read.running[0]?.jobId === rest[0] ? read : undefined;
            },
            suite.scale(10_000),
          );
          assert.ok(!snap.running.some((job) => job.jobId === first), "an ended job is not running");
          await Promise.all(jobs.map((jobId) => manager.cancel(jobId)));
          await waitFor(
            "an empty queue after every job ended",
            async () => {
              const read = await snapshot(inspect);
              return read.queued === 0 && read.running.length === 0;
            },
            suite.scale(10_000),
          );
        });
      },
    );

    suite.test("a job that ended lost counts in lostLastHour; other endings do not", 60_000, async () => {
      await withInspect(suite, async (manager, inspect) => {
        const before = (await snapshot(inspect)).lostLastHour;
        const lost = await submit(manager, JOB.exit, [1, 0]);
        assert.equal((await outcomeOf(manager, lost, suite.scale(10_000))).kind, "lost");
        const failed = await submit(manager, JOB.throw, ["not lost"]);
        assert.equal((await outcomeOf(manager, failed, suite.scale(10_000))).kind, "error");
        const cancelled = await submit(manager, JOB.waitCancel);
        await manager.cancel(cancelled);
        await outcomeOf(manager, cancelled, suite.scale(10_000));
        assert.equal((await snapshot(inspect)).lostLastHour, before + 1, "one job ended lost");
      });
    });

    suite.test("inspect after close() rejects MANAGER_CLOSED", 30_000, async () => {
      let closed: Inspect | undefined;
      await withInspect(suite, async (_manager, inspect) => {
        await inspect();
        closed = inspect;
      });
      if (closed === undefined) return;
      await rejectsWithCode("inspect() after close()", "MANAGER_CLOSED", closed);
    });
  });
}
