import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach } from "vitest";
import type { JobOutcome, Json } from "../../src/manager/contract.js";
import { WorkerPool, type WorkerPoolEvents, type WorkerPoolOptions } from "../../src/worker/pool.js";

export const jobsModule = fileURLToPath(new URL("./fixtures/pool-jobs.ts", import.meta.url));

/** What a pool reported, in order, as `[event, jobId, detail]`. */
export type Report = [string, string, unknown?];

/** A pool on the test jobs, recording every event, with a promise per job outcome. */
export interface Harness {
  readonly pool: WorkerPool;
  readonly reports: Report[];
  /** Submits a job with a fresh id; returns the id. */
  submit(callbackId: string, args?: Json[]): string;
  /** The job's outcome (waits for `end`). */
  outcome(jobId: string): Promise<JobOutcome>;
  /** Resolves with the pid when the job starts. */
  started(jobId: string): Promise<number>;
  /** How often `end` came for the job. */
  ends(jobId: string): number;
}

const open: WorkerPool[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((pool) => pool.close()));
});

function deferred<T>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

let ids = 0;

export function harness(options: Partial<WorkerPoolOptions> = {}, extra: Partial<WorkerPoolEvents> = {}): Harness {
  const reports: Report[] = [];
  const outcomes = new Map<string, ReturnType<typeof deferred<JobOutcome>>>();
  const starts = new Map<string, ReturnType<typeof deferred<number>>>();
  const slot = <T>(map: Map<string, ReturnType<typeof deferred<T>>>, jobId: string) => {
    const entry = map.get(jobId) ?? deferred<T>();
    map.set(jobId, entry);
    return entry;
  };
  const pool = new WorkerPool(
    { module: jobsModule, ...options },
    {
      ...extra,
      start: (jobId, pid) => {
        reports.push(["start", jobId, pid]);
        slot(starts, jobId).resolve(pid);
      },
      progress: (jobId, value) => reports.push(["progress", jobId, value]),
      props: (jobId, id, props) => reports.push(["props", jobId, [id, props]]),
      end: (jobId, outcome) => {
        reports.push(["end", jobId, outcome]);
        slot(outcomes, jobId).resolve(outcome);
      },
    },
  );
  open.push(pool);
  return {
    pool,
    reports,
    submit(callbackId, args = []) {
      const jobId = `job-${ids++}`;
      pool.submit({ jobId, callbackId, args });
      return jobId;
    },
    outcome: (jobId) => slot(outcomes, jobId).promise,
    started: (jobId) => slot(starts, jobId).promise,
    ends: (jobId) => reports.filter(([event, id]) => event === "end" && id === jobId).length,
  };
}

/** Keeps this process's event loop busy: timers and messages due meanwhile all wait. */
export function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

/** Pids of this process's live worker processes (children running the worker entry). */
export function workerPids(): number[] {
  let out = "";
  try {
    out = execFileSync("ps", ["-o", "pid=,stat=,args=", "--ppid", String(process.pid)], { encoding: "utf8" });
  } catch {
    return []; // ps exits 1 when there is no child at all
  }
  return out
    .split("\n")
    .filter((line) => line.includes("child.ts") && !/^\s*\d+\s+Z/.test(line))
    .map((line) => Number.parseInt(line, 10));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `check` holds, polling every 10 ms (fails after `ms`). */
export async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await sleep(10);
  }
}
