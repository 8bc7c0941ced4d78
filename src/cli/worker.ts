import { resolve } from "node:path";
import { BackgroundCallbackError } from "../errors.js";
import { type MetricsServer, serveMetrics } from "../metrics/worker-server.js";
import { type QueueWorkerSource, queueWorkerSources, type RunningQueueWorker } from "../worker/sources.js";
import { type Command, EXIT } from "./args.js";
import { loadAppModule } from "./load-module.js";
import { jsonLogger, type LogLine, messageOf } from "./log.js";

type WorkerCommand = Extract<Command, { kind: "worker" }>;

/** What the worker command writes to; tests and embedders may pass their own. */
export interface WorkerIo {
  log(line: LogLine): void;
  /** A message for a human on stderr (startup failures). */
  error(text: string): void;
}

const defaultIo: WorkerIo = { log: jsonLogger(), error: (text) => process.stderr.write(`${text}\n`) };

/** First and longest wait between attempts to reach Redis at start. */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;

/**
 * `background-callbacks worker <module>`: loads the app in the queue-worker role, starts a worker
 * for each QueueManager it created, and runs until SIGTERM or SIGINT. Resolves with the exit code.
 */
export async function runWorker(
  command: WorkerCommand,
  argv: readonly string[],
  io: WorkerIo = defaultIo,
): Promise<number> {
  const loaded = await loadAppModule(command.module, argv, io.error);
  if ("exitCode" in loaded) return loaded.exitCode;
  const sources = queueWorkerSources();
  if (sources.length === 0) {
    io.error(
      `background-callbacks: The app module "${command.module}" registers no background callbacks on a QueueManager: it must create a \`new QueueManager(...)\` (from "background-callbacks/managers/queue") when it is imported, e.g. as the app's backgroundCallbackManager`,
    );
    return EXIT.noQueueManager;
  }
  return serve(command, resolve(command.module), sources, io);
}

/** SIGTERM or SIGINT: the first asks for a graceful stop, the second for an immediate one. */
class StopSignals {
  readonly requested: Promise<void>;
  readonly forced: Promise<void>;
  #signals = 0;

  constructor(io: WorkerIo, graceMs: number) {
    let stop = (): void => undefined;
    let force = (): void => undefined;
    this.requested = new Promise((resolve) => {
      stop = resolve;
    });
    this.forced = new Promise((resolve) => {
      force = resolve;
    });
    const onSignal = (signal: NodeJS.Signals): void => {
      this.#signals++;
      if (this.#signals === 1) {
        io.log({ event: "worker.signal", signal, graceMs });
        stop();
      } else if (this.#signals === 2) {
        io.log({ level: "warn", event: "worker.forceStop", signal });
        force();
      }
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  }
}

/** Starts the workers, waits for a stop signal, and shuts them down. */
async function serve(
  command: WorkerCommand,
  file: string,
  sources: readonly QueueWorkerSource[],
  io: WorkerIo,
): Promise<number> {
  const signals = new StopSignals(io, command.shutdownGraceMs);
  const running: RunningQueueWorker[] = [];
  let metrics: MetricsServer | undefined;
  try {
    metrics = await startMetrics(command, io);
  } catch (error) {
    io.error(`background-callbacks: ${messageOf(error)}`);
    return EXIT.failed;
  }
  try {
    for (const source of sources) {
      const worker = await startWithRetries(source, command, file, io, signals.requested);
      if (worker === undefined) break;
      running.push(worker);
    }
  } catch (error) {
    io.log({ level: "error", event: "worker.failed", message: messageOf(error) });
    await Promise.all(running.map((worker) => worker.close(0)));
    await metrics?.close();
    return EXIT.failed;
  }
  await signals.requested;
  void signals.forced.then(() => Promise.all(running.map((worker) => worker.close(0))));
  await Promise.all(running.map((worker) => worker.close(command.shutdownGraceMs)));
  // Closed last: a scrape during the shutdown still sees the jobs it ends.
  await metrics?.close();
  io.log({ event: "worker.exit", code: EXIT.ok });
  return EXIT.ok;
}

/** Serves `--metrics-port`, when given, before any job can start. */
async function startMetrics(command: WorkerCommand, io: WorkerIo): Promise<MetricsServer | undefined> {
  if (command.metrics === undefined) return undefined;
  const server = await serveMetrics(command.metrics);
  io.log({ event: "worker.metrics", url: server.url });
  return server;
}

/** Waits `ms`, or less when `stopped` settles first; resolves whether the full wait passed. */
async function pause(ms: number, stopped: Promise<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), ms);
  });
  try {
    return await Promise.race([waited, stopped.then(() => false)]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts one source's worker. While Redis is unreachable (`BACKEND`), says so and tries again with
 * backoff instead of exiting (no crash loop); gives up only when a stop is requested (undefined).
 */
async function startWithRetries(
  source: QueueWorkerSource,
  command: WorkerCommand,
  file: string,
  io: WorkerIo,
  stopped: Promise<void>,
): Promise<RunningQueueWorker | undefined> {
  const where = source.describe();
  const log = (line: Record<string, unknown>): void => io.log({ source: where, ...(line as LogLine) });
  const concurrency = command.concurrency === undefined ? {} : { concurrency: command.concurrency };
  for (let waitMs = RETRY_FIRST_MS; ; waitMs = Math.min(waitMs * 2, RETRY_MAX_MS)) {
    log({ event: "worker.starting", ...concurrency });
    try {
      return await source.startWorker({ module: file, log, ...concurrency });
    } catch (error) {
      if (!(error instanceof BackgroundCallbackError && error.code === "BACKEND")) throw error;
      log({ level: "error", event: "redis.unreachable", message: error.message, retryInMs: waitMs });
    }
    if (!(await pause(waitMs, stopped))) return undefined;
  }
}
