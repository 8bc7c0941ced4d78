import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { DiskManager } from "../../../managers/disk/index.js";
import { outcomeOf, racePeer, smokeJobs, tempFile, until } from "./helpers.js";

// A lease long enough that a loaded machine renews it in time: a lapsed lease is `lost` for good.
const OWNER = { workerModule: smokeJobs, heartbeatMs: 200, leaseMs: 2_000 };
const WAIT = [{ callbackId: "smoke.wait", args: [] }];
const SPIN = [{ callbackId: "smoke.spin", args: [] }];

describe("DiskManager across processes", () => {
  it("a second process cancels a job that this process started, and the slot serves the next job", async () => {
    const path = tempFile();
    const manager = new DiskManager({ path, workerModule: smokeJobs });
    try {
      const waiting = await manager.submit({ callbackId: "smoke.wait", args: [] });
      const next = await manager.submit({ callbackId: "smoke.echo", args: ["next"] });
      await until(async () => (await manager.status(waiting.jobId)) === "running", "the job runs");
      const { peer: other } = await racePeer(path, OWNER, []);
      expect(await other.ask(`cancel ${waiting.jobId}`)).toBe("cancelled");
      other.child.kill("SIGKILL");
      expect(await outcomeOf(manager, waiting.jobId)).toEqual({ kind: "cancelled" });
      expect(await outcomeOf(manager, next.jobId)).toEqual({ kind: "result", value: "next" });
    } finally {
      await manager.close();
    }
  });

  it("a job started by another process is polled here, and cancelled here", async () => {
    const path = tempFile();
    const manager = new DiskManager({ path, workerModule: smokeJobs });
    const { peer, ids } = await racePeer(path, OWNER, WAIT);
    const other = peer.child;
    try {
      const [jobId] = ids as [string];
      let progress: unknown;
      while (progress === undefined) {
        progress = (await manager.take(jobId)).progress;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(typeof progress).toBe("number");
      expect(progress).not.toBe(process.pid);
      await manager.cancel(jobId);
      expect(await manager.status(jobId)).toBe("done");
      expect(await outcomeOf(manager, jobId)).toEqual({ kind: "cancelled" });
    } finally {
      other.kill("SIGKILL");
      await manager.close();
    }
  });

  it("jobs of a process that was killed become lost once its heartbeat expires", async () => {
    const path = tempFile();
    const manager = new DiskManager({ path, workerModule: smokeJobs });
    const { peer, ids } = await racePeer(path, OWNER, WAIT);
    const other = peer.child;
    try {
      const [jobId] = ids as [string];
      expect(["queued", "running"]).toContain(await manager.status(jobId));
      other.kill("SIGKILL");
      await once(other, "exit");
      const outcome = await outcomeOf(manager, jobId, 10_000);
      expect(outcome.kind).toBe("lost");
      expect(await manager.status(jobId)).toBe("done");
    } finally {
      await manager.close();
    }
  });

  it("two managers on one file share job state", async () => {
    const path = tempFile();
    const a = new DiskManager({ path, workerModule: smokeJobs });
    const b = new DiskManager({ path, workerModule: smokeJobs });
    try {
      const { jobId } = await a.submit({ callbackId: "smoke.add", args: [20, 22] });
      const update = await (async () => {
        for (;;) {
          const u = await b.take(jobId);
          if (u.outcome) return u;
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      expect(update.outcome).toEqual({ kind: "result", value: 42 });
      expect(update.sideUpdates).toEqual({ x: { children: "hi" } });
      // b acknowledged the side update: a sees only the outcome now.
      expect(await a.take(jobId)).toEqual({ outcome: { kind: "result", value: 42 } });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe("orphaned worker processes", () => {
  it("a worker spinning in a synchronous loop dies when its web process is killed", async () => {
    const path = tempFile();
    const manager = new DiskManager({ path, workerModule: smokeJobs });
    const { peer, ids } = await racePeer(path, OWNER, SPIN);
    const other = peer.child;
    try {
      const [jobId] = ids as [string];
      await until(async () => (await manager.status(jobId)) === "running", "the job runs");
      // The job is dispatched; give it time to enter its loop, then find its process.
      await new Promise((r) => setTimeout(r, 500));
      const { execSync } = await import("node:child_process");
      const pid = Number(execSync(`ps -o pid= --ppid ${other.pid}`).toString().trim().split("\n")[0]);
      expect(pid).toBeGreaterThan(0);
      other.kill("SIGKILL");
      await once(other, "exit");
      const deadline = Date.now() + 5_000;
      let alive = true;
      while (alive && Date.now() < deadline) {
        try {
          process.kill(pid, 0);
          await new Promise((r) => setTimeout(r, 100));
        } catch {
          alive = false;
        }
      }
      expect(alive).toBe(false);
    } finally {
      other.kill("SIGKILL");
      await manager.close();
    }
  });
});
