import { mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueueManager } from "../../managers/queue/index.js";
import type { JobOutcome } from "../../src/index.js";
import { cliEntry, Proc, queueApp, startWorker, waitFor, workerStarted } from "../managers/queue/processes.js";
import { deleteKeys, redisUrl, uniqueName } from "../managers/queue/redis.js";

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const version = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/** Runs the CLI to its exit. */
async function cli(args: readonly string[], env: Record<string, string> = {}) {
  const proc = new Proc([cliEntry, ...args], env);
  const { code } = await proc.exited;
  return { code, stdout: proc.lines.join("\n"), stderr: proc.stderr };
}

describe("background-callbacks CLI: arguments and app modules", () => {
  it("--help documents the command, its options and the exit codes; --version prints the version", async () => {
    const [help, short, ver] = await Promise.all([cli(["--help"]), cli(["worker", "-h"]), cli(["--version"])]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: background-callbacks worker <app-module> [options]");
    for (const text of [
      "--concurrency N",
      "--shutdown-grace-ms N",
      "SIGTERM",
      "Exit codes:",
      "BACKGROUND_CALLBACKS_ROLE",
    ]) {
      expect(help.stdout).toContain(text);
    }
    for (const code of [0, 1, 2, 3, 4]) expect(help.stdout).toMatch(new RegExp(`^ {2}${code} {2}\\S`, "m"));
    expect(short).toMatchObject({ code: 0, stdout: help.stdout });
    expect(ver).toMatchObject({ code: 0, stdout: version });
  });

  it("bad command lines exit 2 with a message that says what is wrong", async () => {
    const cases: [string[], RegExp][] = [
      [[], /Missing the command/],
      [["serve", queueApp], /Unknown command "serve"/],
      [["worker"], /Missing <app-module>/],
      [["worker", queueApp, "--concurrency", "0"], /--concurrency to be an integer from 1 to 256, got "0"/],
      [["worker", queueApp, "--concurrency", "two"], /--concurrency to be an integer/],
      [["worker", queueApp, "--shutdown-grace-ms", "-5"], /--shutdown-grace-ms/],
      [["worker", queueApp, "--bogus"], /Unknown option '--bogus'/],
      [["worker", queueApp, "extra"], /Unexpected argument "extra"/],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(args)));
    results.forEach((result, i) => {
      const [args, message] = cases[i] as [string[], RegExp];
      expect(result.code, `background-callbacks ${args.join(" ")}`).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toContain('Run "background-callbacks --help" for usage.');
      expect(result.stdout).toBe("");
    });
  });

  it("a module that is missing or fails to load exits 3; one that creates no QueueManager exits 4", async () => {
    const [missing, broken, empty] = await Promise.all([
      cli(["worker", "./no/such/app.ts"]),
      cli(["worker", fixture("queue-broken.ts")]),
      cli(["worker", fixture("queue-no-manager.ts")]),
    ]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(
      /Cannot find the app module "\.\/no\/such\/app\.ts" \(looked for \/.*\/no\/such\/app\.ts\)/,
    );
    expect(broken.code).toBe(3);
    expect(broken.stderr).toContain("failed to load");
    expect(broken.stderr).toContain("this module fails on purpose");
    expect(empty.code).toBe(4);
    expect(empty.stderr).toContain("registers no background callbacks on a QueueManager");
  });
});

/** The worker logged its shutdown, step by step, and the job that finished in the grace period. */
function expectShutdownLog(worker: Proc, finished: string): void {
  const events = worker.json.map((line) => line.event);
  for (const event of [
    "worker.signal",
    "worker.stopping",
    "job.finished",
    "job.lost",
    "job.handedBack",
    "worker.stopped",
    "worker.exit",
  ]) {
    expect(events).toContain(event);
  }
  expect(worker.json.find((line) => line.event === "job.finished")).toMatchObject({
    jobId: finished,
    durationMs: expect.any(Number),
  });
}

describe("background-callbacks worker: shutdown", () => {
  let url = "";
  let prefix = "";
  const env = (): Record<string, string> => ({
    REDIS_URL: url,
    QUEUE_PREFIX: prefix,
    QUEUE_NAME: "main",
    QUEUE_RETRY_NAME: "retry",
  });
  let main: QueueManager;
  let retry: QueueManager;

  beforeAll(async () => {
    url = await redisUrl();
    prefix = uniqueName("cli");
    main = new QueueManager({ connection: url, prefix, queueName: "main", workerModule: queueApp });
    retry = new QueueManager({ connection: url, prefix, queueName: "retry", retryLost: true, workerModule: queueApp });
  });

  afterAll(async () => {
    await Promise.all([main?.close(), retry?.close()]);
    if (prefix) await deleteKeys(url, `${prefix}:*`);
  });

  const outcome = (manager: QueueManager, jobId: string, timeoutMs = 15_000): Promise<JobOutcome> =>
    waitFor(`the outcome of ${jobId}`, async () => (await manager.take(jobId)).outcome, timeoutMs);
  const running = (manager: QueueManager, jobId: string): Promise<boolean> =>
    waitFor(`job ${jobId} to run`, async () => (await manager.status(jobId)) === "running", 15_000);

  /** Waits for the worker's log line of the job's start (in its job process). */
  const jobStarted = (worker: Proc, jobId: string): Promise<Record<string, unknown>> =>
    worker.waitForLine(`job.started of ${jobId}`, (line) => line.event === "job.started" && line.jobId === jobId);

  it("SIGTERM: stops taking jobs, lets running ones finish within the grace, then marks them lost or hands them back", async () => {
    // The quick job must still run at the SIGTERM and end within the grace: scale both with this
    // machine's Redis reads now: the slowest of 10 at once (1 s and 2 s on a quiet machine, up to 5 s and 10 s).
    await main.status("no-such-job"); // connects
    const reads = Array.from({ length: 10 }, async () => {
      const begin = performance.now();
      await main.status("no-such-job");
      return performance.now() - begin;
    });
    const slowest = Math.max(...(await Promise.all(reads)));
    const quickMs = Math.round(5 * Math.min(1_000, Math.max(200, 50 * slowest)));
    const graceMs = 2 * quickMs;
    const worker = startWorker(env(), ["--concurrency", "2", "--shutdown-grace-ms", String(graceMs)]);
    try {
      await Promise.all([workerStarted(worker, "main"), workerStarted(worker, "retry")]);
      const slow = (await main.submit({ callbackId: "q.sleep", args: [60_000] })).jobId;
      const safe = (await retry.submit({ callbackId: "q.wait", args: [60_000] })).jobId;
      await Promise.all([running(main, slow), running(retry, safe)]);
      // Both slots of "main" are busy, so `waiting` stays in the queue; `quick` ends within the grace.
      // Submitted once the others run, so the SIGTERM follows quick's own start closely, whatever theirs took.
      const quick = (await main.submit({ callbackId: "q.sleep", args: [quickMs] })).jobId;
      const waiting = (await main.submit({ callbackId: "q.echo", args: ["later"] })).jobId;
      await Promise.all([jobStarted(worker, quick), running(main, quick)]);
      worker.child.kill("SIGTERM");
      expect(await worker.exited).toEqual({ code: 0, signal: null });
      expect(await outcome(main, quick)).toMatchObject({ kind: "result" });
      expect(await outcome(main, slow)).toEqual({
        kind: "lost",
        reason: "The worker shut down before the job ended (its shutdown grace period passed)",
      });
      // Never taken: it waits in the queue. The retryLost job was handed back to it.
      expect(await main.status(waiting)).toBe("queued");
      expect(await retry.status(safe)).toBe("queued");
      expectShutdownLog(worker, quick);

      const next = startWorker(env());
      try {
        expect(await outcome(main, waiting)).toEqual({ kind: "result", value: "later" });
        const rerun = await waitFor(
          "the handed-back job to run again",
          async () => (await retry.take(safe)).progress,
          15_000,
        );
        expect(rerun).toMatchObject({ ppid: next.pid });
        await retry.cancel(safe);
      } finally {
        await next.stop("SIGTERM");
      }
    } finally {
      await worker.stop("SIGKILL");
    }
  }, 90_000);

  it("runs a TypeScript module without a loader by starting itself again with tsx; signals reach that copy", async () => {
    // tsx's loader under a name without "tsx": the CLI cannot tell that a loader is active.
    const hooks = join(mkdtempSync(join(tmpdir(), "bgcb-loader-")), "hooks.mjs");
    const tsxRoot = dirname(createRequire(import.meta.url).resolve("tsx/package.json"));
    symlinkSync(join(tsxRoot, "dist", "loader.mjs"), hooks);
    const worker = new Proc([cliEntry, "worker", queueApp], env(), ["--import", hooks]);
    try {
      const started = await workerStarted(worker, "main");
      expect(started.pid).not.toBe(worker.pid);
      const { jobId } = await main.submit({ callbackId: "q.stamp", args: ["via tsx", 0] });
      expect(await outcome(main, jobId)).toMatchObject({
        kind: "result",
        value: { label: "via tsx", ppid: started.pid },
      });
      worker.child.kill("SIGTERM");
      expect(await worker.exited).toEqual({ code: 0, signal: null });
      expect(worker.json.map((line) => line.event)).toContain("worker.exit");
    } finally {
      await worker.stop("SIGKILL");
    }
  });
});
