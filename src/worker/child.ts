/**
 * Entry of a worker process started by `WorkerPool`: loads the app module (so it registers its
 * job functions), then runs the jobs its supervisor sends, one at a time.
 */
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Json } from "../manager/contract.js";
import { type Baseline, takeBaseline } from "./leftovers.js";
import { outcomeOfError } from "./outcome.js";
import { type FromWorker, MODULE_ENV, type ToWorker, type WorkerJob } from "./protocol.js";
import { registeredJobs } from "./registry.js";
import { type JobSink, runJob } from "./run.js";
import { currentJob } from "./scope.js";

const send = (message: FromWorker): void => {
  // After a disconnect nobody listens; the process is about to exit.
  if (process.connected) process.send?.(message);
};

/**
 * A job of this process: its reports and its abort signal. Methods rather than closures and a
 * controller made on first use: this runs for every job, and most jobs never read their signal.
 */
class Running implements JobSink {
  readonly jobId: string;
  #controller: AbortController | undefined;

  constructor(jobId: string) {
    this.jobId = jobId;
  }

  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    return this.#controller.signal;
  }

  abort(reason: Error): void {
    this.#controller ??= new AbortController();
    this.#controller.abort(reason);
  }

  progress(value: Json): void {
    send({ t: "progress", jobId: this.jobId, value });
  }

  props(id: string, props: Record<string, Json>): void {
    send({ t: "props", jobId: this.jobId, id, props });
  }
}

/** The job running now (one at a time). */
let running: Running | undefined;
/** Set once an error escaped every job: this process takes no new job. */
let retired = false;
let baseline: Baseline | undefined;

// The supervisor is gone: nobody would read what this process does next.
process.on("disconnect", () => process.exit(0));

// A job stuck in a synchronous loop never sees "disconnect". A watchdog thread has its own event
// loop: if the supervisor dies (this process is re-parented), it kills this process.
const WATCHDOG = `const { workerData } = require("node:worker_threads");
setInterval(() => { if (process.ppid !== workerData) process.kill(process.pid, "SIGKILL"); }, 500);`;
new Worker(WATCHDOG, { eval: true, workerData: process.ppid }).unref();

// An error nobody caught. The job scope travels with callbacks, so it names the job whose code
// threw: the running job's own error crashes the process as Node would (the job ends `lost`);
// anyone else's (a finished job's stray timer, the module's code) must not harm the running job,
// so the process finishes it and retires.
process.on("uncaughtException", (error, origin) => {
  const owner = currentJob()?.jobId;
  if (running !== undefined && owner === running.jobId) {
    console.error(origin === "unhandledRejection" ? "Unhandled rejection:" : "Uncaught exception:", error);
    process.exit(1);
  }
  const what = error instanceof Error ? error.message : String(error);
  const reason = owner === undefined ? what : `a callback left behind by the job ${owner} threw: ${what}`;
  if (!retired) send({ t: "retire", reason });
  retired = true;
});

function run(job: WorkerJob): void {
  // A retired process starts nothing; its supervisor kills it and hands the job to another.
  if (retired || running !== undefined) return;
  const current = new Running(job.jobId);
  running = current;
  send({ t: "started", jobId: job.jobId });
  void runJob(job, current, current).then((outcome) => {
    running = undefined;
    const leftovers = baseline?.extra() ?? [];
    send({ t: "done", jobId: job.jobId, outcome, ...(leftovers.length > 0 ? { leftovers } : {}) });
  });
}

process.on("message", (message: ToWorker) => {
  if (message.t === "abort") {
    if (running?.jobId === message.jobId) running.abort(new Error("Job cancelled"));
    return;
  }
  run(message.job);
});

async function start(): Promise<void> {
  const module = process.env[MODULE_ENV];
  if (!module) throw new Error(`${MODULE_ENV} is not set`);
  await import(module.startsWith("file:") ? module : pathToFileURL(module).href);
  baseline = takeBaseline();
  send({ t: "ready", jobs: registeredJobs() });
}

start().catch((error: unknown) => {
  const outcome = outcomeOfError(error);
  send({
    t: "fatal",
    message: outcome.kind === "error" ? outcome.message : String(error),
    ...(outcome.kind === "error" && outcome.stack ? { stack: outcome.stack } : {}),
  });
  process.disconnect?.();
  process.exitCode = 1;
});
