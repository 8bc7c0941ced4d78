import { join } from "node:path";
import sqlite3 from "sqlite3";
import { describe, expect, it } from "vitest";
import { DiskManager } from "../../../managers/disk/index.js";
import { outcomeOf, smokeJobs, tempFile } from "./helpers.js";

function rows(path: string): Promise<{ key: string }[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, (error) => {
      if (error) return reject(error);
      db.all("SELECT key FROM background_callbacks", (err, result) => {
        db.close();
        if (err) reject(err);
        else resolve(result as { key: string }[]);
      });
    });
  });
}

describe("DiskManager options", () => {
  it.each([
    [{ path: "" }, /`path`/],
    [{ path: 42 }, /`path`/],
    [{ concurrency: 0 }, /`concurrency` to be an integer from 1 to 256, got `0` \(number\)/],
    [{ cancelGraceMs: -1 }, /`cancelGraceMs`/],
    [{ ttlMs: 1.5 }, /`ttlMs`/],
    [{ busyTimeoutMs: "1s" }, /`busyTimeoutMs`/],
    [{ heartbeatMs: 1000, leaseMs: 1500 }, /`leaseMs` to be at least twice/],
    [{ namespace: "a b" }, /`namespace`/],
    [{ workerModule: "" }, /`workerModule`/],
  ])("rejects %j with a TypeError naming the option", (options, message) => {
    let error: unknown;
    try {
      new DiskManager(options as never);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TypeError);
    expect(error).toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringMatching(message) });
    expect((error as Error).message).toMatch(/^\[background-callbacks:disk\]/);
  });

  it("rejects options that are not an object", () => {
    expect(() => new DiskManager("./x.sqlite" as never)).toThrow(/Expected `options` to be an object/);
  });

  it("a file in a missing folder gives a BACKEND error naming the file, and nothing is created", async () => {
    const path = join(tempFile(), "missing", "jobs.sqlite");
    const manager = new DiskManager({ path, workerModule: smokeJobs });
    try {
      await expect(manager.submit({ callbackId: "smoke.echo", args: [1] })).rejects.toMatchObject({
        code: "BACKEND",
        message: expect.stringContaining(`Cannot open "${path}"`),
      });
      await expect(manager.status("x")).rejects.toMatchObject({ code: "BACKEND" });
    } finally {
      await manager.close();
    }
  });

  it("the sweeper deletes the records of ended jobs once their TTL passes", async () => {
    const path = tempFile();
    const manager = new DiskManager({ path, workerModule: smokeJobs, ttlMs: 300, sweepIntervalMs: 100 });
    try {
      const { jobId } = await manager.submit({ callbackId: "smoke.add", args: [1, 2] });
      expect(await outcomeOf(manager, jobId)).toEqual({ kind: "result", value: 3 });
      expect((await rows(path)).map((row) => row.key)).toContain(`bgcb:job:${jobId}`);
      const deadline = Date.now() + 5_000;
      while ((await rows(path)).some((row) => row.key.includes(jobId)) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect((await rows(path)).filter((row) => row.key.includes(jobId))).toEqual([]);
      expect(await manager.status(jobId)).toBe("unknown");
    } finally {
      await manager.close();
    }
  });

  it("two namespaces in one file do not see each other's jobs", async () => {
    const path = tempFile();
    const a = new DiskManager({ path, workerModule: smokeJobs, namespace: "app-a" });
    const b = new DiskManager({ path, workerModule: smokeJobs, namespace: "app-b" });
    try {
      const { jobId } = await a.submit({ callbackId: "smoke.echo", args: ["a"] });
      expect(await outcomeOf(a, jobId)).toEqual({ kind: "result", value: "a" });
      expect(await b.status(jobId)).toBe("unknown");
      expect(await b.take(jobId)).toEqual({});
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe("DiskManager.sharedSecret", () => {
  it("gives every manager on one file the same secret, and another file another one", async () => {
    const path = tempFile();
    const managers = [0, 1, 2].map(() => new DiskManager({ path, workerModule: smokeJobs }));
    const other = new DiskManager({ path: tempFile(), workerModule: smokeJobs });
    try {
      const secrets = await Promise.all(managers.map((manager) => manager.sharedSecret()));
      expect(new Set(secrets).size).toBe(1);
      expect(secrets[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(await other.sharedSecret()).not.toBe(secrets[0]);
    } finally {
      await Promise.all([...managers, other].map((manager) => manager.close()));
    }
  });
});
