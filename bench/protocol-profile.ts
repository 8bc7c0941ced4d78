/**
 * Where a no-op job's milliseconds go in the web process: `node --cpu-prof` of the web process of
 * bench/protocol.ts during `JOBS` no-op clicks (one client, one after the other), its samples
 * grouped by the stage they belong to, next to the click's wall time, a normal callback's and the
 * raw backend round trip measured in the same run. Only the samples taken during the clicks count.
 *
 *   npx tsx bench/protocol-profile.ts disk     # or queue; JOBS=300 to change the size
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clicks } from "./protocol-measure.js";
import { APP, appEnv, processTree, signalAll, startChild, startQueueWorker, stopped } from "./protocol-procs.js";
import { cleanRedis, rawBullmq, rawKeyv } from "./protocol-raw.js";

const kind = process.argv[2] === "queue" ? "queue" : "disk";
const JOBS = Number(process.env.JOBS ?? 300);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The stage of the web process a sampled frame belongs to, by its file (first match wins). */
const STAGES: [string, RegExp][] = [
  ["idle (waiting: event loop with nothing to run)", /^\(idle\) $/],
  ["garbage collection", /^\(garbage collector\) $/],
  ["native, outside JavaScript (program)", /^\(program\) $/],
  ["JSON parse / stringify", /^(parse|stringify) $/],
  [
    "socket writes (HTTP responses, Redis commands, IPC to job processes)",
    /^(writev|writeUtf8String|writeBuffer|writeLatin1String) $/,
  ],
  ["node:crypto (handle signatures, ids)", /internal\/crypto/],
  ["validation, handles (payload, wire, signatures)", /src\/server\/(payload|wire|handles|shared-signer)|src\/app\//],
  ["background dispatch, long poll (server)", /src\/server\/(background|outcome|on-error|outages)/],
  ["submit / take (manager, store)", /managers\/|keyv|sqlite|ioredis|bullmq|msgpackr|src\/manager/],
  ["hand-off to the worker (pool, IPC)", /src\/worker\/|child_process|internal\/child|js_transferable/],
  ["web Request / Response, AbortSignal (undici, streams)", /undici|webstreams|abort_controller|event_target/],
  ["HTTP (Hono, node-server, routing, respond)", /hono|src\/server\//],
  ["HTTP (Node: sockets, parser)", /_http_|node:net|internal\/stream|node:stream|internal\/streams/],
  ["promises, async hooks, timers (Node)", /async_hooks|task_queues|timers|node:events/],
];

function stageOf(node: ProfileNode): string {
  const name = `${node.callFrame.functionName} ${node.callFrame.url}`;
  return STAGES.find(([, pattern]) => pattern.test(name))?.[0] ?? "other";
}

const detail = new Map<string, number>();

/** Self time per stage of the samples taken between `from` and `to` (µs of the monotonic clock, as V8 stamps them). */
function summarise(profile: Profile, from: number, to: number): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node || at < from || at > to) return;
    const stage = stageOf(node);
    if (process.env.BENCH_PROFILE_DETAIL === stage) {
      const frame = `${node.callFrame.functionName} ${node.callFrame.url}`;
      detail.set(frame, (detail.get(frame) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
    }
    totals.set(stage, (totals.get(stage) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return totals;
}

const dir = mkdtempSync(join(tmpdir(), "bgcb-bench-profile-"));
const env = appEnv(kind, dir, "profile");
const raw = kind === "queue" ? (await rawBullmq(2, 50, 1, 1)).p50 : await rawKeyv(50);
const web = await startChild([APP], { ...env, BENCH_SERVE: "1" }, ["--cpu-prof", `--cpu-prof-dir=${dir}`]);
const worker = kind === "queue" ? startQueueWorker(env, 2) : undefined;
const urls = web.message as { ours: string };
await clicks(urls.ours, "noop", 2, 10);
const echo = await clicks(urls.ours, "echo", 1, 100);
// V8 stamps samples with the monotonic clock that process.hrtime reads, in every process of the machine.
const micros = () => Number(process.hrtime.bigint() / 1000n);
const from = micros();
const click = await clicks(urls.ours, "noop", 1, JOBS);
const to = micros();
const wall = (to - from) / 1000;
if (worker) await stopped(worker);
await stopped(web.child);
signalAll(processTree(process.pid).slice(1), "SIGTERM");
const file = readdirSync(dir).find((name) => name.endsWith(".cpuprofile"));
if (!file) throw new Error("the web process wrote no profile");
const totals = summarise(JSON.parse(readFileSync(join(dir, file), "utf8")) as Profile, from, to);
rmSync(dir, { recursive: true, force: true });
await cleanRedis(env.BENCH_PREFIX);

const all = [...totals.values()].reduce((a, b) => a + b, 0);
const rows = [...totals.entries()].sort((a, b) => b[1] - a[1]);
console.log(
  [
    `${kind === "queue" ? "QueueManager" : "DiskManager"}: ${JOBS} no-op clicks in ${wall.toFixed(0)} ms; click p50 ${click.p50.toFixed(2)} ms, normal callback p50 ${echo.p50.toFixed(2)} ms, raw ${kind === "queue" ? "BullMQ" : "Keyv"} round trip p50 ${raw.toFixed(2)} ms; ${all.toFixed(0)} ms of samples in that window.`,
    "",
    "| stage (web process) | share of the window | ms per click |",
    "| --- | --- | --- |",
    ...rows.map(([stage, ms]) => `| ${stage} | ${((100 * ms) / all).toFixed(1)} % | ${(ms / JOBS).toFixed(2)} |`),
  ].join("\n"),
);
if (detail.size > 0) console.log([...detail].sort((a, b) => b[1] - a[1]).slice(0, 25));
process.exit(0);
