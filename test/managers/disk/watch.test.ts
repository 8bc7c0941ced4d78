import { setMaxListeners } from "node:events";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DiskManager } from "../../../managers/disk/index.js";
import type { JobUpdate } from "../../../src/index.js";
import { settlesWithin } from "../../../src/testing/suite/helpers.js";
import { outcomeOf, raceJobs, racePeer, tempFile, traceOf, until } from "./helpers.js";

// A lease long enough that a loaded machine renews it in time: a lapsed lease is `lost` for good.
const PEER = { heartbeatMs: 200, leaseMs: 5_000 };

/** Whether `promise` settles within `ms` (a bound for a broken watch, not a speed check). */
const settles = (promise: Promise<unknown>, ms = 15_000): Promise<boolean> => settlesWithin(promise, ms);

const hasNews = (update: JobUpdate): boolean =>
  update.progress !== undefined || update.sideUpdates !== undefined || update.outcome !== undefined;

/** The server's loop: watch, then take; wait on the watch only when the take found nothing. */
async function nextNews(manager: DiskManager, jobId: string): Promise<{ update: JobUpdate; wakes: number }> {
  for (let wakes = 0; ; wakes++) {
    const controller = new AbortController();
    const watch = manager.watch(jobId, controller.signal);
    const update = await manager.take(jobId);
    if (hasNews(update)) {
      controller.abort();
      await watch;
      return { update, wakes };
    }
    if (!(await settles(watch))) throw new Error(`a watch of ${jobId} never woke`);
  }
}

describe("DiskManager.watch across processes", () => {
  it("each progress of another process's job wakes a watch that began before it; none is missed", async () => {
    const path = tempFile();
    const dir = join(path, "..");
    const steps = 8;
    const { peer, ids } = await racePeer(path, PEER, [{ callbackId: "disk.steps", args: [dir, steps] }]);
    const [jobId] = ids as [string];
    const manager = new DiskManager({ path, workerModule: raceJobs });
    try {
      await until(async () => (await manager.status(jobId)) === "running", "the job runs");
      for (let k = 1; k <= steps; k++) {
        const controller = new AbortController();
        const watch = manager.watch(jobId, controller.signal);
        expect(hasNews(await manager.take(jobId))).toBe(false);
        writeFileSync(join(dir, `step-${k}`), "");
        expect(await settles(watch), `the watch of step ${k}`).toBe(true);
        const { update } = await nextNews(manager, jobId);
        expect(update.progress).toBe(k);
      }
      const { update } = await nextNews(manager, jobId);
      expect(update.outcome).toEqual({ kind: "result", value: steps });
      expect(manager.watching).toBe(0);
    } finally {
      peer.child.kill("SIGKILL");
      await manager.close();
    }
  }, 120_000);

  it("a cancel made here ends at once every watch here of another process's job", async () => {
    const path = tempFile();
    const dir = join(path, "..");
    const trace = join(dir, "trace");
    const { peer, ids } = await racePeer(path, PEER, [
      { callbackId: "disk.gate", args: [trace, "g", join(dir, "gate")] },
    ]);
    const [jobId] = ids as [string];
    // A loop that would not notice for a minute: only the cancel's own notice can end the watches.
    const manager = new DiskManager({ path, workerModule: raceJobs, watchPollMs: 60_000 });
    try {
      await until(() => traceOf(trace).includes("g"), "the job runs");
      await manager.take(jobId);
      const controller = new AbortController();
      setMaxListeners(50, controller.signal);
      const watches = Array.from({ length: 50 }, () => manager.watch(jobId, controller.signal));
      await manager.cancel(jobId);
      expect(await settles(Promise.all(watches))).toBe(true);
      expect(await manager.take(jobId)).toEqual({ outcome: { kind: "cancelled" } });
      await until(() => traceOf(trace).includes("g:aborted"), "the owner aborts the job");
    } finally {
      peer.child.kill("SIGKILL");
      await manager.close();
    }
  }, 60_000);

  it("a queued job of another process: its watch wakes when it starts, and its position moves", async () => {
    const path = tempFile();
    const dir = join(path, "..");
    const trace = join(dir, "trace");
    const gate = join(dir, "gate");
    const { peer, ids } = await racePeer(path, PEER, [
      { callbackId: "disk.gate", args: [trace, "1", gate] },
      { callbackId: "disk.gate", args: [trace, "2", gate] },
      { callbackId: "disk.gate", args: [trace, "3", gate] },
      { callbackId: "disk.gate", args: [trace, "4", gate] },
    ]);
    const [first, second, third, fourth] = ids as [string, string, string, string];
    const manager = new DiskManager({ path, workerModule: raceJobs });
    const positions = () => Promise.all(ids.map((id) => manager.position(id)));
    const theirs = async () => Promise.all(ids.map(async (id) => peer.ask(`position ${id}`)));
    try {
      await until(() => traceOf(trace).includes("1"), "job 1 runs");
      expect(await positions()).toEqual([undefined, 0, 1, 2]);
      expect(await theirs()).toEqual(["none", "0", "1", "2"]);
      // Cancelled here: the owner's queue and the file agree that it left the line.
      await manager.cancel(third);
      expect(await positions()).toEqual([undefined, 0, undefined, 1]);
      await until(async () => (await theirs()).join() === "none,0,none,1", "the owner's line drops job 3");

      const controller = new AbortController();
      // The first watch of a job has no earlier read to compare with: it wakes early, and leaves one.
      expect(await settles(manager.watch(second, controller.signal))).toBe(true);
      const started = manager.watch(second, controller.signal);
      expect(await manager.take(second)).toEqual({});
      await manager.cancel(first);
      expect(await settles(started)).toBe(true);
      // Nothing else changes job 2's row: what woke the watch is its start.
      expect(await manager.status(second)).toBe("running");
      expect(await positions()).toEqual([undefined, undefined, undefined, 0]);
      writeFileSync(gate, "");
      expect(await outcomeOf(manager, fourth)).toEqual({ kind: "result", value: "4" });
      expect(await positions()).toEqual([undefined, undefined, undefined, undefined]);
      expect(traceOf(trace)).toEqual(["1", "1:aborted", "2", "4"]);
    } finally {
      peer.child.kill("SIGKILL");
      await manager.close();
    }
  }, 120_000);
});

describe("DiskManager.watch for the outcome only", () => {
  it("a job run here: the watch stays pending through its start and progress, and wakes at its outcome", async () => {
    const path = tempFile();
    const dir = join(path, "..");
    const manager = new DiskManager({ path, workerModule: raceJobs });
    try {
      const { jobId } = await manager.submit({ callbackId: "disk.steps", args: [dir, 2] });
      const outcomeOnly = new AbortController();
      let woken = false;
      const watch = manager.watch(jobId, outcomeOnly.signal, { outcome: true }).then(() => {
        woken = true;
      });
      // Its start and its first progress wake a plain watch; the outcome watch stays pending.
      await until(async () => (await manager.status(jobId)) === "running", "the job runs");
      const plain = new AbortController();
      const progressed = manager.watch(jobId, plain.signal);
      writeFileSync(join(dir, "step-1"), "");
      expect(await settles(progressed), "the plain watch wakes at the progress").toBe(true);
      // The news of the start may reach the plain watch after the status read "running" (the
      // admit's completion can come back after the read's), so the progress may come one wake later.
      expect((await nextNews(manager, jobId)).update.progress).toBe(1);
      expect(woken, "the outcome watch woke at a start or a progress").toBe(false);
      writeFileSync(join(dir, "step-2"), "");
      expect(await settles(watch), "the outcome watch wakes at the outcome").toBe(true);
      expect((await manager.take(jobId)).outcome).toEqual({ kind: "result", value: 2 });
      expect(manager.watching).toBe(0);
    } finally {
      await manager.close();
    }
  }, 60_000);

  it("rejects options that are not an object", async () => {
    const manager = new DiskManager({ path: tempFile() });
    try {
      const controller = new AbortController();
      await expect(manager.watch("job-1", controller.signal, 5 as never)).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
        message: expect.stringContaining("Expected `options` of watch to be an object, got `5` (number)"),
      });
    } finally {
      await manager.close();
    }
  });
});
