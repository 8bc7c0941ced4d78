/**
 * A short run of the rows of bench/protocol.ts that tuning moves most, for one manager: polls per
 * second of a finished job (8 connections), 16 clients clicking no-op callbacks, and the web
 * process's CPU per no-op job, next to the benchmark client's own CPU (it shares the machine's
 * cores with the server). With BENCH_PROFILE=<dir>, the web process writes a CPU profile there;
 * ONLY=clicks or ONLY=polls runs only those rows.
 *
 *   npx tsx bench/protocol-focus.ts disk     # or queue
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import * as measure from "./protocol-measure.js";
import { APP, appEnv, cpuMs, processTree, startChild, startQueueWorker, stopped } from "./protocol-procs.js";
import { cleanRedis } from "./protocol-raw.js";

const kind = process.argv[2] === "queue" ? "queue" : "disk";
const ROUNDS = Number(process.env.ROUNDS ?? 100);
/** `clicks` or `polls` to run only those rows. */
const ONLY = process.env.ONLY;
const dir = mkdtempSync(join(tmpdir(), "bgcb-bench-focus-"));
const env = appEnv(kind, dir, "focus");
const profile = process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
const load = loadavg()[0]?.toFixed(2);
const web = await startChild([APP], { ...env, BENCH_SERVE: "1" }, profile);
const worker = kind === "queue" ? startQueueWorker(env, 2) : undefined;
const url = (web.message as { ours: string }).ours;
const pid = web.child.pid as number;

/** CPU (ms) of the job processes: the web process's pool, or the queue worker and its children. */
const jobsCpu = () =>
  (worker ? processTree(worker.pid as number) : processTree(pid).slice(1)).reduce((sum, id) => sum + cpuMs(id), 0);

/** Web-process, job-process and this process's CPU (ms) spent while `work` runs. */
async function cpuOf<T>(work: () => Promise<T>): Promise<{ value: T; web: number; jobs: number; client: number }> {
  const webBefore = cpuMs(pid);
  const jobsBefore = jobsCpu();
  const clientBefore = process.cpuUsage();
  const value = await work();
  const used = process.cpuUsage(clientBefore);
  const jobs = jobsCpu() - jobsBefore;
  return { value, web: cpuMs(pid) - webBefore, jobs, client: (used.user + used.system) / 1000 };
}

try {
  await measure.clicks(url, "noop", 2, 10);
  const lines = [`${kind}, load ${load}:`];
  if (ONLY === undefined || ONLY === "clicks") {
    const one = await cpuOf(() => measure.clicks(url, "noop", 1, ROUNDS));
    const many = await cpuOf(() => measure.clicks(url, "noop", 16, Math.ceil(ROUNDS / 8)));
    const manyJobs = 16 * Math.ceil(ROUNDS / 8);
    lines.push(
      `1 client p50 ${one.value.p50.toFixed(2)} ms, web CPU/job ${(one.web / ROUNDS).toFixed(2)} ms, client CPU/job ${(one.client / ROUNDS).toFixed(2)} ms`,
      `16 clients p50 ${many.value.p50.toFixed(1)} / p95 ${many.value.p95.toFixed(1)} ms, ${many.value.perSecond.toFixed(0)} jobs/s; CPU per job: web ${(many.web / manyJobs).toFixed(2)}, job processes ${(many.jobs / manyJobs).toFixed(2)}, client ${(many.client / manyJobs).toFixed(2)} ms`,
    );
  }
  if (ONLY === undefined || ONLY === "polls") {
    const polls = await cpuOf(() => measure.pollRate(url, 8, 3));
    const count = polls.value * 3;
    lines.push(
      `polls/s ${polls.value.toFixed(0)}, web CPU/poll ${(polls.web / count).toFixed(3)} ms, client CPU/poll ${(polls.client / count).toFixed(3)} ms`,
    );
  }
  console.log(lines.join("\n"));
} finally {
  await Promise.all([stopped(web.child), worker ? stopped(worker) : undefined]);
  await cleanRedis(env.BENCH_PREFIX);
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
