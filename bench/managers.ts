/**
 * Managers side by side, in one run (the machine is shared and noisy: compare ratios, not
 * absolute numbers). Writes the table into docs/benchmarks.md between the markers.
 *
 *   npx tsx bench/managers.ts            # JOBS=200 ROUNDS=20 to change the sizes
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BackgroundCallbackManager, JobOutcome } from "background-callbacks";
import { DiskManager } from "background-callbacks/managers/disk";
import { QueueManager } from "background-callbacks/managers/queue";
import { MemoryManager } from "background-callbacks/testing";

const workerModule = fileURLToPath(new URL("./jobs.ts", import.meta.url));
const JOBS = Number(process.env.JOBS ?? 200);
const ROUNDS = Number(process.env.ROUNDS ?? 20);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A manager under test, and how to stop it (with its worker, for the QueueManager). */
interface Subject {
  readonly manager: BackgroundCallbackManager;
  close(): Promise<void>;
}
type Factory = (concurrency: number) => Subject | Promise<Subject>;
const plain = (manager: BackgroundCallbackManager): Subject => ({ manager, close: () => manager.close() });
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
let queues = 0;

/** A QueueManager with its own queue and one worker in this process (jobs on its worker processes). */
async function queueManager(concurrency: number): Promise<Subject> {
  const manager = new QueueManager({
    connection: REDIS_URL,
    queueName: `bench-${process.pid}-${queues++}`,
    concurrency,
  });
  const worker = await manager.startWorker({ module: workerModule, concurrency, log: () => undefined });
  return {
    manager,
    close: async () => {
      await worker.close(1_000);
      await manager.close();
    },
  };
}
const managers: [string, Factory][] = [
  ["MemoryManager (reference)", (concurrency) => plain(new MemoryManager({ workerModule, concurrency }))],
  [
    "DiskManager",
    (concurrency) =>
      plain(
        new DiskManager({
          path: join(mkdtempSync(join(tmpdir(), "bgcb-bench-")), "b.sqlite"),
          workerModule,
          concurrency,
        }),
      ),
  ],
  [`QueueManager (Redis ${REDIS_URL.replace(/^redis:\/\//, "")})`, queueManager],
];

async function outcome(manager: BackgroundCallbackManager, jobId: string): Promise<JobOutcome> {
  for (;;) {
    const update = await manager.take(jobId);
    if (update.outcome) return update.outcome;
    await sleep(1);
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/** Submit → outcome of one tiny job at a time (median ms). */
async function roundTrip(manager: BackgroundCallbackManager): Promise<number> {
  await outcome(manager, (await manager.submit({ callbackId: "bench.echo", args: [0] })).jobId); // warm the workers
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    await outcome(manager, (await manager.submit({ callbackId: "bench.echo", args: [i] })).jobId);
    times.push(performance.now() - start);
  }
  return median(times);
}

/** `JOBS` tiny jobs submitted at once, until every outcome is read (jobs per second). */
async function throughput(manager: BackgroundCallbackManager): Promise<number> {
  const start = performance.now();
  const handles = await Promise.all(
    Array.from({ length: JOBS }, (_, i) => manager.submit({ callbackId: "bench.echo", args: [i] })),
  );
  await Promise.all(handles.map((handle) => outcome(manager, handle.jobId)));
  return JOBS / ((performance.now() - start) / 1000);
}

/** Cancel of a cooperative running job until its slot serves the next job (median ms). */
async function cancelLatency(manager: BackgroundCallbackManager, callbackId: string, rounds: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const running = await manager.submit({ callbackId, args: [] });
    while ((await manager.status(running.jobId)) !== "running") await sleep(2);
    const next = await manager.submit({ callbackId: "bench.echo", args: [i] });
    const start = performance.now();
    await manager.cancel(running.jobId);
    await outcome(manager, next.jobId);
    times.push(performance.now() - start);
  }
  return median(times);
}

async function using<T>(
  created: Subject | Promise<Subject>,
  run: (m: BackgroundCallbackManager) => Promise<T>,
): Promise<T> {
  const subject = await created;
  try {
    return await run(subject.manager);
  } finally {
    await subject.close();
  }
}

/** Round trip and cancels on one worker process (so the next job waits for the cancelled one's slot); throughput on two. */
async function measure(factory: Factory): Promise<number[]> {
  return [
    await using(factory(1), roundTrip),
    await using(factory(2), throughput),
    await using(factory(1), (m) => cancelLatency(m, "bench.wait", ROUNDS)),
    await using(factory(1), (m) => cancelLatency(m, "bench.spin", 3)),
  ];
}

const rows: string[] = [];
const results: number[][] = [];
for (const [name, factory] of managers) {
  const values = await measure(factory);
  results.push(values);
  rows.push(
    `| ${name} | ${values[0]?.toFixed(1)} | ${values[1]?.toFixed(0)} | ${values[2]?.toFixed(1)} | ${values[3]?.toFixed(0)} |`,
  );
}
const [memory, disk, queue] = results as [number[], number[], number[]];
const ratio = (a: number[], b: number[], i: number) => ((a[i] as number) / (b[i] as number)).toFixed(2);
const table = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}; ${ROUNDS} rounds, ${JOBS} jobs on 2 worker processes for throughput, 1 otherwise.`,
  "",
  "| manager | round trip, median ms | throughput, jobs/s | cooperative cancel → next job, median ms | busy-loop cancel (grace 1 s) → next job, median ms |",
  "| --- | --- | --- | --- | --- |",
  ...rows,
  "",
  `DiskManager / MemoryManager: round trip ×${ratio(disk, memory, 0)}, throughput ×${ratio(disk, memory, 1)}, cooperative cancel ×${ratio(disk, memory, 2)}.`,
  `QueueManager / MemoryManager: round trip ×${ratio(queue, memory, 0)}, throughput ×${ratio(queue, memory, 1)}, cooperative cancel ×${ratio(queue, memory, 2)}.`,
].join("\n");
console.log(table);

const file = fileURLToPath(new URL("../docs/benchmarks.md", import.meta.url));
const doc = readFileSync(file, "utf8");
const begin = "<!-- bench/managers.ts: begin -->";
const end = "<!-- bench/managers.ts: end -->";
writeFileSync(file, doc.replace(new RegExp(`${begin}[\\s\\S]*${end}`), `${begin}\n${table}\n${end}`));
