import { writeFileSync } from "node:fs";
import { join } from "node:path";
import sqlite3 from "sqlite3";
import { describe, expect, it } from "vitest";
import { DiskManager } from "../../../managers/disk/index.js";
import type { JobUpdate } from "../../../src/index.js";
import { outcomeOf, raceJobs, racePeer, tempFile, traceOf, until, workerPids } from "./helpers.js";

/** The stored job rows of a file that have no outcome. */
function unendedJobs(path: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, (error) => {
      if (error) return reject(error);
      db.all(
        "SELECT key FROM background_callbacks WHERE key LIKE '%:job:%' AND json_extract(value, '$.value.outcome') IS NULL",
        (err, rows) => {
          db.close();
          if (err) reject(err);
          else resolve((rows as { key: string }[]).map((row) => row.key));
        },
      );
    });
  });
}

describe("DiskManager: overlapping submits", () => {
  it("start in submission order, the first submit after idling and cache misses included", async () => {
    const path = tempFile();
    const trace = join(path, "..", "trace");
    const manager = new DiskManager({ path, workerModule: raceJobs });
    try {
      // Every other submit looks up a memoised result first: an extra read that must not let it fall behind.
      const handles = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          manager.submit({
            callbackId: "disk.append",
            args: [trace, String(i)],
            ...(i % 2 === 0 ? { cache: { key: `miss-${i}`, ttlMs: 60_000 } } : {}),
          }),
        ),
      );
      for (const { jobId } of handles) expect((await outcomeOf(manager, jobId)).kind).toBe("result");
      expect(traceOf(trace)).toEqual(["0", "1", "2", "3", "4", "5", "6", "7"]);
    } finally {
      await manager.close();
    }
  });

  it("close() during the first submit leaves no worker process and no job without an outcome", async () => {
    const path = tempFile();
    const manager = new DiskManager({ path, workerModule: raceJobs });
    const submitted = manager.submit({ callbackId: "disk.append", args: ["/dev/null", "x"] }).then(
      () => "submitted",
      (error: { code?: string }) => error.code,
    );
    await manager.close();
    expect(await submitted).toBe("MANAGER_CLOSED");
    expect(workerPids()).toEqual([]);
    await expect(manager.submit({ callbackId: "disk.append", args: ["/dev/null", "y"] })).rejects.toMatchObject({
      code: "MANAGER_CLOSED",
    });
    expect(await unendedJobs(path)).toEqual([]);
  });

  it("close() during overlapping submits, with a pool running: every submit settles, nothing is left running", async () => {
    const path = tempFile();
    const manager = new DiskManager({ path, workerModule: raceJobs });
    const first = await manager.submit({ callbackId: "disk.append", args: ["/dev/null", "first"] });
    await outcomeOf(manager, first.jobId);
    const submits = Array.from({ length: 5 }, (_, i) =>
      manager.submit({ callbackId: "disk.append", args: ["/dev/null", String(i)] }).then(
        () => "submitted",
        (error: { code?: string }) => error.code,
      ),
    );
    await manager.close();
    for (const result of await Promise.all(submits)) expect(["submitted", "MANAGER_CLOSED"]).toContain(result);
    expect(workerPids()).toEqual([]);
    expect(await unendedJobs(path)).toEqual([]);
  });
});

describe("DiskManager: takes at once", () => {
  it("three pollers on one file, each with its own connection, get every side update exactly once", async () => {
    const path = tempFile();
    const pollers = [0, 1, 2].map(() => new DiskManager({ path, workerModule: raceJobs }));
    const [owner] = pollers as [DiskManager];
    try {
      const n = 300;
      const { jobId } = await owner.submit({ callbackId: "disk.props", args: [n] });
      const seen = new Map<string, number>();
      const outcomes: JobUpdate["outcome"][] = [];
      await Promise.all(
        pollers.map(async (manager) => {
          for (;;) {
            const update = await manager.take(jobId);
            for (const [id, props] of Object.entries(update.sideUpdates ?? {})) {
              expect(props).toEqual({ v: Number(id.slice(1)) });
              seen.set(id, (seen.get(id) ?? 0) + 1);
            }
            if (update.outcome) return outcomes.push(update.outcome);
          }
        }),
      );
      expect(seen.size).toBe(n);
      expect([...seen.values()].filter((count) => count !== 1)).toEqual([]);
      expect(outcomes).toEqual([0, 1, 2].map(() => ({ kind: "result", value: n })));
    } finally {
      await Promise.all(pollers.map((manager) => manager.close()));
    }
  });
});

describe("DiskManager: a cancel from another process", () => {
  it("keeps a queued job from ever starting, even when the owner's cancel poll is far off", async () => {
    const path = tempFile();
    const dir = join(path, "..");
    const trace = join(dir, "trace");
    const gate = join(dir, "gate");
    // The owner polls for cancels once a minute: only the check right before a start can stop job 2.
    const { peer, ids } = await racePeer(path, { cancelPollMs: 60_000 }, [
      { callbackId: "disk.gate", args: [trace, "1", gate] },
      { callbackId: "disk.append", args: [trace, "2"] },
      { callbackId: "disk.append", args: [trace, "3"] },
    ]);
    const [first, second, third] = ids as [string, string, string];
    const other = new DiskManager({ path, workerModule: raceJobs });
    try {
      await until(() => traceOf(trace).includes("1"), "job 1 runs");
      expect(await other.status(second)).toBe("queued");
      await other.cancel(second);
      writeFileSync(gate, "");
      expect(await outcomeOf(other, first)).toEqual({ kind: "result", value: "1" });
      expect(await outcomeOf(other, third)).toEqual({ kind: "result", value: "3" });
      // Job 3 ran after job 2's turn: job 2 was skipped, not delayed.
      expect(traceOf(trace)).toEqual(["1", "3"]);
      expect(await outcomeOf(other, second)).toEqual({ kind: "cancelled" });
      expect(JSON.parse(await peer.ask(`take ${second}`))).toEqual({ outcome: { kind: "cancelled" } });
    } finally {
      peer.child.kill("SIGKILL");
      await other.close();
    }
  }, 60_000);
});

describe("DiskManager: a cancel racing the end", () => {
  it("one outcome per job, the same for the owner and another manager on the file, never changing; nothing after a cancel", async () => {
    const path = tempFile();
    const dir = join(path, "..");
    const trace = join(dir, "trace");
    const owner = new DiskManager({ path, workerModule: raceJobs });
    const other = new DiskManager({ path, workerModule: raceJobs });
    try {
      const rounds = 10;
      const handles = [];
      for (let i = 0; i < rounds; i++) {
        handles.push(await owner.submit({ callbackId: "disk.gate", args: [trace, `j${i}`, join(dir, `gate${i}`)] }));
      }
      const kinds = new Set<string>();
      for (const [i, { jobId }] of handles.entries()) {
        await until(() => traceOf(trace).includes(`j${i}`), `job ${i} runs`);
        // The job returns as the cancel arrives: whichever is stored first is the outcome.
        await Promise.all([
          other.cancel(jobId),
          Promise.resolve().then(() => writeFileSync(join(dir, `gate${i}`), "")),
        ]);
        const first = await outcomeOf(other, jobId);
        kinds.add(first.kind);
        expect(["result", "cancelled"]).toContain(first.kind);
        for (let read = 0; read < 5; read++) {
          for (const manager of [owner, other]) expect(await manager.take(jobId)).toEqual({ outcome: first });
        }
      }
      expect(kinds.has("cancelled")).toBe(true);
    } finally {
      await Promise.all([owner.close(), other.close()]);
    }
  }, 60_000);
});
