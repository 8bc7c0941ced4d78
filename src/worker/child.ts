/**
 * Entry of a worker process started by `WorkerPool`: loads the app module (so it registers its
 * job functions), then runs the jobs its supervisor sends, one at a time.
 */
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { outcomeOfError } from "./outcome.js";
import { type FromWorker, MODULE_ENV, type ToWorker } from "./protocol.js";
import { registeredJobs } from "./registry.js";
import { type JobSink, runJob } from "./run.js";

const send = (message: FromWorker): void => {
  // After a disconnect nobody listens; the process is about to exit.
  if (process.connected) process.send?.(message);
};

const running = new Map<string, AbortController>();

// The supervisor is gone: nobody would read what this process does next.
process.on("disconnect", () => process.exit(0));

// A job stuck in a synchronous loop never sees "disconnect". A watchdog thread has its own event
// loop: if the supervisor dies (this process is re-parented), it kills this process.
const WATCHDOG = `const { workerData } = require("node:worker_threads");
setInterval(() => { if (process.ppid !== workerData) process.kill(process.pid, "SIGKILL"); }, 500);`;
new Worker(WATCHDOG, { eval: true, workerData: process.ppid }).unref();

process.on("message", (message: ToWorker) => {
  if (message.t === "abort") {
    running.get(message.jobId)?.abort(new Error("Job cancelled"));
    return;
  }
  const { job } = message;
  const controller = new AbortController();
  running.set(job.jobId, controller);
  const sink: JobSink = {
    progress: (value) => send({ t: "progress", jobId: job.jobId, value }),
    props: (id, props) => send({ t: "props", jobId: job.jobId, id, props }),
  };
  void runJob(job, controller.signal, sink).then((outcome) => {
    running.delete(job.jobId);
    send({ t: "done", jobId: job.jobId, outcome });
  });
});

async function start(): Promise<void> {
  const module = process.env[MODULE_ENV];
  if (!module) throw new Error(`${MODULE_ENV} is not set`);
  await import(module.startsWith("file:") ? module : pathToFileURL(module).href);
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
