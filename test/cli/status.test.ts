import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DiskManager } from "../../managers/disk/index.js";
import { QueueManager } from "../../managers/queue/index.js";
import type { BackgroundCallbackManager, ManagerSnapshot } from "../../src/index.js";
import { cliEntry, Proc, waitFor, workerStarted } from "../managers/queue/processes.js";
import { deleteKeys, redisUrl, uniqueName } from "../managers/queue/redis.js";

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const diskApp = fixture("status-disk.ts");
const queueApp = fixture("status-queue.ts");

interface Report {
  at: number;
  managers: { manager: string; snapshot?: ManagerSnapshot; error?: { code: string; message: string } }[];
}

/** Runs the CLI to its exit. */
async function cli(args: readonly string[], env: Record<string, string> = {}) {
  const proc = new Proc([cliEntry, ...args], env);
  const { code } = await proc.exited;
  return { code, stdout: proc.lines.join("\n"), stderr: proc.stderr };
}

/** `status --json`, parsed; fails on any other exit code than `code`. */
async function statusJson(module: string, env: Record<string, string>, code = 0): Promise<Report> {
  const result = await cli(["status", module, "--json"], env);
  expect(result.code, result.stderr).toBe(code);
  return JSON.parse(result.stdout) as Report;
}

/** A job that crashed (lost), then three that wait: the first runs, two are queued. */
async function fill(manager: BackgroundCallbackManager): Promise<string[]> {
  const crashed = (await manager.submit({ callbackId: "status.crash", args: [] })).jobId;
  await waitFor(
    "the crashed job to end lost",
    async () => (await manager.take(crashed)).outcome?.kind === "lost",
    20_000,
  );
  const jobs: string[] = [];
  for (let i = 0; i < 3; i++) jobs.push((await manager.submit({ callbackId: "status.wait", args: [] })).jobId);
  await waitFor("the first job to run", async () => (await manager.status(jobs[0] as string)) === "running", 20_000);
  return jobs;
}

/** The human report of one manager with one running job, two queued, one live worker and one lost job. */
function expectReport(stdout: string, title: string, jobId: string, worker: { host: string; pid: number }): void {
  const lines = stdout.split("\n");
  expect(lines[0]).toBe(title);
  expect(lines).toContain("  Queued: 2");
  expect(lines).toContain("  Running: 1");
  expect(stdout).toMatch(/^ {4}JOB +CALLBACK +AGE +WORKER$/m);
  expect(stdout).toMatch(
    new RegExp(`^ {4}${jobId} +status\\.wait +[\\d.]+ (ms|s|min \\d+ s) +${worker.host}:${worker.pid}$`, "m"),
  );
  expect(lines).toContain("  Live workers: 1");
  expect(stdout).toMatch(/^ {4}HOST +PID +HEARTBEAT +DONE +RUNNING +UP$/m);
  expect(stdout).toMatch(new RegExp(`^ {4}${worker.host} +${worker.pid} +[\\d.]+ (ms|s) ago +\\d+ +[01] +\\S`, "m"));
  expect(lines).toContain("  Lost in the last hour: 1");
}

function expectSnapshot(report: Report, title: string, jobs: readonly string[], pid: number): ManagerSnapshot {
  expect(report.managers).toHaveLength(1);
  const [entry] = report.managers;
  expect(entry?.manager).toBe(title);
  const snapshot = entry?.snapshot as ManagerSnapshot;
  expect(snapshot).toMatchObject({ queued: 2, lostLastHour: 1 });
  expect(snapshot.running).toEqual([
    { jobId: jobs[0], callbackId: "status.wait", startedAt: expect.any(Number), worker: `${hostname()}:${pid}` },
  ]);
  expect(snapshot.running[0]?.startedAt).toBeLessThanOrEqual(snapshot.at);
  expect(snapshot.workers).toHaveLength(1);
  expect(snapshot.workers[0]).toMatchObject({ id: `${hostname()}:${pid}`, host: hostname(), pid });
  expect(snapshot.workers[0]?.jobsDone).toBeGreaterThanOrEqual(1);
  expect(report.at).toBeLessThanOrEqual(snapshot.at);
  return snapshot;
}

describe("background-callbacks status: arguments and modules", () => {
  it("--help documents the command; bad command lines exit 2", async () => {
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    for (const text of ["background-callbacks status <app-module> [--json]", "--json", "  5  status:"]) {
      expect(help.stdout).toContain(text);
    }
    const [missing, misplaced, json] = await Promise.all([
      cli(["status"]),
      cli(["status", queueApp, "--concurrency", "2"]),
      cli(["worker", queueApp, "--json"]),
    ]);
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.stderr).toContain("Missing <app-module>");
    expect(misplaced).toMatchObject({ code: 2 });
    expect(misplaced.stderr).toContain('The option --concurrency is for "worker", not "status"');
    expect(json).toMatchObject({ code: 2 });
    expect(json.stderr).toContain('The option --json is for "status", not "worker"');
  });

  it("a missing module exits 3; one without managers, or whose manager has no inspect(), exits 4", async () => {
    const [missing, none, noInspect] = await Promise.all([
      cli(["status", "./no/such/app.ts"]),
      cli(["status", fixture("queue-no-manager.ts")]),
      cli(["status", fixture("status-no-inspect.ts"), "--json"]),
    ]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('Cannot find the app module "./no/such/app.ts"');
    expect(none.code).toBe(4);
    expect(none.stderr).toContain("creates no manager to report on");
    expect(noInspect.code).toBe(4);
    expect(JSON.parse(noInspect.stdout)).toMatchObject({
      managers: [{ manager: 'the exported manager "manager"', error: { code: "NOT_SUPPORTED" } }],
    });
  });
});

describe("background-callbacks status: DiskManager", () => {
  const dir = mkdtempSync(join(tmpdir(), "bgcb-status-"));
  const db = join(dir, "jobs.sqlite");
  // This process runs the jobs (a DiskManager runs them under the process that submits them).
  const manager = new DiskManager({ path: db, workerModule: diskApp, heartbeatMs: 200, leaseMs: 5_000 });
  const title = `disk file "${db}" (namespace "bgcb")`;

  afterAll(async () => {
    await manager.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a file that does not exist reads as empty and is not created", async () => {
    const missing = join(dir, "missing.sqlite");
    const report = await statusJson(diskApp, { STATUS_DB: missing });
    expect(report.managers[0]?.snapshot).toMatchObject({ queued: 0, running: [], workers: [], lostLastHour: 0 });
    expect(existsSync(missing)).toBe(false);
  });

  it("a file that is not a SQLite database exits 5 with a message that names it", async () => {
    const broken = join(dir, "broken.sqlite");
    writeFileSync(broken, "not a database: ".repeat(64));
    const result = await cli(["status", diskApp], { STATUS_DB: broken });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain(`Cannot open "${broken}": SQLITE_NOTADB`);
  });

  it("prints the queue, the running job and its process, the live process and the lost job", async () => {
    const jobs = await fill(manager);
    const human = await cli(["status", diskApp], { STATUS_DB: db });
    expect(human.code, human.stderr).toBe(0);
    expectReport(human.stdout, title, jobs[0] as string, { host: hostname(), pid: process.pid });
    expectSnapshot(await statusJson(diskApp, { STATUS_DB: db }), title, jobs, process.pid);
    await Promise.all(jobs.map((jobId) => manager.cancel(jobId)));
    const after = await statusJson(diskApp, { STATUS_DB: db });
    expect(after.managers[0]?.snapshot).toMatchObject({ queued: 0, running: [], lostLastHour: 1 });
  });
});

describe("background-callbacks status: QueueManager with a CLI worker", () => {
  let url = "";
  let prefix = "";
  let manager: QueueManager;
  let worker: Proc | undefined;
  const env = (): Record<string, string> => ({ REDIS_URL: url, QUEUE_PREFIX: prefix, QUEUE_NAME: "status" });

  beforeAll(async () => {
    url = await redisUrl();
    prefix = uniqueName("status");
    manager = new QueueManager({ connection: url, prefix, queueName: "status", workerModule: queueApp });
  });

  afterAll(async () => {
    await worker?.stop("SIGTERM");
    await manager?.close();
    if (prefix) await deleteKeys(url, `${prefix}:*`);
  });

  it("prints the queue, the running job and its worker, the live worker and the lost job", async () => {
    worker = new Proc([cliEntry, "worker", queueApp], env());
    await workerStarted(worker, "status");
    const jobs = await fill(manager);
    const title = `queue "status" (prefix "${prefix}") on ${url}`;
    const human = await cli(["status", queueApp], env());
    expect(human.code, human.stderr).toBe(0);
    expectReport(human.stdout, title, jobs[0] as string, { host: hostname(), pid: worker.pid });
    const snapshot = expectSnapshot(await statusJson(queueApp, env()), title, jobs, worker.pid);
    expect(snapshot.workers[0]?.lastSeen).toBeGreaterThan(snapshot.at - 4_000);
    await Promise.all(jobs.map((jobId) => manager.cancel(jobId)));
    await waitFor(
      "an empty queue",
      async () => {
        const snap = (await statusJson(queueApp, env())).managers[0]?.snapshot;
        return snap?.queued === 0 && snap.running.length === 0;
      },
      20_000,
      200,
    );
  });

  it("an unreachable Redis exits 5 with a message that names it", async () => {
    const result = await cli(["status", queueApp], { ...env(), REDIS_URL: "redis://127.0.0.1:1" });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain("Cannot reach Redis at redis://127.0.0.1:1");
    expect(result.stdout).toContain("Cannot read it:");
  });
});
