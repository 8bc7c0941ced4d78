/** Close leaves no process and nothing spawns after it; construction in a job process is harmless. */
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { WorkerPool } from "../../src/worker/pool.js";
import { ROLE_ENV } from "../../src/worker/role.js";
import { harness, jobsModule, sleep, workerPids } from "./helpers.js";

const codeOf = async (fn: () => unknown): Promise<[string | undefined, string]> => {
  try {
    await fn();
  } catch (error) {
    return [(error as { code?: string }).code, (error as Error).message];
  }
  return [undefined, "did not throw"];
};

describe("close", () => {
  it("right after submit and warm: no process is left and none starts later", async () => {
    const h = harness({ concurrency: 2 });
    h.pool.warm();
    const job = h.submit("pool.echo", [1]);
    await h.pool.close();
    expect(workerPids()).toEqual([]);
    expect(await h.outcome(job)).toMatchObject({ kind: "lost" });
    h.pool.warm();
    await sleep(100);
    expect(workerPids()).toEqual([]);
    expect(h.pool.stats).toEqual({ queued: 0, running: 0, workers: 0 });
    expect(await codeOf(() => h.submit("pool.echo", [2]))).toEqual([
      "MANAGER_CLOSED",
      "[background-callbacks:worker] The worker pool is closed",
    ]);
  });

  it("while a process retires and its replacement starts: nothing is left", async () => {
    const h = harness();
    const stray = h.submit("pool.stray", [60_000]);
    await h.outcome(stray);
    const next = h.submit("pool.wait", [10_000]);
    await Promise.all([h.pool.close(), h.pool.close()]);
    expect(await h.outcome(next)).toMatchObject({ kind: "lost" });
    await sleep(100);
    expect(workerPids()).toEqual([]);
    expect(h.ends(next)).toBe(1);
  });
});

describe("submit input", () => {
  it("refuses a malformed job and an id that is queued or running", async () => {
    const h = harness();
    expect(await codeOf(() => h.pool.submit({ jobId: "", callbackId: "pool.echo", args: [] }))).toEqual([
      "INVALID_ARGUMENT",
      expect.stringContaining("Expected `job.jobId` to be a non-empty string"),
    ]);
    expect(await codeOf(() => h.pool.submit({ jobId: "a", callbackId: "pool.echo", args: "x" as never }))).toEqual([
      "INVALID_ARGUMENT",
      '[background-callbacks:worker] Expected `job.args` to be an array, got `"x"` (string)',
    ]);
    h.pool.submit({ jobId: "twice", callbackId: "pool.wait", args: [50] });
    expect(await codeOf(() => h.pool.submit({ jobId: "twice", callbackId: "pool.echo", args: [] }))).toEqual([
      "INVALID_ARGUMENT",
      expect.stringContaining('The job "twice" is queued or running already'),
    ]);
    expect((await h.outcome("twice")).kind).toBe("result");
    expect(h.ends("twice")).toBe(1);
  });
});

describe("in a job process", () => {
  let saved: string | undefined;
  afterEach(() => {
    if (saved === undefined) delete process.env[ROLE_ENV];
    else process.env[ROLE_ENV] = saved;
  });

  it("constructing a pool is harmless; submit and warm say what to change", async () => {
    saved = process.env[ROLE_ENV];
    process.env[ROLE_ENV] = "worker";
    const pool = new WorkerPool({ module: jobsModule }, { end: () => undefined });
    const [code, message] = await codeOf(() => pool.submit({ jobId: "j", callbackId: "pool.echo", args: [] }));
    expect(code).toBe("WRONG_ROLE");
    expect(message).toContain("A worker process imported the app module and submitted a job");
    expect(message).toContain("jobs are submitted only by the web process");
    expect((await codeOf(() => pool.warm()))[0]).toBe("WRONG_ROLE");
    expect(pool.stats).toEqual({ queued: 0, running: 0, workers: 0 });
    await pool.close();
  });

  it("an app module that builds a pool at import runs its jobs", async () => {
    const module = fileURLToPath(new URL("./fixtures/constructs-pool.ts", import.meta.url));
    const h = harness({ module });
    const job = h.submit("constructs.echo", ["fine"]);
    expect(await h.outcome(job)).toEqual({ kind: "result", value: "fine" });
  });
});
