import { join } from "node:path";
import sqlite3 from "sqlite3";
import { describe, expect, it } from "vitest";
import { DiskManager } from "../../../managers/disk/index.js";
import { outcomeOf, raceJobs, racePeer, tempFile, traceOf, until } from "./helpers.js";

/** The time from which any process may end the job as timed out, read from the file without a manager. */
function storedTimeoutAt(path: string, jobId: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, (error) => {
      if (error) return reject(error);
      db.get(
        "SELECT json_extract(value, '$.value.timeoutAt') AS at FROM background_callbacks WHERE key = ?",
        `bgcb:job:${jobId}`,
        (err, row: { at: number | null } | undefined) => {
          db.close();
          if (err) reject(err);
          else resolve(row?.at ?? null);
        },
      );
    });
  });
}

const TIMED_OUT = (seconds: number) => ({ kind: "error", message: `The job timed out after ${seconds} s` });

describe("DiskManager: timeoutMs", () => {
  it("the owner ends a job past its limit with the time-limit error, wakes its watches, and runs the next job", async () => {
    const path = tempFile();
    const dir = join(path, "..");
    const trace = join(dir, "trace");
    const manager = new DiskManager({ path, workerModule: raceJobs, cancelGraceMs: 200 });
    try {
      const slow = await manager.submit({
        callbackId: "disk.gate",
        args: [trace, "slow", join(dir, "never")],
        timeoutMs: 300,
      });
      const next = await manager.submit({ callbackId: "disk.append", args: [trace, "next"] });
      await until(() => traceOf(trace).includes("slow"), "the job runs");
      await manager.take(slow.jobId);
      const watch = manager.watch(slow.jobId, new AbortController().signal);
      expect(await outcomeOf(manager, slow.jobId)).toEqual(TIMED_OUT(0.3));
      await watch;
      expect(await outcomeOf(manager, next.jobId)).toEqual({ kind: "result", value: "next" });
      expect(traceOf(trace)).toEqual(["slow", "slow:aborted", "next"]);
      expect(await manager.take(slow.jobId)).toEqual({ outcome: TIMED_OUT(0.3) });
    } finally {
      await manager.close();
    }
  }, 60_000);

  it("an owner stalled past a job's limit: another process ends the job, and the owner keeps that outcome", async () => {
    const path = tempFile();
    const dir = join(path, "..");
    const trace = join(dir, "trace");
    // A long lease: the stall must not make the job `lost`; only its time limit ends it.
    const { peer, ids } = await racePeer(path, { cancelGraceMs: 200, heartbeatMs: 200, leaseMs: 20_000 }, [
      { callbackId: "disk.gate", args: [trace, "stuck", join(dir, "never")], timeoutMs: 1_000 },
    ]);
    const [jobId] = ids as [string];
    const reader = new DiskManager({ path, workerModule: raceJobs });
    let resumed = false;
    try {
      await until(async () => (await storedTimeoutAt(path, jobId)) !== null, "the owner stores the job's deadline");
      expect(await peer.ask("stall 12000")).toBe("stalling");
      const stalled = peer.next().then((line) => {
        resumed = line === "resumed";
      });
      expect(await outcomeOf(reader, jobId, 20_000)).toEqual(TIMED_OUT(1));
      // Stored by this reader: the owner could not have written while its thread was blocked.
      expect(resumed).toBe(false);
      await stalled;
      expect(resumed).toBe(true);
      await until(() => traceOf(trace).includes("stuck:aborted"), "the owner stops the job");
      expect(JSON.parse(await peer.ask(`take ${jobId}`))).toEqual({ outcome: TIMED_OUT(1) });
      expect(await reader.take(jobId)).toEqual({ outcome: TIMED_OUT(1) });
    } finally {
      peer.child.kill("SIGKILL");
      await reader.close();
    }
  }, 90_000);
});
