import { writeFileSync } from "node:fs";
import { join } from "node:path";
import sqlite3 from "sqlite3";
import { describe, expect, it } from "vitest";
import { DiskManager } from "../../../managers/disk/index.js";
import { outcomeOf, raceJobs, racePeer, tempFile, traceOf, until } from "./helpers.js";

/** The outcome stored in the file for a job, read without a manager. */
function storedOutcome(path: string, jobId: string): Promise<{ kind: string } | undefined> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, (error) => {
      if (error) return reject(error);
      db.get(
        "SELECT json_extract(value, '$.value.outcome') AS outcome FROM background_callbacks WHERE key = ?",
        `bgcb:job:${jobId}`,
        (err, row: { outcome: string | null } | undefined) => {
          db.close();
          if (err) reject(err);
          else resolve(row?.outcome ? JSON.parse(row.outcome) : undefined);
        },
      );
    });
  });
}

const LOST = { kind: "lost", reason: expect.stringContaining("heartbeat") };

describe("DiskManager: an owner stalled past its lease", () => {
  it("once lost, always lost for every reader; the owner stops its jobs and writes nothing", async () => {
    const path = tempFile();
    const dir = join(path, "..");
    const trace = join(dir, "trace");
    const gate = join(dir, "gate");
    const { peer, ids } = await racePeer(path, { concurrency: 2, heartbeatMs: 100, leaseMs: 600 }, [
      // Never released: the owner must stop it once it learns that the job is lost.
      { callbackId: "disk.gate", args: [trace, "stuck", join(dir, "never")] },
      // Released during the stall: its result reaches the owner after the job was found lost.
      { callbackId: "disk.gate", args: [trace, "late", gate] },
    ]);
    const [stuck, late] = ids as [string, string];
    const reader = new DiskManager({ path, workerModule: raceJobs });
    try {
      await until(() => traceOf(trace).length === 2, "both jobs run");
      expect(await peer.ask("stall 3000")).toBe("stalling");
      expect(await outcomeOf(reader, stuck)).toEqual(LOST);
      expect(await outcomeOf(reader, late)).toEqual(LOST);
      writeFileSync(gate, "");
      expect(await peer.next()).toBe("resumed");
      await until(() => traceOf(trace).includes("stuck:aborted"), "the owner stopped the lost job");
      // The owner had the late job's result in hand: it must not replace the stored outcome.
      for (let i = 0; i < 10; i++) {
        for (const jobId of [stuck, late]) {
          expect(await reader.take(jobId)).toEqual({ outcome: LOST });
          expect(await reader.status(jobId)).toBe("done");
          expect(JSON.parse(await peer.ask(`take ${jobId}`))).toEqual({ outcome: LOST });
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      peer.child.kill("SIGKILL");
      await reader.close();
    }
  }, 60_000);

  it("a job whose owner was SIGKILLed and that nobody polls is ended lost by the sweeper, then expires", async () => {
    const path = tempFile();
    const trace = join(path, "..", "trace");
    const { peer, ids } = await racePeer(path, { heartbeatMs: 100, leaseMs: 500 }, [
      { callbackId: "disk.gate", args: [trace, "a", join(path, "..", "never")] },
    ]);
    const [jobId] = ids as [string];
    await until(() => traceOf(trace).includes("a"), "the job runs");
    peer.child.kill("SIGKILL");
    const sweeper = new DiskManager({ path, workerModule: raceJobs, ttlMs: 1_000, sweepIntervalMs: 50 });
    try {
      // Opening the file starts the sweeper; the file is read directly, so no poll ends the job.
      await sweeper.sharedSecret();
      await until(async () => (await storedOutcome(path, jobId))?.kind === "lost", "the sweeper ends the job");
      expect(await sweeper.take(jobId)).toEqual({ outcome: LOST });
      await until(async () => (await sweeper.status(jobId)) === "unknown", "the ended job expires");
    } finally {
      await sweeper.close();
    }
  }, 60_000);
});

describe("DiskManager: records of unended jobs", () => {
  it("a queued or running job is never unknown, however short ttlMs; the TTL counts from the end", async () => {
    const path = tempFile();
    const dir = join(path, "..");
    const trace = join(dir, "trace");
    const gate = join(dir, "gate");
    const ttlMs = 300;
    const owner = new DiskManager({ path, workerModule: raceJobs, ttlMs, sweepIntervalMs: 50 });
    const other = new DiskManager({ path, workerModule: raceJobs, ttlMs, sweepIntervalMs: 50 });
    try {
      // Neither job writes anything while it waits: no write may be what keeps its record alive.
      const running = await owner.submit({ callbackId: "disk.gate", args: [trace, "r", gate] });
      const queued = await owner.submit({ callbackId: "disk.append", args: [trace, "q"] });
      await until(() => traceOf(trace).includes("r"), "the first job runs");
      const end = Date.now() + ttlMs * 5;
      while (Date.now() < end) {
        for (const manager of [owner, other]) {
          expect(await manager.status(running.jobId)).toBe("running");
          expect(await manager.status(queued.jobId)).toBe("queued");
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      writeFileSync(gate, "");
      expect(await outcomeOf(other, running.jobId)).toEqual({ kind: "result", value: "r" });
      expect(await outcomeOf(other, queued.jobId)).toEqual({ kind: "result", value: "q" });
      await until(async () => (await other.status(queued.jobId)) === "unknown", "the ended job expires", 5_000);
      expect(await other.take(running.jobId)).toEqual({});
    } finally {
      await Promise.all([owner.close(), other.close()]);
    }
  });

  it("the owner's takes of a job it ended read what the file holds: the outcome, then nothing once it expired", async () => {
    const path = tempFile();
    const trace = join(path, "..", "trace");
    const ttlMs = 2_000;
    const owner = new DiskManager({ path, workerModule: raceJobs, ttlMs, sweepIntervalMs: 50 });
    const other = new DiskManager({ path, workerModule: raceJobs, ttlMs });
    try {
      const first = await owner.submit({ callbackId: "disk.append", args: [trace, "a"] });
      const second = await owner.submit({ callbackId: "disk.append", args: [trace, "b"] });
      await until(async () => (await other.status(second.jobId)) === "done", "both jobs end");
      const result = { outcome: { kind: "result", value: "a" } };
      // Taken twice here and once by another process: the same one outcome each time.
      expect(await owner.take(first.jobId)).toEqual(result);
      expect(await owner.take(first.jobId)).toEqual(result);
      expect(await other.take(first.jobId)).toEqual(result);
      // Not taken here before it expired: nothing, as the file says.
      await until(async () => (await other.status(second.jobId)) === "unknown", "the second job expires", 10_000);
      expect(await owner.take(second.jobId)).toEqual({});
    } finally {
      await Promise.all([owner.close(), other.close()]);
    }
  });
});
