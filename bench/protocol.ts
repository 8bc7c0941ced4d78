/**
 * The background protocol over HTTP, as dash-renderer speaks it, on both managers, next to the
 * same server configured as Dash behaves (`firstResponseWaitMs: 0, longPollMs: 0`) and next to raw
 * BullMQ and raw Keyv round trips, all in one run (the machine is shared: read the ratios). Each
 * web process is a child process serving the app of bench/protocol-app.ts on loopback; the
 * QueueManager's jobs run on one `background-callbacks worker` process. The managers' own
 * throughput without HTTP (bench/protocol-throughput.ts) runs in the same run, next to raw BullMQ.
 * Prints a table with the targets and writes it into docs/benchmarks.md.
 *
 *   npx tsx bench/protocol.ts --quick   # about a minute
 *   npx tsx bench/protocol.ts           # the full run (BACKLOG=10000 jobs)
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { quantile } from "./protocol-client.js";
import * as measure from "./protocol-measure.js";
import {
  APP,
  cpuMs,
  processTree,
  signalAll,
  startChild,
  startQueueWorker,
  stopped,
  treeCpuMs,
} from "./protocol-procs.js";
import { cleanRedis } from "./protocol-raw.js";
import { cpuRatio, type ThroughputRows, throughputRows } from "./protocol-throughput.js";
import type { Trips } from "./protocol-trips.js";

const QUICK = process.argv.includes("--quick");
const size = (quick: number, full: number) => Number(QUICK ? quick : full);
const ROUNDS = size(30, 200);
const PER_CLIENT = size(4, 20);
const DASH_ROUNDS = size(3, 10);
const SLOW_JOBS = size(4, 20);
const PROGRESS = size(5, 20);
const POLL_SECONDS = size(3, 10);
const BACKLOG = Number(process.env.BACKLOG ?? size(2_000, 10_000));
/** Jobs of each throughput row without HTTP: a few seconds each, so that one burst of the shared machine's load weighs less. */
const THROUGHPUT_JOBS = size(500, 2_000);
const CONCURRENCY = 2;
const prefix = `bgcb-bench-${process.pid}`;

/** CPU time (user + system) this process, the benchmark's client, has used so far, in ms. */
function clientCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

type Row = Record<string, number>;
type Urls = { ours: string; dashStyle: string };

async function start(kind: "disk" | "queue", dir: string) {
  const env = {
    BENCH_MANAGER: kind,
    BENCH_CONCURRENCY: String(CONCURRENCY),
    BENCH_DB: join(dir, `${kind}.sqlite`),
    BENCH_QUEUE: `protocol-${process.pid}`,
    BENCH_PREFIX: prefix,
  };
  const profile = process.env.BENCH_PROFILE ? [`--cpu-prof`, `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const web = await startChild([APP], { ...env, BENCH_SERVE: "1" }, profile);
  const worker = kind === "queue" ? startQueueWorker(env, CONCURRENCY) : undefined;
  return { web: web.child, urls: web.message as Urls, worker };
}

/** Every measurement of one manager; the backlog last, as it leaves thousands of jobs queued. */
async function run(kind: "disk" | "queue", dir: string): Promise<Row> {
  const { web, urls, worker } = await start(kind, dir);
  const row: Row = {};
  try {
    await measure.clicks(urls.ours, "noop", 2, 5); // warm: worker processes up, connections open
    row.echo = (await measure.clicks(urls.ours, "echo", 1, ROUNDS)).p50;
    // The DiskManager's job processes are the web process's children.
    const jobsCpu = () =>
      worker ? treeCpuMs(worker.pid as number) : treeCpuMs(web.pid as number) - cpuMs(web.pid as number);
    const cpuBefore = [cpuMs(web.pid as number), jobsCpu(), clientCpuMs()];
    const one = await measure.clicks(urls.ours, "noop", 1, ROUNDS);
    row.cpu = (cpuMs(web.pid as number) - (cpuBefore[0] ?? 0)) / ROUNDS;
    row.jobsCpu = (jobsCpu() - (cpuBefore[1] ?? 0)) / ROUNDS;
    row.clientCpu = (clientCpuMs() - (cpuBefore[2] ?? 0)) / ROUNDS;
    const dashOne = await measure.clicks(urls.dashStyle, "noop", 1, DASH_ROUNDS);
    const many = await measure.clicks(urls.ours, "noop", 16, PER_CLIENT);
    const dashMany = await measure.clicks(urls.dashStyle, "noop", 16, 1);
    Object.assign(row, { p50: one.p50, p95: one.p95, dashP50: dashOne.p50, p50x16: many.p50, p95x16: many.p95 });
    Object.assign(row, { jobsPerSecond: many.perSecond, dashP50x16: dashMany.p50 });
    const [end, dashEnd] = await Promise.all([
      measure.afterEnd(urls.ours, SLOW_JOBS, 2),
      measure.afterEnd(urls.dashStyle, SLOW_JOBS, 2),
    ]);
    Object.assign(row, { endP50: quantile(end, 0.5), endP95: quantile(end, 0.95), dashEndP50: quantile(dashEnd, 0.5) });
    const [progress, dashProgress] = await Promise.all([
      measure.progressDelays(urls.ours, 1, PROGRESS),
      measure.progressDelays(urls.dashStyle, 1, PROGRESS),
    ]);
    Object.assign(row, { progressP95: quantile(progress, 0.95), dashProgressP95: quantile(dashProgress, 0.95) });
    const pollsBefore = [cpuMs(web.pid as number), clientCpuMs()];
    row.polls = await measure.pollRate(urls.ours, 8, POLL_SECONDS);
    row.pollCpu = (cpuMs(web.pid as number) - (pollsBefore[0] ?? 0)) / (row.polls * POLL_SECONDS);
    row.pollClientCpu = (clientCpuMs() - (pollsBefore[1] ?? 0)) / (row.polls * POLL_SECONDS);
    Object.assign(row, await backlog(web, worker, urls));
    return row;
  } finally {
    if (worker) signalAll(processTree(worker.pid as number), "SIGCONT");
    signalAll(processTree(web.pid as number), "SIGCONT");
    await Promise.all([stopped(web), worker ? stopped(worker) : undefined]);
  }
}

/** Submit and poll p50 of queued jobs, empty queue vs `BACKLOG` queued, with the job processes stopped. */
async function backlog(web: ChildProcess, worker: ChildProcess | undefined, urls: Urls): Promise<Row> {
  const runners = worker ? processTree(worker.pid as number) : processTree(web.pid as number).slice(1);
  signalAll(runners, "SIGSTOP");
  await measure.submitAndPoll(urls.dashStyle, 200); // settle and warm the path the backlog then warms further
  const empty = await measure.submitAndPoll(urls.dashStyle, 50);
  await measure.fill(urls.dashStyle, BACKLOG);
  const full = await measure.submitAndPoll(urls.dashStyle, 50);
  return { submitEmpty: empty.submit, submitFull: full.submit, pollEmpty: empty.poll, pollFull: full.poll };
}

const load = loadavg().map((value) => value.toFixed(2));
const dir = mkdtempSync(join(tmpdir(), "bgcb-bench-protocol-"));
const started = performance.now();
const sizes = { rounds: ROUNDS, clients: 16, jobs: THROUGHPUT_JOBS };
const rows: Record<string, Row> = {};
let noHttp: ThroughputRows | undefined;
try {
  noHttp = await throughputRows(sizes, dir);
  rows.disk = await run("disk", dir);
  rows.queue = await run("queue", dir);
} finally {
  await cleanRedis(prefix);
  rmSync(dir, { recursive: true, force: true });
}
const seconds = (performance.now() - started) / 1000;
const { disk, queue } = rows as { disk: Row; queue: Row };
const { raw, sandboxed, keyv, disk: diskApi, queue: queueApi } = noHttp as ThroughputRows;

const f = (value: number | undefined, digits = 1) => (value === undefined ? "" : value.toFixed(digits));
const both = (key: string, digits = 1) => `${f(disk[key], digits)} | ${f(queue[key], digits)}`;
const div = (a: Partial<Row>, x: string, b: Partial<Row>, y: string, digits = 1) =>
  `×${f((a[x] ?? Number.NaN) / (b[y] ?? Number.NaN), digits)}`;
const trips = (name: string, t: Trips) =>
  `| ${name} | ${f(t.p50, 2)} | ${f(t.perSecond, 0)} | ${f(t.cpu, 2)} / ${f(t.otherCpu, 2)} |`;
const ratio = (a: string, b: string) =>
  `×${f((disk[a] ?? 0) / (disk[b] ?? 1), 2)} | ×${f((queue[a] ?? 0) / (queue[b] ?? 1), 2)}`;
const table = [
  `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC${QUICK ? " (`--quick`)" : ""} on ${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}, load average ${load.join(" / ")} at the start; one web process, ${CONCURRENCY} job processes (DiskManager: its pool; QueueManager: one CLI worker, \`--concurrency ${CONCURRENCY}\`); ${ROUNDS} clicks for 1 client, 16 × ${PER_CLIENT} for 16 clients; ${seconds.toFixed(0)} s.`,
  "",
  "| metric | target | DiskManager | QueueManager |",
  "| --- | --- | --- | --- |",
  `| no-op click → result, 1 client, p50 / p95 ms | p50 ≤ 5 | ${f(disk.p50)} / ${f(disk.p95)} | ${f(queue.p50)} / ${f(queue.p95)} |`,
  `| same, Dash-style server (interval 1000), p50 ms | | ${both("dashP50")} |`,
  `| no-op click → result, 16 clients, p50 / p95 ms | p50 ≤ 25 | ${f(disk.p50x16)} / ${f(disk.p95x16)} | ${f(queue.p50x16)} / ${f(queue.p95x16)} |`,
  `| same, Dash-style server, p50 ms | | ${both("dashP50x16")} |`,
  `| 16 clients: jobs per s | | ${both("jobsPerSecond", 0)} |`,
  `| same without HTTP: the manager's API in the benchmark process (submit → watch/take), 16 at a time: jobs per s | | ${f(diskApi.perSecond, 0)} | ${f(queueApi.perSecond, 0)} |`,
  `| 1,500 ms job (interval 1000): job end → result at the client, p50 / p95 ms | ≤ 5 / ≤ 20 | ${f(disk.endP50)} / ${f(disk.endP95)} | ${f(queue.endP50)} / ${f(queue.endP95)} |`,
  `| same, Dash-style server, p50 ms | | ${both("dashEndP50")} |`,
  `| setProgress → poll answer (interval 100), p95 ms | ≤ 10 | ${both("progressP95")} |`,
  `| same, Dash-style server, p95 ms | | ${both("dashProgressP95")} |`,
  `| polls per s answered, 8 connections, finished job | ≥ 4,000 | ${both("polls", 0)} |`,
  `| web-process CPU per no-op job, ms (/proc utime+stime) | ≤ 2 | ${both("cpu", 2)} |`,
  `| same, the job processes (not the web process's share) | | ${both("jobsCpu", 2)} |`,
  `| same, the benchmark client (this process, same 2 cores) | | ${both("clientCpu", 2)} |`,
  `| CPU per poll of the finished job, ms: web process / benchmark client | | ${f(disk.pollCpu, 3)} / ${f(disk.pollClientCpu, 3)} | ${f(queue.pollCpu, 3)} / ${f(queue.pollClientCpu, 3)} |`,
  `| submit p50 ms, empty / ${BACKLOG.toLocaleString("en")} queued | | ${f(disk.submitEmpty, 2)} / ${f(disk.submitFull, 2)} | ${f(queue.submitEmpty, 2)} / ${f(queue.submitFull, 2)} |`,
  `| poll p50 ms, empty / ${BACKLOG.toLocaleString("en")} queued | | ${f(disk.pollEmpty, 2)} / ${f(disk.pollFull, 2)} | ${f(queue.pollEmpty, 2)} / ${f(queue.pollFull, 2)} |`,
  `| backlog ratio, submit | ≤ 1.5× | ${ratio("submitFull", "submitEmpty")} |`,
  `| backlog ratio, poll | ≤ 1.5× | ${ratio("pollFull", "pollEmpty")} |`,
  `| normal callback over HTTP (HTTP, validation, JSON), p50 ms | | ${both("echo", 2)} |`,
  "",
  "| round trip of a no-op job without HTTP, same run, the five in turns | p50 ms, 1 at a time | jobs per s, 16 at a time | CPU per job ms: this process / the job processes |",
  "| --- | --- | --- | --- |",
  trips(`BullMQ Queue.add → Worker (1 process, concurrency ${CONCURRENCY}) → waitUntilFinished`, raw),
  trips("same, sandboxed processor (BullMQ's child processes, `useWorkerThreads: false`)", sandboxed),
  trips(
    `QueueManager API, no HTTP (submit → watch/take), 16 at a time; one CLI worker, \`--concurrency ${CONCURRENCY}\``,
    queueApi,
  ),
  trips(`DiskManager API, no HTTP (submit → watch/take), 16 at a time; its pool of ${CONCURRENCY}`, diskApi),
  trips("Keyv + @keyv/sqlite set → get", keyv),
  "",
  `Ratios: no-op click p50 / Dash-style p50: ${div(disk, "p50", disk, "dashP50", 3)} (Disk), ${div(queue, "p50", queue, "dashP50", 3)} (Queue); no-op click p50 / raw round trip: ${div(disk, "p50", keyv, "p50")} (Disk / Keyv), ${div(queue, "p50", raw, "p50")} (Queue / BullMQ); QueueManager throughput without HTTP / raw BullMQ: ${div(queueApi, "perSecond", raw, "perSecond", 2)} (target ≥ ×0.50; CPU per job, both sides, raw / QueueManager: ×${f(cpuRatio(queueApi, raw), 2)}), / raw BullMQ with a sandboxed processor: ${div(queueApi, "perSecond", sandboxed, "perSecond", 2)} (CPU ×${f(cpuRatio(queueApi, sandboxed), 2)}); over HTTP (16 clients, one web process) / raw BullMQ: ${div(queue, "jobsPerSecond", raw, "perSecond", 2)}, / sandboxed: ${div(queue, "jobsPerSecond", sandboxed, "perSecond", 2)}; DiskManager without HTTP / raw Keyv: ${div(diskApi, "perSecond", keyv, "perSecond", 2)}.`,
].join("\n");
console.log(table);

const file = fileURLToPath(new URL("../docs/benchmarks.md", import.meta.url));
const begin = "<!-- bench/protocol.ts: begin -->";
const end = "<!-- bench/protocol.ts: end -->";
const doc = readFileSync(file, "utf8");
if (doc.includes(begin))
  writeFileSync(file, doc.replace(new RegExp(`${begin}[\\s\\S]*${end}`), `${begin}\n${table}\n${end}`));
process.exit(0);
