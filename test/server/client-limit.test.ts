import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { DiskManager } from "../../managers/disk/index.js";
import { Dash } from "../../src/index.js";
import { type Admission, ClientLimits } from "../../src/server/client-limits.js";
import { diskManager } from "../fixtures/queued-app.js";
import { clientLimitTests } from "../fixtures/queued-limits.js";
import { release } from "../fixtures/queued-scenarios.js";

// Each app has its own DiskManager (one job at a time, its own worker process and SQLite file).
const dir = mkdtempSync(join(tmpdir(), "bgcb-client-limit-"));
const managers: DiskManager[] = [];

afterAll(async () => {
  await Promise.all(managers.map((manager) => manager.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe("maxQueuedPerClient on the DiskManager, over HTTP", () => {
  clientLimitTests((name) => diskManager(join(dir, `${name}.sqlite`)), dir);
});

describe("ClientLimits under a hostile client", () => {
  it("keeps at most maxClients clients however many page loads start jobs, and drops jobs that left the queue", async () => {
    const manager = diskManager(join(dir, "hostile.sqlite"));
    managers.push(manager);
    const submit = (name: string) => manager.submit({ callbackId: "q-out.children", args: [1, join(dir, name)] });
    const blocker = await submit("hostile-blocker");
    await expect.poll(() => manager.status(blocker.jobId), { timeout: 30_000 }).toBe("running");
    const limits = new ClientLimits(1, undefined, 50);
    const jobs: string[] = [];
    for (let i = 0; i < 200; i++) {
      const admitted = (await limits.admit(`page:${i}`, manager)) as Admission;
      jobs.push((await admitted.track(submit(`hostile-${i}`))).jobId);
      expect(limits.size).toBeLessThanOrEqual(50);
    }
    // A recent client is at its limit; its queued job counts.
    expect(await limits.admit("page:199", manager)).toEqual({ queued: 1 });
    await Promise.all(jobs.map((jobId) => manager.cancel(jobId)));
    // Its job left the queue: admitted again (and it gives the slot back when its submit fails).
    const again = (await limits.admit("page:199", manager)) as Admission;
    await expect(again.track(Promise.reject(new Error("submit failed")))).rejects.toThrow("submit failed");
    // Starts of other clients re-check the least recently seen ones: the cancelled jobs' entries go.
    for (let i = 0; i < 60; i++) {
      const admitted = (await limits.admit(`fresh:${i}`, manager)) as Admission;
      await admitted.track(Promise.reject(new Error("no"))).catch(() => undefined);
    }
    await expect.poll(() => limits.size, { timeout: 10_000 }).toBe(0);
    release(join(dir, "hostile-blocker"));
  });

  it("names a client by its session cookie when set, else its page load, else its address; long keys are hashed", () => {
    const limits = new ClientLimits(1, "sid");
    expect(limits.clientOf("end1", { sid: "abc" }, "10.0.0.1")).toBe("cookie:abc");
    expect(limits.clientOf("end1", {}, "10.0.0.1")).toBe("page:end1");
    expect(limits.clientOf("", {}, "10.0.0.1")).toBe("remote:10.0.0.1");
    expect(limits.clientOf("end1", { sid: "x".repeat(10_000) }, "")).toMatch(/^hash:[\w-]{43}$/);
    expect(new ClientLimits(1).clientOf("end1", { sid: "abc" }, "")).toBe("page:end1");
  });

  it("maxQueuedPerClient and clientCookie are validated", () => {
    expect(() => new Dash({ maxQueuedPerClient: 0 })).toThrow(/`maxQueuedPerClient` to be an integer from 1/);
    expect(() => new Dash({ maxQueuedPerClient: 1.5 })).toThrow(/maxQueuedPerClient/);
    expect(() => new Dash({ maxQueuedPerClient: 2, clientCookie: "bad name;" })).toThrow(
      /`clientCookie` to be a cookie name/,
    );
    expect(() => new Dash({ clientCookie: "sid" })).toThrow(/set that limit too/);
    expect(() => new Dash({ maxQueuedPerClient: 2, clientCookie: "sid" })).not.toThrow();
  });
});
