/**
 * The managers' own job throughput, without HTTP, measured as raw BullMQ is in bench/protocol-raw.ts.
 * This process plays an app server's web side: `submit`, then `watch(jobId, signal, { outcome: true })`
 * and `take` until the update has an outcome, as the server's first response waits. The jobs (the
 * no-op callback of bench/protocol-app.ts) run on one `background-callbacks worker --concurrency 2`
 * process (QueueManager) or on the DiskManager's own pool of 2 processes. Next to them, in the same
 * run: raw BullMQ (processor in the worker process, and sandboxed) and raw Keyv on SQLite, all
 * measured in turns (bench/protocol-trips.ts) so that the shared machine's load falls on all alike.
 * bench/protocol.ts runs {@link throughputRows} next to its HTTP rows.
 *
 *   npx tsx bench/protocol-throughput.ts     # JOBS=2000 ROUNDS=200 CLIENTS=16 BURSTS=10 to change the sizes
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as pause } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import type { BackgroundCallbackManager, JobOutcome } from "background-callbacks";
import { benchManager } from "./protocol-manager.js";
import { APP, appEnv, cpuMs, startQueueWorker, stopped, treeCpuMs } from "./protocol-procs.js";
import { cleanRedis, openRawBullmq, openRawKeyv } from "./protocol-raw.js";
import { measured, type Sizes, type Subject, type Trips } from "./protocol-trips.js";

/** The callback id of the app's no-op background callback (Dash's output string). */
const NOOP = "noop-out.children";
const OUTCOME_ONLY = Object.freeze({ outcome: true });
/** One shared reason spares `abort()` a new `DOMException` per wait, as the app server does. */
const WATCH_DONE = Object.freeze(new Error("The wait for the outcome ended"));
/** How long a wait on `watch()` may last before `take()` is asked again anyway (the app server's value). */
const RECHECK_MS = 2_000;

/** The job's outcome, waited for as an app server's first response waits: watch, take, until it is there. */
export async function outcomeOf(manager: BackgroundCallbackManager, jobId: string): Promise<JobOutcome> {
  for (;;) {
    const watching = new AbortController();
    const { signal } = watching;
    // Watch before taking, so an outcome stored between the take and the wait still wakes us.
    const woken = manager.watch?.(jobId, signal, OUTCOME_ONLY).catch(() => undefined);
    try {
      const { outcome } = await manager.take(jobId);
      if (outcome) return outcome;
      const recheck = pause(woken ? RECHECK_MS : 1, undefined, { signal }).catch(() => undefined);
      await (woken ? Promise.race([woken, recheck]) : recheck);
    } finally {
      watching.abort(WATCH_DONE);
    }
  }
}

/**
 * The manager of bench/protocol-app.ts in this process, submitting the no-op job and waiting for
 * its outcome: p50 one at a time, jobs/s `clients` at a time, the CPU per job of this process (the
 * web side) and of the job processes. `dir` holds the DiskManager's file.
 */
export async function managerTrips(kind: "disk" | "queue", sizes: Sizes, dir: string): Promise<Trips> {
  const [trips] = await measured([openManager(kind, dir)], sizes);
  return trips as Trips;
}

/** The manager of bench/protocol-app.ts in this process, with its job processes; a round trip is a no-op job. */
export async function openManager(kind: "disk" | "queue", dir: string): Promise<Subject> {
  const env = appEnv(kind, dir, "throughput");
  const manager = benchManager(env, APP);
  const worker = kind === "queue" ? startQueueWorker(env, Number(env.BENCH_CONCURRENCY)) : undefined;
  return {
    once: async (i) => {
      const { jobId } = await manager.submit({ callbackId: NOOP, args: [i] });
      const outcome = await outcomeOf(manager, jobId);
      if (outcome.kind !== "result" || outcome.value !== i)
        throw new Error(`job ${i} ended ${JSON.stringify(outcome)}`);
    },
    // The DiskManager's job processes are this process's children.
    otherCpu: worker ? () => treeCpuMs(worker.pid as number) : () => treeCpuMs(process.pid) - cpuMs(process.pid),
    close: async () => {
      await manager.close();
      if (worker) await stopped(worker);
    },
  };
}

/**
 * `reference`'s CPU per job over `subject`'s, both sides (Redis not counted): the throughput ratio
 * a CPU-bound machine would give, steadier than jobs/s when other load comes and goes.
 */
export function cpuRatio(subject: Trips, reference: Trips): number {
  return (reference.cpu + reference.otherCpu) / (subject.cpu + subject.otherCpu);
}

export type ThroughputRows = Record<"raw" | "sandboxed" | "queue" | "disk" | "keyv", Trips>;

/**
 * Raw BullMQ (processor in its worker process, and sandboxed), both managers' API and raw Keyv,
 * measured in turns; jobs on 2 processes each. `dir` holds the SQLite files.
 */
export async function throughputRows(sizes: Sizes, dir: string): Promise<ThroughputRows> {
  const opened = [
    openRawBullmq(2, sizes.clients),
    openRawBullmq(2, sizes.clients, true),
    openManager("queue", dir),
    openManager("disk", dir),
    openRawKeyv(),
  ];
  const [raw, sandboxed, queue, disk, keyv] = (await measured(opened, sizes)) as Trips[] as [
    Trips,
    Trips,
    Trips,
    Trips,
    Trips,
  ];
  return { raw, sandboxed, queue, disk, keyv };
}

/** Everything this file measures, in one run; prints a table. */
async function main(): Promise<void> {
  const sizes = {
    rounds: Number(process.env.ROUNDS ?? 200),
    clients: Number(process.env.CLIENTS ?? 16),
    jobs: Number(process.env.JOBS ?? 2_000),
    bursts: Number(process.env.BURSTS ?? 10),
  };
  const { rounds, clients, jobs, bursts } = sizes;
  const load = loadavg().map((value) => value.toFixed(2));
  const dir = mkdtempSync(join(tmpdir(), "bgcb-bench-throughput-"));
  const started = performance.now();
  let rows: ThroughputRows;
  try {
    rows = await throughputRows(sizes, dir);
  } finally {
    await cleanRedis(appEnv("queue", dir, "throughput").BENCH_PREFIX);
    rmSync(dir, { recursive: true, force: true });
  }
  const { raw, sandboxed, queue, disk, keyv } = rows;
  const names: [string, Trips][] = [
    ["BullMQ Queue.add → Worker → waitUntilFinished", raw],
    ["same, sandboxed processor", sandboxed],
    ["QueueManager API, no HTTP (submit → watch/take)", queue],
    ["DiskManager API, no HTTP (submit → watch/take)", disk],
    ["Keyv + @keyv/sqlite set → get", keyv],
  ];
  const f = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : "");
  const ratio = (a: Trips, b: Trips) => `×${f(a.perSecond / b.perSecond, 2)} (CPU ×${f(cpuRatio(a, b), 2)})`;
  console.log(
    [
      `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${cpus().length} cores, Node ${process.version}, load average ${load.join(" / ")} at the start; jobs on 2 processes (one worker, concurrency 2; the DiskManager's pool of 2); in turns: ${rounds} rounds one at a time, ${jobs} jobs ${clients} at a time in ${bursts} bursts each; ${((performance.now() - started) / 1000).toFixed(0)} s.`,
      "",
      `| round trip of a no-op job | p50 ms, 1 at a time | jobs per s, ${clients} at a time | CPU per job ms: this process / the job processes |`,
      "| --- | --- | --- | --- |",
      ...names.map(
        ([name, t]) => `| ${name} | ${f(t.p50, 2)} | ${f(t.perSecond, 0)} | ${f(t.cpu, 2)} / ${f(t.otherCpu, 2)} |`,
      ),
      "",
      `Throughput ratios (in brackets: the CPU per job of the reference over the subject's, both sides): QueueManager / raw BullMQ ${ratio(queue, raw)} (target ≥ ×0.50), / sandboxed ${ratio(queue, sandboxed)}; DiskManager / raw Keyv ${ratio(disk, keyv)}.`,
    ].join("\n"),
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
  process.exit(0);
}
