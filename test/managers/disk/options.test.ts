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
    [{ busyTimeoutMs: 5_000 }, /`leaseMs` to be at least `heartbeatMs` \+ 2 × `busyTimeoutMs` \(11000\).*got `10000`/],
    [
      { leaseMs: 4_000, busyTimeoutMs: 2_000 },
      /`leaseMs` to be at least `heartbeatMs` \+ 2 × `busyTimeoutMs` \(5000\)/,
    ],
    [{ watchPollMs: 0 }, /`watchPollMs` to be an integer from 1/],
    [{ watchPollMs: 2.5 }, /`watchPollMs`/],
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

  it("derives a busy timeout that fits a short lease, and accepts explicit values that fit", () => {
    expect(() => new DiskManager({ heartbeatMs: 100, leaseMs: 500 })).not.toThrow();
    expect(() => new DiskManager({ heartbeatMs: 1_000, leaseMs: 21_000, busyTimeoutMs: 10_000 })).not.toThrow();
    expect(() => new DiskManager({ heartbeatMs: 1_000, leaseMs: 20_999, busyTimeoutMs: 10_000 })).toThrow(TypeError);
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

  it("reads the file on every call: after the stored secret is lost, every process converges on the new one", async () => {
    const path = tempFile();
    const [a, b] = [0, 1].map(() => new DiskManager({ path, workerModule: smokeJobs })) as [DiskManager, DiskManager];
    try {
      const first = await a.sharedSecret();
      expect(await b.sharedSecret()).toBe(first);
      await run(path, "DELETE FROM background_callbacks WHERE key = 'bgcb:secret'");
      const second = await b.sharedSecret();
      expect(second).not.toBe(first);
      expect(await a.sharedSecret()).toBe(second);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

function run(path: string, sql: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, (error) => {
      if (error) return reject(error);
      db.run(sql, (err) => {
        db.close();
        if (err) reject(err);
        else resolve();
      });
    });
  });
}
