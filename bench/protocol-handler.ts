/**
 * The app's fetch handler alone, without HTTP: CPU per poll of a finished job and per no-op click
 * (first POST until its answer), calling `app.fetch` in this process with renderer-like requests,
 * one after the other, on the app of bench/protocol-app.ts. CPU is this process's (all threads:
 * node-sqlite3 runs statements on the thread pool); the job processes are not counted. Next to
 * the HTTP rows of bench/protocol.ts this splits a request's cost into HTTP and the handler.
 *
 *   npx tsx bench/protocol-handler.ts disk     # or queue
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appEnv, startQueueWorker, stopped } from "./protocol-procs.js";
import { cleanRedis } from "./protocol-raw.js";

const kind = process.argv[2] === "queue" ? "queue" : "disk";
const POLLS = Number(process.env.POLLS ?? 20_000);
const CLICKS = Number(process.env.CLICKS ?? 500);
const dir = mkdtempSync(join(tmpdir(), "bgcb-bench-handler-"));
const env = appEnv(kind, dir, "handler");
Object.assign(process.env, env);
const worker: ChildProcess | undefined = kind === "queue" ? startQueueWorker(env, 2) : undefined;
const { ours, manager } = await import("./protocol-app.js");

const base = "http://127.0.0.1/";
const html = await (await ours.fetch(new Request(base))).text();
const config = /<script id="_dash-config" type="application\/json">(.*?)<\/script>/s.exec(html)?.[1];
const endId = String((JSON.parse(config ?? "{}") as { end_id?: string }).end_id);

/** One POST of the no-op callback; with `handles`, a poll (inputs nulled, as the renderer sends them). */
async function update(value: unknown, handles?: Record<string, unknown>): Promise<Record<string, unknown>> {
  const query = new URLSearchParams({ endId });
  if (handles) {
    query.append("cacheKey", String(handles.cacheKey));
    query.append("job", String(handles.job));
  }
  const body = JSON.stringify({
    output: "noop-out.children",
    outputs: { id: "noop-out", property: "children" },
    inputs: [{ id: "noop-in", property: "value", value: handles ? null : value }],
    changedPropIds: ["noop-in.value"],
  });
  const response = await ours.fetch(
    new Request(`${base}_dash-update-component?${query}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Host: "127.0.0.1" },
      body,
    }),
  );
  return (await response.json()) as Record<string, unknown>;
}

/** A click: the first POST, then polls until the result (a fast job's result comes in the first answer). */
async function click(value: unknown): Promise<void> {
  const handles = await update(value);
  let answer = handles;
  while (answer.response === undefined) answer = await update(value, handles);
}

/** CPU (ms, all threads of this process) and wall time per call of `fn`, `count` calls one after the other. */
async function perCall(count: number, fn: (i: number) => Promise<unknown>): Promise<{ cpu: number; wall: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < count; i++) await fn(i);
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / 1000 / count, wall: (performance.now() - start) / count };
}

try {
  await perCall(50, (i) => click(`warm-${i}`));
  const clicks = await perCall(CLICKS, (i) => click(i));
  const handles = await update("finished");
  while ((await update(null, handles)).response === undefined);
  await perCall(2_000, () => update(null, handles));
  const poll = await perCall(POLLS, () => update(null, handles));
  console.log(
    `${kind === "queue" ? "QueueManager" : "DiskManager"}, app.fetch without HTTP: poll of a finished job ${(poll.cpu * 1000).toFixed(0)} µs CPU (${(poll.wall * 1000).toFixed(0)} µs wall); no-op click ${clicks.cpu.toFixed(2)} ms CPU (${clicks.wall.toFixed(2)} ms wall)`,
  );
} finally {
  await manager.close();
  if (worker) await stopped(worker);
  await cleanRedis(env.BENCH_PREFIX);
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
