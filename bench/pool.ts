/**
 * The worker pool's own cost per job: a `WorkerPool` of 2 processes in this process running
 * no-op jobs (bench/jobs.ts `bench.echo`), 16 at a time (a job submitted as each ends) and one at
 * a time (also with 2 ms between jobs, so that the processes idle in between), with no admit hook, a synchronous one (as the queue worker's is for a fresh job) and an
 * asynchronous one (as the DiskManager's). Prints jobs/s and CPU ms per job of this process and
 * of the job processes (from /proc, at the kernel's tick resolution: run enough jobs).
 *
 *   npx tsx bench/pool.ts                  # JOBS=4000 per row
 *   JOBS=1000 npx tsx bench/pool.ts sync   # only the rows whose admit is "sync"
 *   npx tsx bench/pool.ts async paced      # the async admit, 2 ms apart only (also "16", "1")
 *   POOL_JSON=1 npx tsx bench/pool.ts      # the rows as one JSON line
 *   CONTEXT=1 npx tsx bench/pool.ts        # each job carries a request snapshot, as a callback's does
 *   MODULE=bench/protocol-app.ts CALLBACK=noop-out.children BENCH_MANAGER=disk npx tsx bench/pool.ts
 *                                          # the no-op background callback of bench/protocol.ts
 *
 * Profiling: `node --cpu-prof --import tsx bench/pool.ts`: the job processes inherit the flag;
 * with PROFILE=1 this process exits without closing the pool, so they exit on the disconnect and
 * write their profiles too.
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { type JobContext, type JobOutcome, WorkerPool, type WorkerPoolEvents } from "background-callbacks";
import { childEntry } from "../src/worker/spawn.js";
import { cpuMs, processTree } from "./protocol-procs.js";

const JOBS = Number(process.env.JOBS ?? 4000);
const WARMUP = 200;
const MODULE = process.env.MODULE ?? fileURLToPath(new URL("./jobs.ts", import.meta.url));
const CHILD_ENTRY = childEntry();
const CALLBACK = process.env.CALLBACK ?? "bench.echo";
/** About what a no-op background callback's job carries from a browser's request. */
const CONTEXT: JobContext = {
  triggered: [{ propId: "noop-in.value", value: 1 }],
  inputs: { "noop-in.value": 1 },
  headers: {
    host: "127.0.0.1:8050",
    "user-agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    accept: "application/json",
    "accept-language": "en-US,en;q=0.5",
    "accept-encoding": "gzip, deflate, br",
    "content-type": "application/json",
    "content-length": "312",
    origin: "http://127.0.0.1:8050",
    referer: "http://127.0.0.1:8050/",
    connection: "keep-alive",
  },
  path: "/",
  remote: "127.0.0.1",
  origin: "http://127.0.0.1:8050",
};
type Admit = "none" | "sync" | "async";
const ADMITS: Admit[] = ["none", "sync", "async"];
const KINDS = ["16", "1", "paced"] as const;
const args = process.argv.slice(2);
const admits = ADMITS.filter((admit) => args.length === 0 || args.includes(admit));
const kinds = KINDS.filter(
  (kind) => !args.some((arg) => (KINDS as readonly string[]).includes(arg)) || args.includes(kind),
);

function admitHook(kind: Admit): Pick<WorkerPoolEvents, "admit"> {
  if (kind === "sync") return { admit: () => true };
  if (kind === "async") return { admit: () => Promise.resolve(true) };
  return {};
}

function selfCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Whether `pid` is a job process (not, say, tsx's esbuild service, also a child of this process). */
function isJobProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(CHILD_ENTRY);
  } catch {
    return false;
  }
}

function childrenCpuMs(): number {
  let total = 0;
  for (const pid of processTree(process.pid).filter(isJobProcess)) {
    try {
      total += cpuMs(pid);
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

/**
 * A pool whose jobs are counted; `run(n, width, pauseMs)` runs n jobs with at most `width`
 * submitted at once, each next one submitted `pauseMs` after a job ends (0: at once).
 */
function bench(admit: Admit) {
  let next = 0;
  let ended = 0;
  let wanted = 0;
  let pause = 0;
  let done: (() => void) | undefined;
  const context = process.env.CONTEXT ? { context: CONTEXT } : {};
  const submit = () => pool.submit({ jobId: `j${next++}`, callbackId: CALLBACK, args: [null], ...context });
  const pool = new WorkerPool(
    { module: MODULE, concurrency: 2 },
    {
      ...admitHook(admit),
      end(_jobId: string, outcome: JobOutcome) {
        if (outcome.kind !== "result") throw new Error(`unexpected outcome ${JSON.stringify(outcome)}`);
        ended++;
        if (next < wanted && pause > 0) setTimeout(submit, pause);
        else if (next < wanted) submit();
        else if (ended === wanted) done?.();
      },
    },
  );
  return {
    pool,
    run(n: number, width: number, pauseMs: number): Promise<void> {
      wanted += n;
      pause = pauseMs;
      const finished = new Promise<void>((resolve) => {
        done = resolve;
      });
      for (let i = 0; i < width && next < wanted; i++) submit();
      return finished;
    },
  };
}

async function row(admit: Admit, width: number, pauseMs = 0) {
  const { pool, run } = bench(admit);
  const jobs = pauseMs > 0 ? Math.ceil(JOBS / 8) : JOBS;
  pool.warm();
  await run(WARMUP, width, pauseMs);
  const self = selfCpuMs();
  const children = childrenCpuMs();
  const t0 = performance.now();
  await run(jobs, width, pauseMs);
  const seconds = (performance.now() - t0) / 1000;
  const result = {
    admit,
    width: pauseMs > 0 ? `${width}, ${pauseMs} ms apart` : width,
    "jobs/s": Math.round(jobs / seconds),
    "self ms/job": +((selfCpuMs() - self) / jobs).toFixed(4),
    "children ms/job": +((childrenCpuMs() - children) / jobs).toFixed(4),
  };
  if (process.env.PROFILE) {
    console.log(result);
    process.exit(0);
  }
  await pool.close();
  return result;
}

const rows = [];
for (const admit of admits.length > 0 ? admits : ADMITS) {
  if (kinds.includes("16")) rows.push(await row(admit, 16));
  if (kinds.includes("1")) rows.push(await row(admit, 1));
  // One job at a time with the processes idle in between, as with one client clicking.
  if (kinds.includes("paced")) rows.push(await row(admit, 1, 2));
}
console.log(
  `jobs per row ${JOBS}, load ${loadavg()
    .map((n) => n.toFixed(2))
    .join(" ")}`,
);
if (process.env.POOL_JSON) console.log(JSON.stringify(rows));
else console.table(rows);
